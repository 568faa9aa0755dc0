"""The floors of the page benchmark (benchmarks/pages.py): the same rows as a page, read by
one hand-written SQL statement, rendered with the page's own template. Served through the
same middleware as the pages (benchmarks/pages_urls.py). Not for anything else.

Valid for the data set's climate at its ``NOW`` (normal: a cadence day lasts 24 hours)."""

# The statement is composed from this file's constants, never from input.
# ruff: noqa: S608

from __future__ import annotations

from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page
from django.db import connection
from django.shortcuts import render

from contacts.forms import ContactSearchForm
from contacts.models import Contact
from contacts.paging import CappedPaginator
from contacts.views import PAGE_SIZE

CATEGORIES = dict(Contact.Category.choices)
VISIBLE = """
    c.sensitivity = 'standard' OR c.owner_id = %(user)s
    OR c.id IN (SELECT g.contact_id FROM contacts_grant g WHERE g.user_id = %(user)s)
    OR (c.sensitivity = 'restricted' AND c.owner_id IN (
        SELECT b.user_id FROM contacts_team_members a
        JOIN contacts_team_members b ON b.team_id = a.team_id WHERE a.user_id = %(user)s))"""
COUNTED_FROM = (
    "greatest(coalesce(ch.last_touch_at, ch.created_at), "
    "coalesce(ch.count_restarted_at, ch.last_touch_at, ch.created_at))"
)
# The contacts list's search (contacts/search.py): every word of the term folded to Latin in
# the contact's key, or every bone of its skeleton (when one has three letters), or the same
# of its organization's key; ``{words}`` and ``{bones}`` are composed from these constants.
MATCHING = """
    AND (({words}){bones}
         OR c.organization_id = ANY(ARRAY(
             SELECT id FROM contacts_organization c WHERE ({words}){bones})))"""


def matching(term: str, params: dict) -> str:
    """``MATCHING`` for ``term``, its LIKE patterns put in ``params`` (key0, bone0...)."""
    from contacts.names import fold, skeleton_of_folded

    folded = fold(term)
    words, bones = folded.split(), skeleton_of_folded(folded).split()
    for index, word in enumerate(words):
        params[f"key{index}"] = f"%{word}%"
    for index, bone in enumerate(bones):
        params[f"bone{index}"] = f"%{bone}%"
    word_sql = " AND ".join(f"c.search_key LIKE %(key{i})s" for i in range(len(words)))
    bone_sql = ""
    if any(len(bone) >= 3 for bone in bones):
        bone_sql = (
            " OR ("
            + " AND ".join(f"c.name_skeleton LIKE %(bone{i})s" for i in range(len(bones)))
            + ")"
        )
    return MATCHING.format(words=word_sql, bones=bone_sql)


CONTACTS = f"""
SELECT c.id, c.full_name, c.native_name, c.category, c.sensitivity, o.id, o.name,
       u.username, u.first_name, u.last_name,
       (SELECT max(ch.last_touch_at) FROM contacts_channel ch WHERE ch.contact_id = c.id),
       (SELECT min({COUNTED_FROM} + ch.cadence_days * interval '1 day')
        FROM contacts_channel ch WHERE ch.contact_id = c.id AND ch.status = 'active'),
       EXISTS (SELECT 1 FROM contacts_channel ch WHERE ch.contact_id = c.id
               AND ch.officer_id = %(user)s AND ch.status = 'active'
               AND {COUNTED_FROM} + ch.cadence_days * interval '1 day' <= %(now)s),
       (SELECT count(*) FROM contacts_contact c WHERE ({VISIBLE}) {{matching}})
FROM contacts_contact c
LEFT JOIN contacts_organization o ON o.id = c.organization_id
JOIN auth_user u ON u.id = c.owner_id
WHERE ({VISIBLE}) {{matching}}
ORDER BY c.full_name, c.id
LIMIT %(limit)s OFFSET %(offset)s"""


def _person(username, first, last):
    full = f"{first} {last}".strip()
    return SimpleNamespace(get_full_name=lambda: full, get_username=lambda: username)


def _contact(row):
    pk, full_name, native_name, category, sensitivity, org_pk, org_name = row[:7]
    return SimpleNamespace(
        pk=pk,
        full_name=full_name,
        native_name=native_name,
        sensitivity=sensitivity,
        get_category_display=lambda: CATEGORIES[category],
        organization=SimpleNamespace(pk=org_pk, name=org_name) if org_pk else None,
        owner=_person(*row[7:10]),
        last_touch_at=row[10],
        next_due_at=row[11],
        overdue_for_me=row[12],
    )


@login_required
def contacts(request):
    """The contacts list (``?q=`` a search, ``?page=`` a page served, as the app's cap
    serves it), first sorted by name; the htmx partial for an htmx request."""
    from django.utils import timezone

    form = ContactSearchForm(request.GET)
    form.is_valid()
    term = form.cleaned_data.get("q") or ""
    number = int(request.GET.get("page") or 1)
    params = {
        "user": request.user.pk,
        "now": timezone.now(),
        "limit": PAGE_SIZE,
        "offset": (number - 1) * PAGE_SIZE,
    }
    with connection.cursor() as cursor:
        cursor.execute(CONTACTS.format(matching=matching(term, params) if term else ""), params)
        rows = cursor.fetchall()
    paginator = CappedPaginator([], PAGE_SIZE)
    paginator.__dict__["count"] = rows[0][-1] if rows else 0
    page = Page([_contact(row) for row in rows], number, paginator)
    partial = request.htmx and not request.htmx.history_restore_request
    return render(
        request,
        "contacts/_contact_results.html" if partial else "contacts/contact_list.html",
        {"form": form, "page": page, "filtered": bool(term), "may_edit": True},
    )


# The contacts list sorted by last touch or next due: the dates stored on each contact
# (contacts migration 0013), under the data set's climate (normal).
SORTED_CONTACTS = f"""
SELECT c.id, c.full_name, c.native_name, c.category, c.sensitivity, o.id, o.name,
       u.username, u.first_name, u.last_name,
       c.channels_last_touch_at, c.channels_due_normal_at,
       EXISTS (SELECT 1 FROM contacts_channel ch WHERE ch.contact_id = c.id
               AND ch.officer_id = %(user)s AND ch.status = 'active'
               AND {COUNTED_FROM} + ch.cadence_days * interval '1 day' <= %(now)s),
       (SELECT count(*) FROM contacts_contact c WHERE ({VISIBLE}))
FROM contacts_contact c
LEFT JOIN contacts_organization o ON o.id = c.organization_id
JOIN auth_user u ON u.id = c.owner_id
WHERE ({VISIBLE})
ORDER BY {{order}}, c.full_name, c.id
LIMIT %(limit)s OFFSET %(offset)s"""
SORTED_BY = {
    "last_touch": "c.channels_last_touch_at DESC NULLS LAST",
    "next_due": "c.channels_due_normal_at ASC NULLS LAST",
}


