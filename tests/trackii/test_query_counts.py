"""A page costs a fixed number of queries, however much the mission holds.

Each test builds a small world, counts the queries of every page its persona uses, grows
the world (three times as many contacts, channels, exchanges, invitations, reminders,
programmes and signals), counts again and expects the same figures: a count that grows
with the rows is an N+1 (a missing ``select_related``/``prefetch_related``, a check per
row). Every page is requested once before the first count, so that per-process caches
are warm both times.
"""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Reminder, Sensitivity
from events.models import EventReminder, Invitation
from tests import factories

SMALL, GROWTH = 4, 8  # 4 rows of each kind, then 12
_serial = itertools.count()


def _days_ago(days):
    return timezone.now() - dt.timedelta(days=days)


class World:
    """A mission that grows by ``grow(n)``: ``n`` more of each kind of row around one
    organization, one contact, one event and one programme that every page looks at."""

    def __init__(self, *, officer, teammate, planner):
        self.officer, self.teammate, self.planner = officer, teammate, planner
        self.organization = factories.OrganizationFactory(name="Anchor University")
        self.contact = factories.ContactFactory(
            full_name="Anchor Contact", organization=self.organization, owner=officer
        )
        factories.ChannelFactory(officer=officer, contact=self.contact)
        self.event = factories.EventFactory(title="Anchor Forum", planners=[planner], capacity=500)
        self.programme = factories.ProgrammeFactory(title="Anchor Programme")
        self.programme.partners.add(self.organization)

    def grow(self, n: int) -> None:
        for _ in range(n):
            self._grow_once(next(_serial))

    def _grow_once(self, i: int) -> None:
        officer, planner = self.officer, self.planner
        contact = factories.ContactFactory(
            full_name=f"Growing Contact {i}",
            organization=self.organization,
            owner=self.teammate,
            sensitivity=Sensitivity.RESTRICTED if i % 2 else Sensitivity.STANDARD,
            tags=[factories.TagFactory(name=f"tag{i}")],
        )
        factories.AffiliationFactory(contact=contact, organization=self.organization)
        channel = factories.ChannelFactory(
            officer=officer, contact=contact, last_touch_at=_days_ago(40 + i)
        )
        factories.ReminderFactory(channel=channel, due_at=_days_ago(10 + i))
        factories.ChannelFactory(officer=self.teammate, contact=contact, last_touch_at=_days_ago(5))
        exchange = factories.ExchangeFactory(
            contacts=[self.contact, contact], officers=[officer], occurred_at=_days_ago(i + 1)
        )
        factories.ReminderFactory(
            kind=Reminder.Kind.FOLLOW_UP, channel=None, exchange=exchange, recipient=officer
        )
        factories.InvitationFactory(
            event=self.event,
            contact=contact,
            status=Invitation.Status.ACCEPTED if i % 2 else Invitation.Status.INVITED,
        )
        event = factories.EventFactory(planners=[planner])
        factories.InvitationFactory(event=event, contact=contact)
        for recipient, kind in ((officer, "event_prep"), (planner, "rsvp_chase")):
            reminder = factories.ReminderFactory(kind=kind, channel=None, recipient=recipient)
            EventReminder.objects.create(
                reminder=reminder, event=event, kind=kind, recipient=recipient
            )
        self.programme.participants.add(contact)
        programme = factories.ProgrammeFactory()
        programme.partners.add(self.organization)
        programme.participants.add(contact)
        factories.SignalFactory(organization=self.organization)
        # One more officer and one more institution hanging on a single channel (health).
        lone = factories.ContactFactory(organization=factories.OrganizationFactory())
        factories.ChannelFactory(officer=factories.UserFactory(roles=["officer"]), contact=lone)

    def open_reminder(self) -> Reminder:
        """A pending channel reminder of the officer's that no snooze or dismissal touched."""
        return (
            Reminder.objects.filter(
                recipient=self.officer, kind=Reminder.Kind.CHANNEL_DUE, status="open"
            )
            .order_by("pk")
            .first()
        )


@pytest.fixture
def world(owner, teammate, planner):
    return World(officer=owner, teammate=teammate, planner=planner)


def _count(client, request) -> int:
    method, url, data, headers = request()
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data, headers=headers)
    assert response.status_code in (200, 302), (url, response.status_code)
    return len(queries)


def _counts(client, pages: dict) -> dict[str, int]:
    return {name: _count(client, request) for name, request in pages.items()}


def _get(url, **headers):
    return lambda: ("get", url, {}, headers)


def _post_to_reminder(world, action, **headers):
    def request():
        url = reverse(f"contacts:{action}", args=[world.open_reminder().pk])
        data = {"days": "1"} if action == "reminder_snooze" else {}
        return "post", url, data, headers

    return request


