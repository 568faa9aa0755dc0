"""The differential leak test: what a persona who may not see a contact receives must not
change when that contact, and everything that names it, is added or deleted.

Every pattern of the URL map (web pages, htmx partials, exports, calendar files, the API's
lists and details, the admin's changelists, forms, delete confirmations and histories) is
filled with ids of a visible world and requested by each persona three times: before the
hidden world exists, with it, and after its owner deleted it. The answers (status,
Content-Type, Content-Disposition, Location, ETag, the flash messages and the body) must
be the same, once CSRF tokens and CSP nonces are blanked. Time is frozen, so no other
timestamp has to be normalised.

A pattern that cannot be filled fails the test unless it is in ``NOT_REQUESTED`` with the
reason; so a new page is covered by the next run without anyone adding it here.

Choices a reader should know:
- The users ``hider`` and ``grantee2`` and their team ``vault`` belong to the visible world:
  users and teams are not what is hidden, contacts and what names them are.
- Seats are a fact about the room (DESIGN.md): an accepted hidden guest takes a seat, so it
  sits only on ``open_evening``, an event without a capacity, where no seats-left figure
  exists. Elsewhere hidden guests are invited, declined or attended, which take no seat
  now and must change no figure.
- The hidden contacts are deleted as their owner deletes them (the web's delete page), so
  whatever the product leaves behind (an exchange naming no contact, a tag carried by no
  contact, reminders already sent) is part of what the last pass compares.
- The hidden restricted contact has a channel held by ``outsider`` (it was restricted after
  the channel was opened): the channel, its reminders and its attendance follow-up must not
  reach ``outsider``, who may not see the contact.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import logging
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field

import openpyxl
import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Template
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from rest_framework.throttling import SimpleRateThrottle

from contacts import imports
from contacts import services as contact_services
from contacts.models import (
    AccessLog,
    Contact,
    ContactMerge,
    DuplicatePair,
    ErasureRecord,
    OfficerProfile,
    RecordedMonth,
    Reminder,
    Sensitivity,
)
from events import services as event_services
from events.models import CalendarFeed, EventReminder
from indicators import measures
from tests import factories
from tests.security import urlmap
from trackii.security_events import record
from trackii.tokens import create_token

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)

# Patterns not requested, each with its reason. Everything else must be filled.
NOT_REQUESTED = {
    # Signing out ends the persona's session for every later request of the pass.
    "logout/": "ends the session",
    "admin/logout/": "ends the session",
    # Shadowed by redirects to the account page and the password page (both requested).
    "accounts/email/": "shadowed by the redirect to account/",
    "accounts/password/change/": "shadowed by the redirect to password/",
    # The operator's readiness check reads no contact (its tests assert its whole body); its
    # answer depends on the worker and the periodic tasks' heartbeats, not on the worlds.
    "health/ready": "operator endpoint, no contact data",
    # allauth's list of sessions, shadowed by a redirect to the Security page (requested).
    "accounts/sessions/": "shadowed by the redirect to account/security/",
}
# DRF's format-suffix twins (``contacts.json``) answer what their plain pattern answers
# with the only renderer (JSON); the plain pattern is requested.
FORMAT_SUFFIX = re.compile(r"\\\.\(\?P<format>")

# POST-only endpoints: a GET is refused whatever the object, so one id is requested.
ONE_OBJECT = {
    "contacts:grant_add",
    "contacts:grant_revoke",
    "contacts:reminder_snooze",
    "contacts:reminder_dismiss",
    "contacts:channel_pause",
    "contacts:channel_resume",
    "events:invitation_checkin",
    "events:invitation_respond",
    "events:invitation_withdraw",
    "api:reminder-dismiss",
    "api:reminder-snooze",
    "api:invitation-check-in",
    "api:invitation-rsvp",
}

# Views that answer an htmx request with a partial: requested again with HX-Request.
HTMX_PARTIALS = {"contacts:list", "contacts:organization_list"}

# Only what must differ between two renderings of the same page.
NORMALISERS = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*'), r"\1<csrf>"),
    (re.compile(r'("X-CSRFToken": ")[^"]*'), r"\1<csrf>"),
    (re.compile(r'(nonce=")[^"]*'), r"\1<nonce>"),
]
COMPARED_HEADERS = ("Content-Type", "Content-Disposition", "Location", "ETag")
MAX_DIFF_LINES = 24


# The worlds


@dataclass
class World:
    """The visible fixtures, by role, and the objects of each admin-registered model."""

    users: dict = field(default_factory=dict)
    contacts: list = field(default_factory=list)
    organizations: list = field(default_factory=list)
    events: list = field(default_factory=list)
    exchanges: list = field(default_factory=list)
    channels: list = field(default_factory=list)
    invitations: list = field(default_factory=list)
    programmes: list = field(default_factory=list)
    reminders: list = field(default_factory=list)
    imports: list = field(default_factory=list)
    admin_objects: dict = field(default_factory=dict)
    tag_shared: object = None
    climate: object = None
    signal: object = None


PERSONAS = ["outsider", "planner", "lead", "analyst", "staff_viewer", "staff_admin", "anonymous"]
# The control: a superuser sees the hidden world, so these answers of theirs must change;
# if they do not, the hidden world reaches no page and the comparison proves nothing.
CONTROL = "root"
CONTROL_URLS = [
    "/contacts/?q=common",
    "/pick/contacts/?q=common",
    "/admin/contacts/contact/",
    "/admin/events/programme/{programme}/change/",
    "/events/{forum}/",
    "/api/v1/contacts/",
    "/contacts/export.csv?q=common",
    "/api/v1/contacts/export/?format=vcf",
    "/api/v1/exchanges/",
    "/api/v1/invitations/?event={forum}",
]


def build_visible_world() -> World:
    world = World()
    culture = factories.TeamFactory(name="culture")
    press = factories.TeamFactory(name="press")
    vault = factories.TeamFactory(name="vault")
    users = world.users
    users["outsider"] = factories.UserFactory(
        username="outsider", roles=["officer"], teams=[culture]
    )
    users["planner"] = factories.UserFactory(username="planner", roles=["planner"], teams=[culture])
    users["lead"] = factories.UserFactory(username="lead", roles=["lead"], teams=[culture])
    users["analyst"] = factories.UserFactory(username="analyst", roles=["analyst"])
    users["staff_viewer"] = factories.UserFactory(
        username="staff_viewer", roles=["officer"], teams=[culture], is_staff=True
    )
    users["staff_admin"] = factories.UserFactory(
        username="staff_admin", roles=["admin"], teams=[culture], is_staff=True
    )
    _grant_model_permissions(users["staff_viewer"], users["staff_admin"])
    users[CONTROL] = factories.UserFactory(username=CONTROL, is_staff=True, is_superuser=True)
    users["colleague"] = factories.UserFactory(
        username="colleague", roles=["officer"], teams=[press]
    )
    users["hider"] = factories.UserFactory(username="hider", roles=["officer"], teams=[vault])
    users["grantee2"] = factories.UserFactory(username="grantee2", roles=["officer"], teams=[vault])

    uni = factories.OrganizationFactory(name="Common University", country="IL")
    media = factories.OrganizationFactory(name="Common Gazette", kind="media_outlet", country="IL")
    host = factories.OrganizationFactory(name="Common Hall", kind="cultural_institution")
    world.organizations = [uni, media, host]
    world.tag_shared = factories.TagFactory(name="common-shared")
    visible_only_tag = factories.TagFactory(name="common-visible")

    ana = factories.ContactFactory(
        full_name="Ana Common",
        owner=users["colleague"],
        organization=uni,
        tags=[world.tag_shared, visible_only_tag],
        notes="Ana's private notes.",
    )
    boris = factories.ContactFactory(
        full_name="Boris Common",
        category="journalist",
        layer="narrative",
        owner=users["outsider"],
        organization=media,
        tags=[world.tag_shared],
    )
    # Restricted to the culture team: visible to most personas, not to the analyst.
    vera = factories.ContactFactory(
        full_name="Vera Common",
        sensitivity=Sensitivity.RESTRICTED,
        owner=users["outsider"],
        organization=uni,
    )
    world.contacts = [ana, boris, vera]
    affiliation = factories.AffiliationFactory(contact=ana, organization=uni)
    grant = factories.GrantFactory(contact=vera, user=users["colleague"])

    long_ago = NOW - dt.timedelta(days=60)
    world.channels = [
        factories.ChannelFactory(contact=ana, officer=users["outsider"], created_at=long_ago),
        factories.ChannelFactory(contact=boris, officer=users["outsider"], created_at=long_ago),
        factories.ChannelFactory(contact=ana, officer=users["colleague"]),
        factories.ChannelFactory(contact=vera, officer=users["lead"], created_at=long_ago),
    ]
    world.exchanges = [
        factories.ExchangeFactory(
            contacts=[ana],
            officers=[users["outsider"]],
            occurred_at=NOW - dt.timedelta(days=40),
            notes="Visible notes.",
            follow_up_on=(NOW - dt.timedelta(days=1)).date(),
        ),
        factories.ExchangeFactory(
            contacts=[boris, ana], officers=[users["colleague"]], kind="call"
        ),
    ]

    events = {
        "forum": factories.EventFactory(
            title="Common forum",
            capacity=40,
            host_organization=host,
            planners=[users["planner"]],
        ),
        # Tomorrow: the RSVP chase and the preparation reminders are due.
        "round_table": factories.EventFactory(
            title="Common round-table",
            capacity=20,
            starts_at=NOW + dt.timedelta(hours=20),
            ends_at=NOW + dt.timedelta(hours=22),
            planners=[users["planner"]],
        ),
        "open_evening": factories.EventFactory(
            title="Common open evening",
            capacity=None,
            kind="cultural",
            planners=[users["planner"]],
        ),
        "briefing": factories.EventFactory(
            title="Common briefing",
            kind="media",
            status="held",
            starts_at=NOW - dt.timedelta(days=1, hours=2),
            ends_at=NOW - dt.timedelta(days=1),
            planners=[users["planner"]],
        ),
        "quiet_dinner": factories.EventFactory(
            title="Common quiet dinner",
            status="held",
            starts_at=NOW - dt.timedelta(days=2, hours=2),
            ends_at=NOW - dt.timedelta(days=2),
            planners=[users["planner"]],
        ),
    }
    world.events = list(events.values())
    world.invitations = [
        factories.InvitationFactory(event=events["forum"], contact=ana, status="accepted"),
        factories.InvitationFactory(event=events["forum"], contact=boris),
        factories.InvitationFactory(event=events["round_table"], contact=ana, status="accepted"),
        factories.InvitationFactory(event=events["round_table"], contact=boris, status="declined"),
        factories.InvitationFactory(event=events["open_evening"], contact=ana, status="accepted"),
        factories.InvitationFactory(event=events["briefing"], contact=boris, status="attended"),
        factories.InvitationFactory(event=events["quiet_dinner"], contact=ana, status="no_show"),
    ]
    programme = factories.ProgrammeFactory(title="Common programme", status="active")
    programme.partners.add(uni, media)
    programme.participants.add(ana, boris)
    programme.officers.add(users["outsider"])
    world.programmes = [programme]

    world.climate = factories.ClimateFactory(started_at=NOW - dt.timedelta(days=90))
    world.signal = factories.SignalFactory(organization=host)
    for persona in ("outsider", "planner", "lead", "analyst", "staff_viewer", "staff_admin"):
        factories.CalendarFeedFactory(user=users[persona])
    token = create_token(users["colleague"], name="Colleague's sync").token
    sso_identity = SocialAccount.objects.create(
        user=users["colleague"], provider="sso", uid="colleague-at-the-provider"
    )
    profile, _ = OfficerProfile.objects.get_or_create(user=users["outsider"])
    access = AccessLog.objects.create(
        user=users["outsider"], contact=ana, surface=AccessLog.Surface.WEB, viewed_at=NOW
    )
    erasure = ErasureRecord.objects.create(
        erased_contact_id=999_999, erased_by=users["colleague"], erased_at=NOW
    )
    month = RecordedMonth.objects.create(
        starts_on=dt.date(2026, 3, 1),
        starts_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        recorded_at=NOW,
    )
    run_sweeps()
    world.reminders = list(Reminder.objects.order_by("pk"))
    # The duplicates' queue and a merge (issue 17), between visible contacts.
    pair = DuplicatePair.objects.create(
        contact_a=ana, contact_b=boris, score=70, reasons=["name"], found_at=NOW
    )
    merge = ContactMerge.objects.create(
        kept=ana, merged_contact_id=999_998, merged_by=users["colleague"], merged_at=NOW
    )

    # An import of the outsider's (issue 17): a row updating Ana, one new.
    world.imports = [_import_batch(users["outsider"], ana)]

    world.admin_objects = {
        "auth.group": [Group.objects.get(name="officer")],
        "auth.user": [users["colleague"]],
        "trackii.apitoken": [token],
        "socialaccount.socialaccount": [sso_identity],
        "django_celery_beat.periodictask": [_periodic_task()],
        "django_celery_beat.clockedschedule": [ClockedSchedule.objects.create(clocked_time=NOW)],
        "django_celery_beat.crontabschedule": [CrontabSchedule.objects.order_by("pk").first()],
        "django_celery_beat.solarschedule": [
            SolarSchedule.objects.create(event="sunrise", latitude=31.77, longitude=35.21)
        ],
        "django_celery_beat.intervalschedule": [IntervalSchedule.objects.order_by("pk").first()],
        "contacts.team": [culture],
        "contacts.officerprofile": [profile],
        "contacts.organization": [uni, media],
        "contacts.tag": [world.tag_shared],
        "contacts.accesslog": [access],
        "contacts.erasurerecord": [erasure],
        "contacts.grant": [grant],
        "contacts.affiliation": [affiliation],
        "contacts.channel": world.channels[:2],
        "contacts.exchange": world.exchanges,
        "contacts.recordedmonth": [month],
        "contacts.climate": [world.climate],
        "contacts.reminder": world.reminders[:1],
        "indicators.signal": [world.signal],
        "contacts.contact": [ana, vera],
        "events.event": [events["forum"], events["round_table"], events["open_evening"]],
        "events.invitation": world.invitations[:1],
        "events.programme": [programme],
        "events.eventreminder": list(EventReminder.objects.order_by("pk")[:1]),
        "events.calendarfeed": [CalendarFeed.objects.get(user=users["planner"])],
        "contacts.duplicatepair": [pair],
        "contacts.contactmerge": [merge],
        "contacts.importbatch": world.imports,
        "contacts.importrow": list(world.imports[0].rows.order_by("pk")[:1]),
        # The security trail, and the e-mail addresses allauth keeps (issue 18).
        "trackii.securityevent": [record("sign_in", user=users["colleague"])],
        "account.emailaddress": [
            EmailAddress.objects.create(user=users["colleague"], email="colleague@mission.example")
        ],
    }
    return world


def _import_batch(importer, contact):
    """A previewed import whose rows name ``contact`` (by its id) and a new person."""
    content = f"ID,Full name,Category\n{contact.pk},,\n,Dora Common,academic\n".encode()
    batch = imports.start_import(
        user=importer, file=SimpleUploadedFile("common.csv", content), now=NOW
    )
    imports.preview_batch(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def _grant_model_permissions(viewer, editor) -> None:
    """Staff users hold the admin's model permissions through a group of their own: view
    on every model, or view, add, change and delete on every model."""
    viewers, _ = Group.objects.get_or_create(name="staff-viewers")
    editors, _ = Group.objects.get_or_create(name="staff-editors")
    viewers.permissions.set(Permission.objects.filter(codename__startswith="view_"))
    editors.permissions.set(Permission.objects.all())
    viewer.groups.add(viewers)
    editor.groups.add(editors)


def _periodic_task():
    task = PeriodicTask.objects.order_by("pk").first()
    if task is None:
        interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
        task = PeriodicTask.objects.create(name="test", task="test", interval=interval)
    if not CrontabSchedule.objects.exists():
        CrontabSchedule.objects.create(minute="0", hour="6")
    if not IntervalSchedule.objects.exists():
        IntervalSchedule.objects.create(every=1, period="hours")
    return task


@dataclass
class Hidden:
    protected: Contact
    restricted: Contact


def add_hidden_world(world: World) -> Hidden:
    """A protected and a restricted contact of ``hider`` (team vault, which no persona is
    in), and every kind of row that names them."""
    users = world.users
    uni, media, _host = world.organizations
    ana = world.contacts[0]
    forum, round_table, open_evening, briefing, quiet_dinner = world.events
    hidden_tag = factories.TagFactory(name="common-hidden")
    protected = factories.ContactFactory(
        full_name="Zed Common",
        native_name="Зед Коммон",
        category="journalist",
        layer="narrative",
        sensitivity=Sensitivity.PROTECTED,
        owner=users["hider"],
        organization=uni,
        country="GE",
        email="zed@example.org",
        tags=[hidden_tag, world.tag_shared],
        notes="Protected notes.",
    )
    restricted = factories.ContactFactory(
        full_name="Yara Common",
        sensitivity=Sensitivity.RESTRICTED,
        owner=users["hider"],
        organization=media,
        country="AM",
        tags=[hidden_tag, world.tag_shared],
        notes="Restricted notes.",
    )
    for contact in (protected, restricted):
        factories.GrantFactory(contact=contact, user=users["grantee2"])
        factories.AffiliationFactory(contact=contact, organization=uni, role="Hidden fellow")
        factories.ChannelFactory(
            contact=contact, officer=users["hider"], created_at=NOW - dt.timedelta(days=90)
        )
        factories.ExchangeFactory(
            contacts=[contact],
            officers=[users["hider"]],
            summary="Hidden summary.",
            notes="Hidden exchange notes.",
            follow_up_on=(NOW - dt.timedelta(days=1)).date(),
        )
        AccessLog.objects.create(
            user=users["hider"], contact=contact, surface=AccessLog.Surface.WEB, viewed_at=NOW
        )
        world.programmes[0].participants.add(contact)
    factories.AffiliationFactory(contact=restricted, organization=media, role="Hidden editor")
    factories.ChannelFactory(
        contact=restricted, officer=users["outsider"], created_at=NOW - dt.timedelta(days=90)
    )
    factories.ExchangeFactory(
        contacts=[protected, ana],
        officers=[users["hider"]],
        summary="Shared hidden summary.",
        notes="Shared hidden notes.",
    )
    factories.InvitationFactory(event=forum, contact=protected, status="declined")
    factories.InvitationFactory(event=forum, contact=restricted, status="invited")
    # The round-table's only unanswered guest is hidden: no RSVP chase for its planner.
    factories.InvitationFactory(event=round_table, contact=restricted, status="invited")
    # A seat taken by a hidden guest only where there is no capacity (see the docstring).
    factories.InvitationFactory(event=open_evening, contact=protected, status="accepted")
    factories.InvitationFactory(event=briefing, contact=protected, status="attended")
    # Only a hidden guest attended: no follow-up for an officer who may not see them.
    factories.InvitationFactory(event=quiet_dinner, contact=restricted, status="attended")
    run_sweeps()
    return Hidden(protected=protected, restricted=restricted)


def delete_hidden_world(world: World, hidden: Hidden) -> None:
    """The owner deletes both hidden contacts the way the web lets them."""
    owner = Client()
    owner.force_login(world.users["hider"])
    for contact in (hidden.protected, hidden.restricted):
        response = owner.post(reverse("contacts:delete", args=[contact.pk]))
        assert response.status_code == 302, response.content[:500]
    assert not Contact.objects.filter(pk__in=[hidden.protected.pk, hidden.restricted.pk]).exists()
    run_sweeps()


def run_sweeps() -> None:
    contact_services.sweep_reminders(now=NOW)
    event_services.sweep_event_reminders(now=NOW)


# Filling the URL map


@dataclass(frozen=True)
class Probe:
    """One request: a path with its query, and whether it is an htmx request."""

    url: str
    htmx: bool = False

    @property
    def label(self) -> str:
        return f"{self.url} [htmx]" if self.htmx else self.url


def probes_for(world: World, persona: str) -> tuple[list[Probe], list[str]]:
    """Every request of the URL map for one persona, and the patterns left unfilled."""
    probes: list[Probe] = []
    unfilled: list[str] = []
    for pattern in urlmap.walk():
        if pattern.route in NOT_REQUESTED or FORMAT_SUFFIX.search(pattern.route):
            continue
        urls = urlmap.fill_all(pattern, lambda name, p=pattern: _values(world, persona, p, name))
        if urls is None:
            unfilled.append(pattern.label)
            continue
        for url in urls:
            if not pattern.resolves_to_itself(url):
                unfilled.append(f"{pattern.label}: {url} resolves elsewhere")
                continue
            for query in ["", *_queries(world, pattern)]:
                probes.append(Probe(url + query))
                if pattern.name in HTMX_PARTIALS:
                    probes.append(Probe(url + query, htmx=True))
    return probes, unfilled


def _pks(objects) -> list[str]:
    return [str(obj.pk) for obj in objects]


def _values(world: World, persona: str, pattern: urlmap.Pattern, name: str) -> list | None:
    """The values of one parameter of one pattern, from the visible world."""
    users = world.users
    by_name = {
        ("events:rsvp", "token"): [
            event_services.rsvp_token(invitation) for invitation in world.invitations[:5]
        ],
        ("events:feed", "token"): [_feed_token(world, persona)],
        # The single sign-on provider's id (trackii.settings: OIDC_PROVIDER_ID; off here).
        ("openid_connect_login", "provider_id"): ["sso"],
        ("openid_connect_callback", "provider_id"): ["sso"],
        # allauth's links from e-mails, and a user's own security keys: never a contact.
        ("account_confirm_email", "key"): ["no-such-key"],
        ("account_reset_password_from_key", "uidb36"): ["1"],
        ("account_reset_password_from_key", "key"): ["no-such-key"],
        ("mfa_remove_webauthn", "pk"): ["1"],
        ("mfa_edit_webauthn", "pk"): ["1"],
        ("events:calendar", "year"): [NOW.year],
        ("events:calendar", "month"): [NOW.month],
        ("contacts:grant_revoke", "user_pk"): [users["colleague"].pk],
        ("admin:auth_user_password_change", "id"): [users["colleague"].pk],
        ("admin:view_on_site", "content_type_id"): [ContentType.objects.get_for_model(Contact).pk],
        ("admin:view_on_site", "object_id"): _pks(world.contacts[:1]),
        ("admin:app_list", "app_label"): sorted(
            {model._meta.app_label for model in admin.site._registry}
        ),
        # The admin's catch-all answers any other path below /admin/.
        (None, "url"): ["no-such-page/"],
    }
    if (pattern.name, name) in by_name:
        return by_name[(pattern.name, name)]
    if pattern.route.startswith("admin/") and name in ("object_id", "arg0", "arg1"):
        return _admin_values(world, pattern, name)
    if name in ("name",):
        return list(measures.REGISTRY)
    if name == "pk":
        objects = _objects_for(world, pattern)
        return _pks(objects[:1] if pattern.name in ONE_OBJECT else objects)
    return None


def _feed_token(world: World, persona: str) -> str:
    # Anonymous visitors hold no feed of their own; the feed URL is its only credential.
    owner = world.users["planner" if persona == "anonymous" else persona]
    return CalendarFeed.objects.get(user=owner).token


def _objects_for(world: World, pattern: urlmap.Pattern) -> list:
    """The visible objects whose ids fill a ``pk`` (web pages and API routes)."""
    name = pattern.name or ""
    table = [
        (("contacts:organization_", "api:organization-"), world.organizations),
        (("contacts:exchange_", "api:exchange-"), world.exchanges),
        (("contacts:channel_", "api:channel-"), world.channels),
        (("contacts:reminder_", "api:reminder-"), world.reminders),
        (("contacts:import_", "api:import-"), world.imports),
        (("contacts:", "api:contact-"), world.contacts),
        (("events:invitation_", "api:invitation-"), world.invitations),
        (("events:programme_", "api:programme-"), world.programmes),
        (("events:", "api:event-"), world.events),
        (("api:climate-",), [world.climate]),
        (("api:signal-",), [world.signal]),
        (("api:merge-",), world.admin_objects["contacts.contactmerge"]),
        (("api:duplicate-",), world.admin_objects["contacts.duplicatepair"]),
    ]
    for prefixes, objects in table:
        if name.startswith(prefixes):
            return objects
    return []


def _admin_model(pattern: urlmap.Pattern):
    app_label, model_name = pattern.route.split("/")[1:3]
    return apps.get_model(app_label, model_name)


def _admin_values(world: World, pattern: urlmap.Pattern, name: str) -> list | None:
    model = _admin_model(pattern)
    objects = world.admin_objects.get(model._meta.label_lower) or []
    if name == "arg1":  # simple-history's version page: the object's latest version
        history = getattr(model, model._meta.simple_history_manager_attribute)
        versions = [
            history.filter(**{model._meta.pk.attname: obj.pk}).latest("history_id")
            for obj in objects[:1]
        ]
        return [version.history_id for version in versions]
    return [str(obj.pk) for obj in objects]


def _queries(world: World, pattern: urlmap.Pattern) -> list[str]:
    """Query strings that reach filters and searches, besides the bare URL."""
    uni, media, _host = world.organizations
    ana = world.contacts[0]
    forum = world.events[0]
    tag = world.tag_shared
    name = pattern.name or ""
    queries = {
        "contacts:list": [
            "?q=common",
            f"?organization={uni.pk}",
            "?sensitivity=restricted",
            "?overdue=on",
            "?sort=name",
            "?sort=last_touch",
            "?sort=next_due",
            "?sort=owner",
            f"?tag={tag.name}",
        ],
        # The type-ahead pickers: what they offer for a common word.
        "contacts:pick_contacts": ["?q=common"],
        "contacts:pick_organizations": ["?q=common"],
        "events:checkin": ["?q=common"],
        "contacts:organization_list": ["?q=common"],
        "contacts:exchange_new": [f"?contact={ana.pk}"],
        "contacts:channel_new": [f"?contact={ana.pk}"],
        "events:list": ["?when=past", "?when=all"],
        "api:organization-list": ["?search=common"],
        "api:contact-list": [
            "?search=common",
            f"?organization={uni.pk}",
            f"?tag={tag.name}",
            "?sensitivity=restricted",
            "?country=GE",
        ],
        # The list's exports (contacts.exports) with the list's own filters.
        **{
            f"contacts:export_{file_format}": ["?q=common", f"?organization={uni.pk}"]
            for file_format in ("vcf", "csv", "xlsx")
        },
        "api:contact-export": [
            "?format=vcf",
            "?format=csv&search=common",
            f"?format=xlsx&tag={tag.name}",
            "?format=csv&sensitivity=restricted",
        ],
        "api:channel-list": [f"?contact={ana.pk}", "?overdue=true"],
        "api:exchange-list": ["?search=common", f"?contact={ana.pk}"],
        "api:reminder-list": ["?status=open"],
        "api:invitation-list": [f"?event={forum.pk}", "?search=common"],
        "api:programme-list": [f"?partner={uni.pk}"],
    }
    found = list(queries.get(name, []))
    if name.startswith("admin:") and name.endswith("_changelist"):
        found.extend(_admin_changelist_queries(pattern, tag, media))
    if name == "admin:autocomplete":
        found.extend(_autocomplete_queries())
    return found


def _admin_changelist_queries(pattern, tag, media) -> list[str]:
    model = _admin_model(pattern)
    model_admin = admin.site._registry[model]
    queries = []
    if model_admin.search_fields:
        queries.append("?q=common")
    if model._meta.label_lower == "contacts.contact":
        queries += [f"?tags__id__exact={tag.pk}", f"?organization__id__exact={media.pk}"]
    return queries


def _autocomplete_queries() -> list[str]:
    """One autocomplete query for each autocomplete field of each admin and inline."""
    queries = []
    for model, model_admin in admin.site._registry.items():
        owners = [(model, model_admin)]
        owners += [(inline.model, inline) for inline in model_admin.inlines]
        for owner_model, owner_admin in owners:
            for field_name in getattr(owner_admin, "autocomplete_fields", ()):
                meta = owner_model._meta
                queries.append(
                    f"?app_label={meta.app_label}&model_name={meta.model_name}"
                    f"&field_name={field_name}&term="
                )
    return sorted(set(queries))


# Rendering and comparing


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple
    messages: str
    body: str

    def text(self) -> list[str]:
        head = [f"status {self.status}", *self.headers, f"messages {self.messages}"]
        return head + self.body.splitlines()


def clients(personas) -> dict[str, Client]:
    return {persona: Client(raise_request_exception=False) for persona in [*personas, CONTROL]}


def sign_in(world: World, persona_clients: dict[str, Client]) -> None:
    for persona, client in persona_clients.items():
        if persona != "anonymous":
            client.force_login(world.users[persona])


def render_all(persona_clients, probes) -> tuple[dict, list[str]]:
    answers = {}
    errors = []
    for persona, client in persona_clients.items():
        for probe in probes[persona]:
            headers = {"HX-Request": "true"} if probe.htmx else {}
            response = client.get(probe.url, headers=headers)
            answers[(persona, probe.label)] = _answer(response)
            if response.status_code >= 500:
                error = getattr(response, "exc_info", None)
                why = repr(error[1]) if error else response.content[:200]
                errors.append(f"{persona} {probe.label}: {response.status_code} {why}")
            # Flash messages travel in a cookie; they are compared, then dropped so that
            # one request's message does not show on the next page.
            client.cookies.pop("messages", None)
    return answers, errors


def _answer(response) -> Answer:
    headers = tuple(
        f"{name}: {response[name]}" for name in COMPARED_HEADERS if response.has_header(name)
    )
    messages = response.cookies["messages"].value if "messages" in response.cookies else ""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return Answer(response.status_code, headers, messages, _normalise(response, content))


def _normalise(response, content: bytes) -> str:
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        return _spreadsheet_text(content)
    text = content.decode("utf-8", errors="replace")
    for pattern, replacement in NORMALISERS:
        text = pattern.sub(replacement, text)
    return text


def _spreadsheet_text(content: bytes) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    lines = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            lines.append(f"{sheet.title}: " + " | ".join("" if v is None else str(v) for v in row))
    return "\n".join(lines)


def compare(before: dict, after: dict, when: str) -> list[tuple[str, str, str]]:
    """Each (persona, URL) whose answer changed: (persona, URL, a short unified diff)."""
    differences = []
    for key, answer in before.items():
        other = after.get(key)
        if other is None or other == answer:
            continue
        diff = list(
            difflib.unified_diff(answer.text(), other.text(), "before", when, n=1, lineterm="")
        )
        if len(diff) > MAX_DIFF_LINES:
            diff = [*diff[:MAX_DIFF_LINES], f"... ({len(diff) - MAX_DIFF_LINES} more lines)"]
        differences.append((key[0], key[1], "\n".join(diff)))
    return differences


def report(differences: dict[str, list], errors: list[str]) -> str:
    lines = []
    for when, found in differences.items():
        lines.append(f"\n=== {len(found)} answers differ {when} ===")
        by_url = defaultdict(list)
        for persona, url, diff in found:
            by_url[(url, diff)].append(persona)
        for (url, diff), personas in sorted(by_url.items()):
            lines.append(f"\n--- {url} for {', '.join(personas)}\n{diff}")
    if errors:
        lines.append(f"\n=== {len(errors)} server errors ===")
        lines.extend(errors)
    return "\n".join(lines)


def _control_probes(world: World) -> list[Probe]:
    ids = {"programme": world.programmes[0].pk, "forum": world.events[0].pk}
    return [Probe(url.format(**ids)) for url in CONTROL_URLS]


# The tests


@pytest.fixture
def fast_quiet_client(monkeypatch):
    """Thousands of requests: no throttle (it is not what is compared), no log line for
    each 403 and 404, and no copy of every template context for ``response.context`` (a
    form's select renders one template per option)."""
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)
    monkeypatch.setattr(Template, "_render", lambda self, context: self.nodelist.render(context))
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)