@login_required
def contacts_sorted(request):
    """The contacts list sorted by ``?sort=`` last_touch or next_due (``?page=`` a page)."""
    from django.utils import timezone

    form = ContactSearchForm(request.GET)
    form.is_valid()
    number = int(request.GET.get("page") or 1)
    params = {
        "user": request.user.pk,
        "now": timezone.now(),
        "limit": PAGE_SIZE,
        "offset": (number - 1) * PAGE_SIZE,
    }
    with connection.cursor() as cursor:
        cursor.execute(SORTED_CONTACTS.format(order=SORTED_BY[request.GET["sort"]]), params)
        rows = cursor.fetchall()
    paginator = CappedPaginator([], PAGE_SIZE)
    paginator.__dict__["count"] = rows[0][-1] if rows else 0
    page = Page([_contact(row) for row in rows], number, paginator)
    return render(
        request,
        "contacts/contact_list.html",
        {"form": form, "page": page, "filtered": False, "may_edit": True},
    )


# The contact page, the event page, its check-in page and network health (issue 21: a
# page's lists merged into one statement by json_agg, or UNION ALL for health). The
# reader's roles are read as the pages read them (one query, cached on the user).


def _visible_as(alias: str) -> str:
    """VISIBLE for the contact table under ``alias``."""
    import re

    return re.sub(r"\bc\.", f"{alias}.", VISIBLE)


def _json_rows(value) -> list:
    import json

    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else value


def _moment(text):
    from django.utils.dateparse import parse_date, parse_datetime

    if not text:
        return None
    return parse_datetime(text) if "T" in text else parse_date(text)


def _choices_of(model, field: str) -> dict:
    return dict(model._meta.get_field(field).choices)


# VISIBLE tested row by row (a grant, a teammate by index), for a few rows.
VISIBLE_BY_ROW = """
    hc.sensitivity = 'standard' OR hc.owner_id = %(user)s
    OR EXISTS (SELECT 1 FROM contacts_grant g
               WHERE g.contact_id = hc.id AND g.user_id = %(user)s)
    OR (hc.sensitivity = 'restricted' AND EXISTS (
        SELECT 1 FROM contacts_team_members a JOIN contacts_team_members b
        ON b.team_id = a.team_id WHERE a.user_id = %(user)s AND b.user_id = hc.owner_id))"""
READABLE = f"""
    NOT EXISTS (SELECT 1 FROM contacts_exchange_contacts hl
                JOIN contacts_contact hc ON hc.id = hl.contact_id
                WHERE hl.exchange_id = e.id AND NOT ({VISIBLE_BY_ROW}))
    AND (NOT e.is_sealed OR EXISTS (SELECT 1 FROM contacts_exchange_readers r
                                    WHERE r.exchange_id = e.id AND r.user_id = %(user)s))"""
CONTACT_PAGE = f"""
WITH theirs AS MATERIALIZED (
    SELECT e.id, e.occurred_at, e.kind, e.summary, e.notes, e.follow_up_on,
           e.created_by_id
    FROM contacts_exchange_contacts l JOIN contacts_exchange e ON e.id = l.exchange_id
    WHERE l.contact_id = %(contact)s AND {READABLE})
SELECT c.id, c.full_name, c.native_name, c.category, c.layer, c.sensitivity, c.owner_id,
       c.country, c.languages, c.email, c.phone, c.erased_at, c.updated_at, c.notes,
       o.id, o.name, u.username, u.first_name, u.last_name,
       (SELECT json_agg(json_build_object(
                'role', a.role, 'organization_id', a.organization_id, 'name', ao.name,
                'starts_on', a.starts_on, 'ends_on', a.ends_on)
            ORDER BY a.ends_on DESC NULLS FIRST, a.starts_on DESC NULLS LAST, a.id)
        FROM contacts_affiliation a JOIN contacts_organization ao ON ao.id = a.organization_id
        WHERE a.contact_id = c.id),
       (SELECT json_agg(json_build_object(
                'id', d.id, 'officer_id', d.officer_id, 'kind', d.kind,
                'priority', d.priority, 'cadence_days', d.cadence_days, 'status', d.status,
                'next_due_at', d.next_due_at, 'username', d.username,
                'first_name', d.first_name, 'last_name', d.last_name)
            ORDER BY d.next_due_at, d.id)
        FROM (SELECT ch.*, {COUNTED_FROM} + ch.cadence_days * interval '1 day' AS next_due_at,
                     cu.username, cu.first_name, cu.last_name
              FROM contacts_channel ch JOIN auth_user cu ON cu.id = ch.officer_id
              WHERE ch.contact_id = c.id) d),
       EXISTS (SELECT 1 FROM contacts_channel ch
               WHERE ch.contact_id = c.id AND ch.officer_id = %(user)s),
       (SELECT count(*) FROM theirs),
       (SELECT json_agg(json_build_object(
                'id', x.id, 'occurred_at', x.occurred_at, 'kind', x.kind,
                'summary', x.summary, 'notes', x.notes, 'follow_up_on', x.follow_up_on,
                'may_change', x.may_change, 'contacts', x.contacts, 'officers', x.officers)
            ORDER BY x.occurred_at DESC, x.id DESC)
        FROM (SELECT t.*,
                     t.created_by_id = %(user)s OR EXISTS (
                        SELECT 1 FROM contacts_exchange_officers mo
                        WHERE mo.exchange_id = t.id AND mo.user_id = %(user)s) AS may_change,
                     (SELECT json_agg(json_build_object('id', k.id, 'full_name', k.full_name)
                                      ORDER BY k.full_name, k.id)
                      FROM contacts_exchange_contacts kl
                      JOIN contacts_contact k ON k.id = kl.contact_id
                      WHERE kl.exchange_id = t.id AND ({_visible_as("k")})) AS contacts,
                     (SELECT json_agg(json_build_object(
                                'username', eu.username, 'first_name', eu.first_name,
                                'last_name', eu.last_name) ORDER BY eo.id)
                      FROM contacts_exchange_officers eo
                      JOIN auth_user eu ON eu.id = eo.user_id
                      WHERE eo.exchange_id = t.id) AS officers
              FROM theirs t ORDER BY t.occurred_at DESC, t.id DESC
              LIMIT %(limit)s OFFSET %(offset)s) x),
       (SELECT json_agg(json_build_object(
                'event_id', ev.id, 'title', ev.title, 'starts_at', ev.starts_at,
                'event_status', ev.status, 'status', i.status, 'role', i.role)
            ORDER BY ev.starts_at DESC, i.id DESC)
        FROM events_invitation i JOIN events_event ev ON ev.id = i.event_id
        WHERE i.contact_id = c.id),
       (SELECT json_agg(json_build_object(
                'id', p.id, 'title', p.title, 'kind', p.kind, 'starts_on', p.starts_on,
                'ends_on', p.ends_on, 'status', p.status) ORDER BY p.starts_on DESC, p.id)
        FROM events_programme_participants pp JOIN events_programme p ON p.id = pp.programme_id
        WHERE pp.contact_id = c.id)
FROM contacts_contact c
LEFT JOIN contacts_organization o ON o.id = c.organization_id
JOIN auth_user u ON u.id = c.owner_id
WHERE c.id = %(contact)s AND ({VISIBLE})"""


def _exchange(row, choices, decrypt):
    return SimpleNamespace(
        pk=row["id"],
        occurred_at=_moment(row["occurred_at"]),
        get_kind_display=lambda: choices[row["kind"]],
        summary=row["summary"],
        notes=decrypt(row["notes"]) if row["notes"] else "",
        follow_up_on=_moment(row["follow_up_on"]),
        may_change=row["may_change"],
        named_contacts=[
            SimpleNamespace(pk=k["id"], full_name=k["full_name"]) for k in row["contacts"] or []
        ],
        named_officers=[
            _person(p["username"], p["first_name"], p["last_name"]) for p in row["officers"] or []
        ],
    )


