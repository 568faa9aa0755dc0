"""The floors of the page benchmark (benchmarks/pages.py): the same rows as a page, read by
one hand-written SQL statement, rendered with the page's own template. Served through the
same middleware as the pages (benchmarks/pages_urls.py). Not for anything else.

Valid for the data set's climate at its ``NOW`` (normal: a cadence day lasts 24 hours)."""

# The statement is composed from this file's constants, never from input.
# ruff: noqa: S608

from __future__ import annotations

from types import SimpleNamespace

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
MATCHING = """
    AND c.id IN (
        SELECT id FROM contacts_contact WHERE upper(full_name::text) LIKE upper(%(like)s)
        UNION ALL
        SELECT id FROM contacts_contact WHERE upper(native_name::text) LIKE upper(%(like)s)
        UNION ALL
        SELECT id FROM contacts_contact WHERE organization_id IN (
            SELECT id FROM contacts_organization WHERE upper(name::text) LIKE upper(%(like)s)
            UNION ALL
            SELECT id FROM contacts_organization
            WHERE upper(native_name::text) LIKE upper(%(like)s)))"""
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
        "like": f"%{term}%",
        "limit": PAGE_SIZE,
        "offset": (number - 1) * PAGE_SIZE,
    }
    with connection.cursor() as cursor:
        cursor.execute(CONTACTS.format(matching=MATCHING if term else ""), params)
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