@pytest.mark.django_db
def test_every_pattern_of_the_url_map_is_filled():
    with time_machine.travel(NOW, tick=False):
        world = build_visible_world()
        for persona in PERSONAS:
            _probes, unfilled = probes_for(world, persona)
            assert unfilled == [], "\n".join(unfilled)


# The personas in three groups, one test each, so that the suite's two processes share the
# thousands of requests; every group builds the same worlds and runs the same three passes.
PERSONA_GROUPS = [
    ["staff_admin"],
    ["staff_viewer", "anonymous", "analyst"],
    ["outsider", "planner", "lead"],
]
assert sorted(p for group in PERSONA_GROUPS for p in group) == sorted(PERSONAS)


@pytest.mark.django_db
@pytest.mark.parametrize("personas", PERSONA_GROUPS, ids="+".join)
def test_hidden_contacts_change_nothing_that_a_persona_who_may_not_see_them_receives(
    fast_quiet_client, personas
):
    started = time.monotonic()
    with time_machine.travel(NOW, tick=False):
        world = build_visible_world()
        probes = {persona: probes_for(world, persona)[0] for persona in personas}
        probes[CONTROL] = _control_probes(world)
        persona_clients = clients(personas)
        sign_in(world, persona_clients)
        before, errors = render_all(persona_clients, probes)
        hidden = add_hidden_world(world)
        with_hidden, errors_with = render_all(persona_clients, probes)
        delete_hidden_world(world, hidden)
        after, errors_after = render_all(persona_clients, probes)
    control = [key for key in before if key[0] == CONTROL]
    unchanged = [url for key in control if before[key] == with_hidden[key] for url in key[1:]]
    assert unchanged == [], f"The hidden world does not reach the control's pages: {unchanged}"
    for answers in (before, with_hidden, after):
        for key in control:
            del answers[key]
    differences = {
        "with the hidden world": compare(before, with_hidden, "with hidden"),
        "after deleting the hidden world": compare(before, after, "after deletion"),
    }
    count = sum(len(urls) for persona, urls in probes.items() if persona != CONTROL)
    summary = (
        f"{len(urlmap.walk())} patterns, {count} requests per pass, "
        f"{time.monotonic() - started:.1f}s"
    )
    print(summary)
    problems = any(differences.values()) or errors or errors_with or errors_after
    assert not problems, summary + report(differences, errors + errors_with + errors_after)