@login_required
def contact_page(request, pk):
    """The contact page (``?page=`` a page of the timeline), for a contact of standard or
    restricted sensitivity (the grants form of a protected contact's owner is not built)."""
    from django.core.paginator import Paginator
    from django.http import Http404
    from django.utils import timezone
    from django_countries.fields import Country

    from contacts import access, crypto
    from contacts.models import Channel, Exchange, Layer
    from contacts.views import TIMELINE_SIZE
    from events.models import Invitation, Programme

    number = int(request.GET.get("page") or 1)
    params = {
        "user": request.user.pk,
        "contact": pk,
        "limit": TIMELINE_SIZE,
        "offset": (number - 1) * TIMELINE_SIZE,
    }
    with connection.cursor() as cursor:
        cursor.execute(CONTACT_PAGE, params)
        row = cursor.fetchone()
    if row is None:
        raise Http404
    (pk, full_name, native_name, category, layer, sensitivity, owner_id, country, languages,
     email, phone, erased_at, updated_at, notes, org_pk, org_name, *owner) = row[:19]  # fmt: skip
    affiliations, channels, holds_one, timeline_count, exchanges, invitations, programmes = row[19:]
    user, now = request.user, timezone.now()
    contact = SimpleNamespace(
        pk=pk,
        full_name=full_name,
        native_name=native_name,
        get_category_display=lambda: CATEGORIES[category],
        get_layer_display=lambda: dict(Layer.choices).get(layer, ""),
        sensitivity=sensitivity,
        owner_id=owner_id,
        owner=_person(*owner),
        organization=SimpleNamespace(pk=org_pk, name=org_name) if org_pk else None,
        country=Country(country) if country else None,
        languages=_json_rows(languages),
        email=email,
        phone=phone,
        erased_at=erased_at,
        updated_at=updated_at,
        notes=crypto.decrypt(notes) if notes else "",
    )
    kinds = _choices_of(Exchange, "kind")
    paginator = Paginator([], TIMELINE_SIZE)
    paginator.__dict__["count"] = timeline_count
    timeline = Page(
        [_exchange(x, kinds, crypto.decrypt) for x in _json_rows(exchanges)], number, paginator
    )
    channel_choices = {f: _choices_of(Channel, f) for f in ("kind", "priority", "status")}
    invitation_choices = {f: _choices_of(Invitation, f) for f in ("status", "role")}
    programme_choices = {f: _choices_of(Programme, f) for f in ("kind", "status")}
    context = {
        "contact": contact,
        "may_read_notes": access.may_read_notes(user),
        "affiliations": [
            SimpleNamespace(
                role=a["role"],
                organization_id=a["organization_id"],
                organization=SimpleNamespace(name=a["name"]),
                starts_on=_moment(a["starts_on"]),
                ends_on=_moment(a["ends_on"]),
            )
            for a in _json_rows(affiliations)
        ],
        "channels": [
            SimpleNamespace(
                pk=ch["id"],
                officer=_person(ch["username"], ch["first_name"], ch["last_name"]),
                get_kind_display=lambda ch=ch: channel_choices["kind"][ch["kind"]],
                get_priority_display=lambda ch=ch: channel_choices["priority"][ch["priority"]],
                get_status_display=lambda ch=ch: channel_choices["status"][ch["status"]],
                cadence_days=ch["cadence_days"],
                status=ch["status"],
                next_due_at=_moment(ch["next_due_at"]),
                overdue=ch["status"] == "active" and _moment(ch["next_due_at"]) <= now,
                may_manage=user.is_superuser or ch["officer_id"] == user.pk,
            )
            for ch in _json_rows(channels)
        ],
        "may_open_channel": access.may_open_channel(user) and not holds_one,
        "may_log_exchange": access.has_any_role(user, access.EDITORS) or holds_one,
        "exchanges": list(timeline.object_list),
        "timeline": timeline,
        "invitations": [
            SimpleNamespace(
                event_id=i["event_id"],
                event=SimpleNamespace(
                    title=i["title"], starts_at=_moment(i["starts_at"]), status=i["event_status"]
                ),
                role=i["role"],
                get_status_display=lambda i=i: invitation_choices["status"][i["status"]],
                get_role_display=lambda i=i: invitation_choices["role"][i["role"]],
            )
            for i in _json_rows(invitations)
        ],
        "programmes": [
            SimpleNamespace(
                pk=p["id"],
                title=p["title"],
                get_kind_display=lambda p=p: programme_choices["kind"][p["kind"]],
                starts_on=_moment(p["starts_on"]),
                ends_on=_moment(p["ends_on"]),
                get_status_display=lambda p=p: programme_choices["status"][p["status"]],
            )
            for p in _json_rows(programmes)
        ],
        "manages_grants": False,
        "grants": [],
        "grant_form": None,
        "may_edit": access.has_any_role(user, access.EDITORS),
        "may_delete": user.is_superuser or owner_id == user.pk,
    }
    return render(request, "contacts/contact_detail.html", context)


EVENT_GUESTS = f"""
    visible AS MATERIALIZED (
        SELECT i.id, i.status, i.role, i.revoked_at, i.waitlisted_at, i.rsvp_nonce,
               k.id AS contact_id, k.full_name, k.native_name, k.email
        FROM events_invitation i JOIN contacts_contact k ON k.id = i.contact_id
        WHERE i.event_id = %(event)s AND ({_visible_as("k")})),
    standing AS (SELECT * FROM visible WHERE revoked_at IS NULL)"""