def _assert_constant(client, world, pages):
    world.grow(SMALL)
    _counts(client, pages)  # warms the per-process caches
    small = _counts(client, pages)
    world.grow(GROWTH)
    large = _counts(client, pages)
    assert large == small


def test_an_officers_pages_cost_the_same_at_any_size(client, owner, world):
    client.force_login(owner)
    search = f"{reverse('contacts:list')}?q=Growing"
    pages = {
        "today": _get(reverse("today")),
        "today, show all": _get(f"{reverse('today')}?all=1"),
        "contacts": _get(reverse("contacts:list")),
        "contacts by last touch": _get(f"{reverse('contacts:list')}?sort=last_touch"),
        "contacts by next due": _get(f"{reverse('contacts:list')}?sort=next_due"),
        "search": _get(search),
        "search partial": _get(search, HX_Request="true"),
        "contact": _get(reverse("contacts:detail", args=[world.contact.pk])),
        "organization": _get(reverse("contacts:organization_detail", args=[world.organization.pk])),
        "events": _get(reverse("events:list")),
        "programmes": _get(reverse("events:programme_list")),
        "programme": _get(reverse("events:programme_detail", args=[world.programme.pk])),
        "signals": _get(reverse("signal_list")),
        "pick contacts": _get(f"{reverse('contacts:pick_contacts')}?q=Growing"),
        "snooze": _post_to_reminder(world, "reminder_snooze", HX_Request="true"),
        "dismiss": _post_to_reminder(world, "reminder_dismiss"),
    }

    _assert_constant(client, world, pages)


def test_a_planners_pages_cost_the_same_at_any_size(client, planner, world):
    client.force_login(planner)
    pages = {
        "today": _get(reverse("today")),
        "events": _get(reverse("events:list")),
        "event": _get(reverse("events:detail", args=[world.event.pk])),
        "event, show all": _get(f"{reverse('events:detail', args=[world.event.pk])}?all=1"),
        "check-in": _get(reverse("events:checkin", args=[world.event.pk])),
        "programmes": _get(reverse("events:programme_list")),
        "programme": _get(reverse("events:programme_detail", args=[world.programme.pk])),
    }

    _assert_constant(client, world, pages)


def test_a_leads_pages_cost_the_same_at_any_size_computed_or_cached(client, lead, world):
    """Network health computes its figures on the first request after any change and reads
    them from the cache on the next ones (indicators.cache.network_health), as the
    dashboard does: each of the two costs the same at any size."""
    client.force_login(lead)
    pages = {
        "health": _get(reverse("network_health")),
        "health, show all": _get(f"{reverse('network_health')}?all=1"),
    }
    world.grow(SMALL)
    _counts(client, pages)  # warms the per-process caches
    counts = {}
    for size, growth in (("small", 1), ("large", GROWTH)):
        world.grow(growth)
        computed = _count(client, pages["health"])
        counts[size] = {"computed": computed, "cached": _counts(client, pages)}

    assert counts["large"] == counts["small"]
    assert counts["small"]["cached"]["health"] < counts["small"]["computed"]


def test_the_indicators_cost_the_same_at_any_size_computed_or_cached(client, lead, world):
    """The dashboard computes its figures on the first request after any change (growing
    the world is one) and reads them from the cache on the next ones: each of the two
    costs the same at any size, and a cached one fewer queries (indicators.cache)."""
    client.force_login(lead)
    dashboard = reverse("dashboard")
    pages = {
        "indicators": _get(dashboard),
        "indicators, custom range": _get(f"{dashboard}?from=2025-03-15&to=2026-02-14"),
    }
    world.grow(SMALL)
    _counts(client, pages)  # warms the per-process caches
    counts = {}
    for size, growth in (("small", 1), ("large", GROWTH)):
        world.grow(growth)
        counts[size] = {"computed": _counts(client, pages), "cached": _counts(client, pages)}

    assert counts["large"] == counts["small"]
    computed, cached = counts["small"]["computed"], counts["small"]["cached"]
    assert all(cached[name] < computed[name] for name in pages)


def test_a_signed_in_request_reads_its_session_and_user_with_profile_and_writes_nothing(
    client, owner
):
    # A page not found: only what every request of a signed-in user costs
    client.force_login(owner)
    client.get(reverse("today"))  # the session's first page (its first minute's write)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/contacts/0/")

    assert response.status_code == 404
    statements = [query["sql"] for query in queries.captured_queries]
    tables = [sql.split(" FROM ")[1].split()[0].strip('"') for sql in statements]
    # The session, the user with their officer profile (one join), the roles (a user without
    # one sees no contact), the contact looked up and the climate banner: no draft looked
    # for (none at sign-in), no write.
    assert tables == [
        "django_session",
        "auth_user",
        "auth_group",
        "contacts_contact",
        "contacts_climate",
    ]
    assert "contacts_officerprofile" in statements[1]