EVENT_PAGE = f"""
WITH {EVENT_GUESTS}
SELECT ev.title, ev.kind, ev.status, ev.layer, ev.starts_at, ev.ends_at, ev.timezone,
       ev.venue, ev.online_url, ho.name, ev.capacity, ev.description,
       (SELECT json_agg(json_build_object(
                'username', u.username, 'first_name', u.first_name, 'last_name', u.last_name)
            ORDER BY u.username, u.id)
        FROM events_event_planners ep JOIN auth_user u ON u.id = ep.user_id
        WHERE ep.event_id = ev.id),
       (SELECT json_agg(json_build_object(
                'username', u.username, 'first_name', u.first_name, 'last_name', u.last_name)
            ORDER BY u.username, u.id)
        FROM events_event_attending_officers ea JOIN auth_user u ON u.id = ea.user_id
        WHERE ea.event_id = ev.id),
       (SELECT count(*) FROM events_invitation s WHERE s.event_id = ev.id
        AND s.status IN ('accepted', 'attended') AND s.revoked_at IS NULL),
       (SELECT json_agg(g ORDER BY g.full_name, g.id) FROM (
            SELECT standing.*, (
                SELECT json_agg(json_build_object(
                        'kind', m.kind, 'status', m.status, 'to', m.to,
                        'sent_at', m.sent_at, 'error', m.error)
                    ORDER BY m.created_at DESC, m.id DESC)
                FROM events_invitationmessage m WHERE m.invitation_id = standing.id
            ) AS messages
            FROM standing ORDER BY full_name, id LIMIT %(limit)s) g),
       (SELECT json_agg(w ORDER BY w.waitlisted_at, w.id) FROM (
            SELECT * FROM standing WHERE status = 'waitlisted'
            ORDER BY waitlisted_at, id LIMIT %(limit)s) w),
       (SELECT json_agg(x ORDER BY x.full_name, x.id) FROM (
            SELECT * FROM visible WHERE revoked_at IS NOT NULL
            ORDER BY full_name, id LIMIT %(limit)s) x),
       (SELECT json_object_agg(status, n) FROM (
            SELECT status, count(*) AS n FROM standing GROUP BY status) s),
       (SELECT count(*) FROM visible WHERE revoked_at IS NOT NULL),
       (SELECT count(*) FROM standing s LEFT JOIN LATERAL (
            SELECT m.status, m.to FROM events_invitationmessage m
            WHERE m.invitation_id = s.id AND m.kind = 'invitation'
            ORDER BY m.created_at DESC, m.id DESC LIMIT 1) latest ON true
        WHERE s.email <> ''
        AND s.status IN ('invited', 'tentative', 'accepted', 'declined', 'waitlisted')
        AND (latest.status IS NULL OR latest.status = 'failed'
             OR (latest.status = 'bounced' AND lower(latest.to) <> lower(s.email)))),
       (SELECT count(*) FROM standing WHERE email <> '' AND status = 'invited'),
       (SELECT count(*) FROM standing WHERE email = ''),
       (SELECT json_agg(b ORDER BY b.created_at DESC, b.id DESC) FROM (
            SELECT ib.id, ib.criteria, ib.created_at, ib.created_by_id,
                   count(v.id) AS total, count(v.id) FILTER (WHERE v.revoked_at IS NULL)
                   AS standing
            FROM events_invitationbatch ib
            LEFT JOIN events_invitation bi ON bi.batch_id = ib.id
            LEFT JOIN visible v ON v.id = bi.id
            WHERE ib.event_id = ev.id GROUP BY ib.id) b)
FROM events_event ev
LEFT JOIN contacts_organization ho ON ho.id = ev.host_organization_id
WHERE ev.id = %(event)s"""


def _invitation(row, choices, messages=()):
    message_choices = choices["message"]
    return SimpleNamespace(
        pk=row["id"],
        event_id=row["event_id"],
        rsvp_nonce=row["rsvp_nonce"],
        status=row["status"],
        role=row["role"],
        get_status_display=lambda: choices["status"][row["status"]],
        get_role_display=lambda: choices["role"][row["role"]],
        waitlisted_at=_moment(row["waitlisted_at"]),
        revoked_at=_moment(row["revoked_at"]),
        contact=SimpleNamespace(
            pk=row["contact_id"],
            full_name=row["full_name"],
            native_name=row["native_name"],
            email=row["email"],
        ),
        mail_messages=SimpleNamespace(
            all=lambda: [
                SimpleNamespace(
                    kind=m["kind"],
                    status=m["status"],
                    to=m["to"],
                    sent_at=_moment(m["sent_at"]),
                    error=m["error"],
                    get_kind_display=lambda m=m: message_choices["kind"][m["kind"]],
                    get_status_display=lambda m=m: message_choices["status"][m["status"]],
                )
                for m in messages
            ]
        ),
    )


@login_required
def event_page(request, pk):
    """The event page as a planner reads it (``?limit=``, ``?all=1`` as the page reads
    them); a bulk invitation's criteria are shown as stored (the page hides a tag the
    reader may not see: the benchmark's event has no batch)."""
    import zoneinfo

    from django.urls import reverse
    from django.utils import timezone

    from contacts import access
    from contacts.bounded import show_more, shown_limit
    from contacts.models import Layer
    from events import guest_list, mail, services
    from events.models import Event, Invitation, InvitationMessage
    from events.views import ON_BEHALF_ANSWERS

    step = guest_list.GUEST_ROWS
    limit = shown_limit(request, step)
    with connection.cursor() as cursor:
        cursor.execute(EVENT_PAGE, {"user": request.user.pk, "event": pk, "limit": limit})
        row = cursor.fetchone()
    (title, kind, status, layer, starts_at, ends_at, zone, venue, online_url, host, capacity,
     description, planners, attending, seated, guests, waitlist, withdrawn, counts,
     withdrawn_count, unsent, to_chase, by_hand, batch_rows) = row  # fmt: skip
    user, now = request.user, timezone.now()
    choices = {
        "status": dict(Invitation.Status.choices),
        "role": _choices_of(Invitation, "role"),
        "message": {
            "kind": dict(InvitationMessage.Kind.choices),
            "status": dict(InvitationMessage.Status.choices),
        },
    }
    event = SimpleNamespace(
        pk=pk,
        title=title,
        get_kind_display=lambda: dict(Event.Kind.choices)[kind],
        status=status,
        get_status_display=lambda: dict(Event.Status.choices)[status],
        get_layer_display=lambda: dict(Layer.choices).get(layer, ""),
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zoneinfo.ZoneInfo(zone),
        venue=venue,
        online_url=online_url,
        host_organization=host,
        capacity=capacity,
        description=description,
    )
    can_manage = access.may_manage_events(user)
    open_for_answers = status != Event.Status.CANCELLED and now < ends_at
    guests = [
        _invitation({**g, "event_id": pk}, choices, g["messages"] or []) for g in _json_rows(guests)
    ]
    waitlist = [_invitation({**w, "event_id": pk}, choices) for w in _json_rows(waitlist)]
    withdrawn = [_invitation({**x, "event_id": pk}, choices) for x in _json_rows(withdrawn)]
    counts = {value: 0 for value in Invitation.Status.values} | _json_rows(counts)
    total = sum(counts.values())
    with_links = can_manage and open_for_answers
    batches = []
    for batch in _json_rows(batch_rows):
        if batch["total"] or batch["created_by_id"] == user.pk or user.is_superuser:
            batches.append(
                SimpleNamespace(
                    pk=batch["id"],
                    shown=batch["criteria"],
                    total=batch["total"],
                    standing=batch["standing"],
                    created_at=_moment(batch["created_at"]),
                )
            )
    context = {
        "event": event,
        "planners": [
            _person(p["username"], p["first_name"], p["last_name"]) for p in _json_rows(planners)
        ],
        "attending_officers": [
            _person(p["username"], p["first_name"], p["last_name"]) for p in _json_rows(attending)
        ],
        "guests": [
            {
                "invitation": invitation,
                "rsvp_url": request.build_absolute_uri(
                    reverse("events:rsvp", args=[services.rsvp_token(invitation)])
                )
                if with_links
                else None,
            }
            for invitation in guests
        ],
        "guest_count": total,
        "withdrawn": withdrawn,
        "waitlist": waitlist,
        "counts": [(value, label, counts[value]) for value, label in Invitation.Status.choices],
        "more": {
            "guests": show_more(request, shown=len(guests), total=total, step=step),
            "waitlist": show_more(
                request, shown=len(waitlist), total=counts["waitlisted"], step=step
            ),
            "withdrawn": show_more(request, shown=len(withdrawn), total=withdrawn_count, step=step),
        },
        "can_manage": can_manage,
        "seats_left": (None if capacity is None else max(capacity - seated, 0))
        if can_manage
        else None,
        "open_for_answers": open_for_answers,
        "answers": ON_BEHALF_ANSWERS,
        "mail": mail.GuestListMail(unsent=unsent, to_chase=to_chase, by_hand=by_hand)
        if can_manage
        else None,
        "batches": batches if can_manage else [],
    }
    return render(request, "events/event_detail.html", context)


CHECKIN_PAGE = f"""
WITH {EVENT_GUESTS},
    expected AS (SELECT * FROM standing
                 WHERE status IN ('invited', 'accepted', 'tentative', 'attended'))
SELECT ev.title, ev.starts_at, ev.ends_at, ev.timezone,
       (SELECT json_agg(g ORDER BY g.full_name, g.id) FROM expected g),
       (SELECT count(*) FILTER (WHERE status = 'attended') FROM expected),
       (SELECT count(*) FROM expected)
FROM events_event ev WHERE ev.id = %(event)s"""


@login_required
def checkin_page(request, pk):
    """The check-in page of an event, every guest still expected or checked in (without
    a search: the benchmark's request has none)."""
    import zoneinfo

    from events.checkin_forms import GuestSearchForm, WalkInForm
    from events.models import Invitation

    with connection.cursor() as cursor:
        cursor.execute(CHECKIN_PAGE, {"user": request.user.pk, "event": pk})
        title, starts_at, ends_at, zone, guests, arrived, expected = cursor.fetchone()
    choices = {
        "status": dict(Invitation.Status.choices),
        "role": _choices_of(Invitation, "role"),
        "message": {},
    }
    search = GuestSearchForm(request.GET)
    search.is_valid()
    context = {
        "event": SimpleNamespace(
            pk=pk,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=zoneinfo.ZoneInfo(zone),
        ),
        "guests": [_invitation({**g, "event_id": pk}, choices) for g in _json_rows(guests)],
        "counts": {"arrived": arrived, "expected": expected},
        "search": search,
        "search_term": "",
        "walk_in": WalkInForm(user=request.user),
    }
    return render(request, "events/event_checkin.html", context)


def _health_statement() -> str:
    """Network health's figures in one statement: the visible channels grouped once
    (GROUPING SETS), the two lists cut to ``%(limit)s`` rows with their totals."""
    due = f"{COUNTED_FROM} + ch.cadence_days * interval '1 day'"
    return f"""
WITH grouped AS (
    SELECT GROUPING(c.layer, c.category, ch.officer_id, c.organization_id) AS grouping,
           ch.status, c.layer, c.category, ch.officer_id, c.organization_id,
           count(*) AS channels, count(*) FILTER (WHERE {due} > %(now)s) AS kept
    FROM contacts_channel ch JOIN contacts_contact c ON c.id = ch.contact_id
    WHERE {VISIBLE}
    GROUP BY GROUPING SETS ((ch.status), (ch.status, c.layer), (ch.status, c.category),
                            (ch.status, ch.officer_id), (ch.status, c.organization_id)))
SELECT grouping, status, coalesce(layer, category), NULL::bigint, channels, kept,
       NULL, NULL, NULL, NULL::bigint
FROM grouped WHERE grouping IN (15, 7, 11)
UNION ALL
SELECT * FROM (
    SELECT 13, NULL, u.username, officer_id, channels, kept, u.first_name, u.last_name,
           count(*) OVER (), row_number() OVER (ORDER BY channels - kept DESC, u.username, u.id)
    FROM grouped JOIN auth_user u ON u.id = officer_id
    WHERE grouping = 13 AND status = 'active') officers WHERE row_number <= %(limit)s
UNION ALL
SELECT * FROM (
    SELECT 14, NULL, o.name, organization_id, channels, kept, NULL, NULL, count(*) OVER (),
           row_number() OVER (ORDER BY o.name, o.id)
    FROM grouped JOIN contacts_organization o ON o.id = organization_id
    WHERE grouping = 14 AND status = 'active' AND channels = 1) organizations
WHERE row_number <= %(limit)s"""


@login_required
def health_page(request):
    """Network health (``?limit=``, ``?all=1`` as the page reads them), normal climate."""
    from django.utils import timezone

    from contacts.bounded import show_more, shown_limit
    from contacts.models import Channel, Layer
    from indicators.views import health

    limit = shown_limit(request, health.HEALTH_ROWS)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _health_statement(),
            {"user": request.user.pk, "now": now, "limit": limit or 2**31 - 1},
        )
        rows = cursor.fetchall()
    by_status = dict.fromkeys(Channel.Status.values, 0)
    layers, categories, officers, organizations = [], [], [], []
    totals = {13: 0, 14: 0}
    for grouping, status, key, pk, channels, kept, first, last, total, _ in rows:
        if grouping == 15:
            by_status[status] = channels
        elif grouping in (7, 11) and status == "active":
            (layers if grouping == 7 else categories).append(
                {"key": key, "channels": channels, "kept": kept}
            )
        elif grouping == 13:
            full = f"{first} {last}".strip()
            officers.append(
                {
                    "officer_id": pk,
                    "officer__username": key,
                    "channels": channels,
                    "overdue": channels - kept,
                    "officer_name": full or key,
                }
            )
            totals[13] = total
        elif grouping == 14:
            organizations.append(
                {
                    "contact__organization": pk,
                    "contact__organization__name": key,
                    "channels": channels,
                }
            )
            totals[14] = total
    for rows_of in (layers, categories):
        rows_of.sort(key=lambda row: (row["key"] is None, row["key"] or ""))
    context = {
        "now": now,
        "by_status": [
            {"key": value, "label": label, "channels": by_status[value]}
            for value, label in Channel.Status.choices
        ],
        "by_layer": health._labelled(layers, Layer),
        "by_category": health._labelled(categories, Contact.Category),
        "by_officer": officers,
        "by_officer_total": totals[13],
        "single_channel_organizations": organizations,
        "single_channel_organizations_total": totals[14],
    }
    context["charts"] = health._charts(context)
    for table in ("by_officer", "single_channel_organizations"):
        context[f"{table}_more"] = show_more(
            request,
            shown=len(context[table]),
            total=context[f"{table}_total"],
            step=health.HEALTH_ROWS,
        )
    return render(request, "indicators/network_health.html", context)


# Today (trackii/today.py): the agenda's two kinds of rows, overdue channels (with the
# pending reminder each carries) and pending reminders, merged by one UNION ALL in the
# agenda's order and bound (AGENDA_LIMIT), their count and the snoozed count, what each row
# names, and the upcoming events, as one statement. The cadence factor is the climate's in
# force, read in the statement. The access-log rows the page writes are not written here.
FACTOR_BY_LEVEL = " ".join(
    f"WHEN '{level}' THEN {float(factor)!r}" for level, factor in settings.CLIMATE_FACTORS.items()
)
HOURS = "ch.cadence_days * 24.0 * CASE WHEN ch.kind = 'informal' THEN f.informal ELSE 1.0 END"
HELD = """EXISTS (SELECT 1 FROM contacts_channel h
    WHERE h.officer_id = %(user)s AND h.contact_id = c.id)"""
TODAY = f"""
WITH factor AS (
    SELECT CASE coalesce((SELECT cl.level FROM contacts_climate cl
                          WHERE cl.started_at <= %(now)s
                          ORDER BY cl.started_at DESC, cl.id DESC LIMIT 1), 'normal')
           {FACTOR_BY_LEVEL} END AS informal
),
channels AS (
    SELECT ch.id, ch.contact_id, ch.kind, ch.priority, ch.cadence_days,
           {COUNTED_FROM} AS counted_from,
           {COUNTED_FROM} + ({HOURS}) * interval '1 hour' AS next_due
    FROM contacts_channel ch
    JOIN contacts_contact c ON c.id = ch.contact_id
    CROSS JOIN factor f
    WHERE ch.officer_id = %(user)s AND ch.status = 'active' AND ({VISIBLE})
),
overdue AS (SELECT * FROM channels WHERE next_due <= %(now)s),
pending AS (
    SELECT r.id, r.kind, r.status, r.due_at, r.snoozed_until, r.channel_id, r.exchange_id,
           (r.status = 'snoozed' AND r.snoozed_until > %(now)s) AS asleep
    FROM contacts_reminder r
    WHERE r.recipient_id = %(user)s AND r.status IN ('open', 'snoozed')
      AND (r.channel_id IS NULL OR EXISTS (
          SELECT 1 FROM contacts_channel ch JOIN contacts_contact c ON c.id = ch.contact_id
          WHERE ch.id = r.channel_id AND ({VISIBLE})))
      AND (r.exchange_id IS NULL OR (
          NOT EXISTS (
              SELECT 1 FROM contacts_exchange_contacts ec
              JOIN contacts_contact c ON c.id = ec.contact_id
              WHERE ec.exchange_id = r.exchange_id AND NOT ({VISIBLE}))
          AND EXISTS (
              SELECT 1 FROM contacts_exchange e WHERE e.id = r.exchange_id
              AND (NOT e.is_sealed OR EXISTS (
                  SELECT 1 FROM contacts_exchange_readers rd
                  WHERE rd.exchange_id = e.id AND rd.user_id = %(user)s)))))
),
items AS (
    SELECT o.next_due AS due_at, 0 AS rank, o.id AS pk, o.id AS channel_id, a.id AS reminder_id
    FROM overdue o
    LEFT JOIN pending a ON a.channel_id = o.id AND a.kind = 'channel_due' AND NOT a.asleep
    WHERE NOT EXISTS (SELECT 1 FROM pending s
                      WHERE s.channel_id = o.id AND s.kind = 'channel_due' AND s.asleep)
    UNION ALL
    SELECT r.due_at, 1, r.id, NULL, r.id
    FROM pending r
    WHERE NOT r.asleep
      AND NOT (r.kind = 'channel_due' AND r.channel_id IN (SELECT id FROM overdue))
),
page AS (SELECT * FROM items ORDER BY due_at, rank, pk LIMIT %(limit)s)
SELECT 'item', p.due_at, p.rank, p.pk,
       o.id, o.kind, o.priority, o.cadence_days, o.counted_from, o.next_due,
       r.id, r.kind, r.status, r.due_at, r.snoozed_until, r.channel_id,
       c.id, c.full_name, c.sensitivity, {HELD},
       e.id, e.summary,
       (SELECT json_agg(json_build_array(c.id, c.full_name, {HELD})
                        ORDER BY c.full_name, c.id)
        FROM contacts_exchange_contacts ec JOIN contacts_contact c ON c.id = ec.contact_id
        WHERE ec.exchange_id = e.id AND ({VISIBLE})),
       ev.id, ev.title, NULL::timestamptz, NULL, NULL, NULL, NULL::boolean
FROM page p
LEFT JOIN overdue o ON o.id = p.channel_id
LEFT JOIN pending r ON r.id = p.reminder_id
LEFT JOIN contacts_channel rc ON rc.id = coalesce(p.channel_id, r.channel_id)
LEFT JOIN contacts_contact c ON c.id = rc.contact_id
LEFT JOIN contacts_exchange e ON e.id = r.exchange_id
LEFT JOIN events_eventreminder er ON er.reminder_id = r.id
LEFT JOIN events_event ev ON ev.id = er.event_id
UNION ALL
(
    SELECT 'event', ev.starts_at, 2, ev.id,
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           ev.id, ev.title, ev.ends_at, ev.timezone, ev.venue, ev.status,
           EXISTS (SELECT 1 FROM events_event_planners pl
                   WHERE pl.event_id = ev.id AND pl.user_id = %(user)s)
    FROM events_event ev
    WHERE ev.ends_at > %(now)s AND ev.status <> 'cancelled'
      AND (EXISTS (SELECT 1 FROM events_event_planners pl
                   WHERE pl.event_id = ev.id AND pl.user_id = %(user)s)
           OR EXISTS (SELECT 1 FROM events_event_attending_officers ao
                      WHERE ao.event_id = ev.id AND ao.user_id = %(user)s))
    ORDER BY ev.starts_at, ev.id LIMIT %(events)s
)
UNION ALL
SELECT 'counts', NULL, 3, 0,
       (SELECT count(*) FROM items), (SELECT count(*) FROM pending WHERE asleep)::text,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       EXISTS (SELECT 1 FROM channels), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL"""


def _choices(model, field):
    return dict(model._meta.get_field(field).choices)


def _today_reminder(row, contact):
    from contacts.models import Reminder

    kinds, statuses = _choices(Reminder, "kind"), _choices(Reminder, "status")
    pk, kind, status, due_at, snoozed_until, channel_id = row[10:16]
    exchange = None
    if row[20] is not None:
        named = [SimpleNamespace(pk=pk_, full_name=name) for pk_, name, _ in row[22] or []]
        exchange = SimpleNamespace(
            pk=row[20], summary=row[21], contacts=SimpleNamespace(all=lambda: named)
        )
    event = None
    if row[23] is not None:
        event = SimpleNamespace(event_id=row[23], event=SimpleNamespace(title=row[24]))
    return SimpleNamespace(
        pk=pk,
        kind=kind,
        status=status,
        due_at=due_at,
        snoozed_until=snoozed_until,
        channel_id=channel_id,
        channel=SimpleNamespace(contact_id=contact.pk, contact=contact) if channel_id else None,
        exchange=exchange,
        event_link=event,
        get_kind_display=lambda: kinds[kind],
        get_status_display=lambda: statuses[status],
    )


def _today_item(row, editor):
    from contacts.models import Channel

    contact = SimpleNamespace(pk=row[16], full_name=row[17], sensitivity=row[18])
    reminder = _today_reminder(row, contact) if row[10] is not None else None
    channel = None
    if row[4] is not None:
        kinds, priorities = _choices(Channel, "kind"), _choices(Channel, "priority")
        kind, priority, cadence, counted_from, next_due = row[5:10]
        channel = SimpleNamespace(
            pk=row[4],
            contact_id=contact.pk,
            contact=contact,
            cadence_days=cadence,
            next_due_at=next_due,
            effective_cadence_days=round((next_due - counted_from).total_seconds() / 86400, 2),
            get_kind_display=lambda: kinds[kind],
            get_priority_display=lambda: priorities[priority],
        )
    if channel is not None or (reminder and reminder.channel_id):
        named, held = [contact], [row[19]]
    elif reminder and reminder.exchange is not None:
        named, held = row[22] or [], [each[2] for each in row[22] or []]
    else:
        named, held = [], []
    may_log = bool(named) and (editor or all(held))
    return SimpleNamespace(channel=channel, reminder=reminder, may_log=may_log)


def _today_event(row):
    pk, title, ends_at, zone, venue, status, is_planner = row[23:30]
    return SimpleNamespace(
        pk=pk,
        title=title,
        starts_at=row[1],
        ends_at=ends_at,
        timezone=zone,
        venue=venue,
        status=status,
        is_planner=is_planner,
    )


@login_required
def today(request):
    """Today (``/``), ``?limit=`` and ``?all=1`` as the page reads them."""
    from django.utils import timezone

    from contacts.access import EDITORS, has_any_role
    from contacts.bounded import show_more, shown_limit
    from trackii import today as today_list
    from trackii.views.pages import UPCOMING_EVENTS

    now = timezone.now()
    limit = shown_limit(request, today_list.AGENDA_LIMIT)
    params = {"user": request.user.pk, "now": now, "limit": limit, "events": UPCOMING_EVENTS}
    with connection.cursor() as cursor:
        cursor.execute(TODAY, params)
        rows = cursor.fetchall()
    editor = has_any_role(request.user, EDITORS)
    rows.sort(key=lambda row: (row[2] if row[0] != "item" else 0, row[1] or now, row[2], row[3]))
    items = [_today_item(row, editor) for row in rows if row[0] == "item"]
    events = [_today_event(row) for row in rows if row[0] == "event"]
    (counts,) = [row for row in rows if row[0] == "counts"]
    total, snoozed, holds = counts[4], int(counts[5]), counts[19]
    busy = items or snoozed or holds
    context = {
        "now": now,
        "items": items,
        "more": show_more(request, shown=len(items), total=total, step=today_list.AGENDA_LIMIT),
        "snoozed": snoozed,
        "orientation": None if busy else today_list.orientation_for(request.user),
        "events": events,
    }
    return render(request, "trackii/today.html", context)


# Snooze and dismiss (contacts/views.py reminder_snooze, reminder_dismiss): the same writes
# by hand, on a reminder of the user's that names nothing hidden from them; the snooze
# answers with the reminder's row (contacts/_reminder_row.html), the dismissal with nothing.
REMINDER_SEEN = f"""
    r.id = %(pk)s AND r.recipient_id = %(user)s
    AND (r.channel_id IS NULL OR EXISTS (
        SELECT 1 FROM contacts_channel ch JOIN contacts_contact c ON c.id = ch.contact_id
        WHERE ch.id = r.channel_id AND ({VISIBLE})))
    AND (r.exchange_id IS NULL OR (
        NOT EXISTS (
            SELECT 1 FROM contacts_exchange_contacts ec
            JOIN contacts_contact c ON c.id = ec.contact_id
            WHERE ec.exchange_id = r.exchange_id AND NOT ({VISIBLE}))
        AND EXISTS (
            SELECT 1 FROM contacts_exchange e WHERE e.id = r.exchange_id
            AND (NOT e.is_sealed OR EXISTS (
                SELECT 1 FROM contacts_exchange_readers rd
                WHERE rd.exchange_id = e.id AND rd.user_id = %(user)s)))))"""
SNOOZE = f"""
WITH snoozed AS (
    UPDATE contacts_reminder r SET status = 'snoozed', snoozed_until = %(until)s
    WHERE {REMINDER_SEEN} AND r.status IN ('open', 'snoozed')
    RETURNING r.id, r.kind, r.status, r.due_at, r.snoozed_until, r.channel_id, r.exchange_id
)
SELECT s.id, s.kind, s.status, s.due_at, s.snoozed_until, s.channel_id,
       c.id, c.full_name, c.sensitivity, {HELD},
       e.id, e.summary,
       (SELECT json_agg(json_build_array(c.id, c.full_name, {HELD})
                        ORDER BY c.full_name, c.id)
        FROM contacts_exchange_contacts ec JOIN contacts_contact c ON c.id = ec.contact_id
        WHERE ec.exchange_id = e.id AND ({VISIBLE})),
       ev.id, ev.title
FROM snoozed s
LEFT JOIN contacts_channel ch ON ch.id = s.channel_id
LEFT JOIN contacts_contact c ON c.id = ch.contact_id
LEFT JOIN contacts_exchange e ON e.id = s.exchange_id
LEFT JOIN events_eventreminder er ON er.reminder_id = s.id
LEFT JOIN events_event ev ON ev.id = er.event_id"""
DISMISS = f"""
WITH dismissed AS (
    UPDATE contacts_reminder r SET status = 'dismissed', snoozed_until = NULL,
           closed_at = %(now)s
    WHERE {REMINDER_SEEN} AND r.status IN ('open', 'snoozed')
    RETURNING r.channel_id
),
restarted AS (
    UPDATE contacts_channel ch SET count_restarted_at = %(now)s
    FROM dismissed d WHERE ch.id = d.channel_id
    RETURNING ch.contact_id
)
SELECT (SELECT count(*) FROM dismissed), (SELECT contact_id FROM restarted)"""
# The contact's stored channel dates (contacts migration 0013), under each climate level.
DUE_UNDER = (
    "(SELECT min(greatest(coalesce(ch.last_touch_at, ch.created_at), coalesce("
    "ch.count_restarted_at, ch.last_touch_at, ch.created_at)) + ch.cadence_days * 24.0 * "
    "CASE WHEN ch.kind = 'informal' THEN {factor!r} ELSE 1.0 END * interval '1 hour') "
    "FROM contacts_channel ch WHERE ch.contact_id = c.id AND ch.status = 'active')"
)
CONTACT_DATES = f"""
UPDATE contacts_contact c SET
    channels_last_touch_at = (SELECT max(ch.last_touch_at) FROM contacts_channel ch
                              WHERE ch.contact_id = c.id),
    {
    ", ".join(
        f"channels_due_{level}_at = {DUE_UNDER.format(factor=float(factor))}"
        for level, factor in settings.CLIMATE_FACTORS.items()
    )
},
    channels_dates_factors = %(factors)s
WHERE c.id = %(contact)s"""


def _row_reminder(row):
    """The reminder of a snooze's answer, from the columns of SNOOZE."""
    from contacts.models import Reminder

    kinds, statuses = _choices(Reminder, "kind"), _choices(Reminder, "status")
    pk, kind, status, due_at, snoozed_until, channel_id = row[:6]
    contact = SimpleNamespace(pk=row[6], full_name=row[7], sensitivity=row[8])
    named = [SimpleNamespace(pk=pk_, full_name=name) for pk_, name, _ in row[12] or []]
    exchange = None
    if row[10] is not None:
        exchange = SimpleNamespace(summary=row[11], contacts=SimpleNamespace(all=lambda: named))
    event = None
    if row[13] is not None:
        event = SimpleNamespace(event_id=row[13], event=SimpleNamespace(title=row[14]))
    reminder = SimpleNamespace(
        pk=pk,
        kind=kind,
        status=status,
        due_at=due_at,
        snoozed_until=snoozed_until,
        channel_id=channel_id,
        channel=SimpleNamespace(contact_id=contact.pk, contact=contact) if channel_id else None,
        exchange=exchange,
        event_link=event,
        get_kind_display=lambda: kinds[kind],
        get_status_display=lambda: statuses[status],
    )
    # Whether the user holds a channel with each contact the row names.
    held = [each[2] for each in row[12] or []] if exchange else []
    return reminder, [row[9]] if channel_id else held


@login_required
def snooze(request, pk):
    """POST: snooze the user's reminder ``pk`` (``days``), answering with its row."""
    from django.http import Http404
    from django.utils import timezone

    from contacts.access import EDITORS, has_any_role
    from contacts.forms import SnoozeForm

    form = SnoozeForm(request.POST)
    form.is_valid()
    params = {"pk": pk, "user": request.user.pk, "until": form.until_from(timezone.now())}
    with connection.cursor() as cursor:
        cursor.execute(SNOOZE, params)
        row = cursor.fetchone()
    if row is None:
        raise Http404
    reminder, held = _row_reminder(row)
    may_log = bool(held) and (has_any_role(request.user, EDITORS) or all(held))
    context = {"reminder": reminder, "reminder_error": None, "next": "/", "may_log": may_log}
    return render(request, "contacts/_reminder_row.html", context)


@login_required
def dismiss(request, pk):
    """POST: dismiss the user's reminder ``pk``; a channel's count restarts, and its
    contact's stored dates with it. Answers nothing (htmx removes the row)."""
    from django.http import Http404, HttpResponse
    from django.utils import timezone

    from contacts.querysets import climate_factors_key

    with connection.cursor() as cursor:
        cursor.execute(DISMISS, {"pk": pk, "user": request.user.pk, "now": timezone.now()})
        dismissed, contact = cursor.fetchone()
        if not dismissed:
            raise Http404
        if contact is not None:
            cursor.execute(CONTACT_DATES, {"contact": contact, "factors": climate_factors_key()})
    return HttpResponse("")


# The escalation run (contacts/notifications.py send_escalations), by hand: one statement
# finds every (lead, reminder) pair still to tell with what the e-mails show, one claims the
# leads' e-mails of the window, the e-mails are sent through the same templates, and one
# records them sent and each reminder told. Batched delivery, as the data set's settings.
ESCALATED = """
    ch.status = 'active' AND ch.priority = 'key'
    AND {due} <= %(now)s
    AND {due} + %(days)s * {hours_per_day} * interval '1 hour' < %(now)s"""
UNTOLD = f"""
WITH factor AS (
    SELECT CASE coalesce((SELECT cl.level FROM contacts_climate cl
                          WHERE cl.started_at <= %(now)s
                          ORDER BY cl.started_at DESC, cl.id DESC LIMIT 1), 'normal')
           {FACTOR_BY_LEVEL} END AS informal
)
SELECT lead.id, lead.username, lead.first_name, lead.last_name, lead.email,
       coalesce(p.timezone, %(zone)s),
       r.id, r.due_at, o.username, o.first_name, o.last_name, c.id, c.full_name
FROM contacts_reminder r
JOIN contacts_channel ch ON ch.id = r.channel_id
JOIN contacts_contact c ON c.id = ch.contact_id
JOIN auth_user o ON o.id = r.recipient_id
JOIN contacts_team_members mine ON mine.user_id = r.recipient_id
JOIN contacts_team_members theirs ON theirs.team_id = mine.team_id
JOIN auth_user lead ON lead.id = theirs.user_id
LEFT JOIN contacts_officerprofile p ON p.user_id = lead.id
CROSS JOIN factor f
WHERE r.kind = 'channel_due' AND r.status = 'open'
  AND {
    ESCALATED.format(
        due=COUNTED_FROM + " + (" + HOURS + ") * interval '1 hour'",
        hours_per_day="24.0 * CASE WHEN ch.kind = 'informal' THEN f.informal ELSE 1.0 END",
    )
}
  AND lead.is_active AND lead.email > '' AND lead.id <> r.recipient_id
  AND EXISTS (SELECT 1 FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id
              WHERE ug.user_id = lead.id AND g.name = 'lead')
  AND (lead.is_superuser OR {VISIBLE.replace("%(user)s", "lead.id")})
  AND NOT EXISTS (SELECT 1 FROM contacts_notification n
                  WHERE n.kind = 'escalation' AND n.recipient_id = lead.id
                  AND n.key = 'reminder:' || r.id)
GROUP BY lead.id, p.timezone, r.id, o.id, c.id
ORDER BY lead.id, r.due_at, r.id"""
CLAIM = """
INSERT INTO contacts_notification (kind, recipient_id, key, subject, reminder_count, created_at)
SELECT 'escalation', recipient, %(key)s, subject, count, %(now)s
FROM unnest(%(leads)s::int[], %(subjects)s::text[], %(counts)s::int[])
     AS claims (recipient, subject, count)
ON CONFLICT DO NOTHING RETURNING recipient_id"""
SENT = """
WITH sent AS (
    UPDATE contacts_notification SET sent_at = %(now)s
    WHERE kind = 'escalation' AND key = %(key)s AND recipient_id = ANY(%(leads)s)
)
INSERT INTO contacts_notification
    (kind, recipient_id, key, subject, reminder_count, created_at, sent_at)
SELECT 'escalation', lead, 'reminder:' || reminder, '(told in a batch)', 1, %(now)s, %(now)s
FROM unnest(%(told_leads)s::int[], %(told_reminders)s::bigint[]) AS told (lead, reminder)
ON CONFLICT DO NOTHING"""


def escalations(*, now) -> int:
    """The escalation run at ``now`` by hand; returns how many e-mails were sent."""
    import zoneinfo

    from contacts.notifications import _escalation_subject, _send_message, _window_key, one_line

    params = {
        "now": now,
        "days": float(settings.ESCALATION_DAYS),
        "zone": settings.TIME_ZONE,
        "user": None,
    }
    with connection.cursor() as cursor:
        cursor.execute(UNTOLD, params)
        rows = cursor.fetchall()
    leads, untold = {}, {}
    for row in rows:
        lead_id = row[0]
        if lead_id not in leads:
            leads[lead_id] = (_person(*row[1:4]), row[4], zoneinfo.ZoneInfo(row[5]))
        untold.setdefault(lead_id, []).append(
            SimpleNamespace(
                pk=row[6],
                due_at=row[7],
                recipient=_person(*row[8:11]),
                channel=SimpleNamespace(
                    contact_id=row[11], contact=SimpleNamespace(full_name=row[12])
                ),
            )
        )
    if not untold:
        return 0
    key = _window_key(now)
    subjects = {lead_id: _escalation_subject(reminders) for lead_id, reminders in untold.items()}
    with connection.cursor() as cursor:
        cursor.execute(
            CLAIM,
            {
                "key": key,
                "now": now,
                "leads": list(untold),
                "subjects": [one_line(subjects[lead_id]) for lead_id in untold],
                "counts": [len(untold[lead_id]) for lead_id in untold],
            },
        )
        claimed = {row[0] for row in cursor.fetchall()}
    sent = []
    for lead_id in sorted(claimed):
        person, email, zone = leads[lead_id]
        recipient = SimpleNamespace(
            email=email, get_full_name=person.get_full_name, get_username=person.get_username
        )
        context = {"lead": recipient, "reminders": untold[lead_id], "zone": zone}
        _send_message(recipient, subjects[lead_id], "contacts/email/escalation", context)
        sent.append(lead_id)
    told = [(lead_id, reminder.pk) for lead_id in sent for reminder in untold[lead_id]]
    with connection.cursor() as cursor:
        cursor.execute(
            SENT,
            {
                "now": now,
                "key": key,
                "leads": sent,
                "told_leads": [lead for lead, _ in told],
                "told_reminders": [reminder for _, reminder in told],
            },
        )
    return len(sent)
