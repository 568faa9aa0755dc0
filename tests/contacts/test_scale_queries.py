"""Work that costs what the user sees, not what the mission holds: snoozing and dismissing a
follow-up, an escalation run and a page's role checks issue as many queries at two data
sizes (timings stay in the benchmark)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts import access, notifications, services
from contacts.models import Channel, Notification, Reminder
from tests import factories
from tests.contacts.pages import HTMX

UTC = dt.UTC
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
MORNING = dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def _queries(action) -> int:
    with CaptureQueriesContext(connection) as context:
        action()
    return len(context.captured_queries)


def _more_follow_ups(owner, teammate, number: int) -> None:
    """Other exchanges of the mission, with follow-ups for another officer."""
    for _ in range(number):
        exchange = factories.ExchangeFactory(
            contacts=[factories.ContactFactory(owner=owner)], follow_up_on=MORNING.date()
        )
        factories.ReminderFactory(
            kind=Reminder.Kind.FOLLOW_UP, channel=None, exchange=exchange, recipient=teammate
        )


def _follow_up(owner):
    exchange = factories.ExchangeFactory(
        contacts=[factories.ContactFactory(owner=owner)],
        officers=[owner],
        follow_up_on=MORNING.date(),
    )
    return factories.ReminderFactory(
        kind=Reminder.Kind.FOLLOW_UP, channel=None, exchange=exchange, recipient=owner
    )


@pytest.mark.parametrize("action", ["snooze", "dismiss"])
def test_acting_on_a_follow_up_costs_the_same_queries_at_two_sizes(action, client, owner, teammate):
    client.force_login(owner)
    url_name = f"contacts:reminder_{action}"
    # A session's first request records its activity (trackii.user_sessions, once a
    # minute): measure after it, as every later request of a signed-in user is.
    client.get(reverse("today"))
    data = {"days": "1"} if action == "snooze" else {}

    def act(reminder):
        response = client.post(reverse(url_name, args=[reminder.pk]), data, **HTMX)
        assert response.status_code == 200
        reminder.refresh_from_db()
        assert reminder.status != Reminder.Status.OPEN

    _more_follow_ups(owner, teammate, 2)
    small = _follow_up(owner)
    small_queries = _queries(lambda: act(small))
    _more_follow_ups(owner, teammate, 25)
    large = _follow_up(owner)
    large_queries = _queries(lambda: act(large))

    assert small_queries == large_queries


# Escalations


def _team_with_escalations(number: int, escalations: int) -> None:
    """A team of a lead and an officer holding ``escalations`` key channels long overdue."""
    team = factories.TeamFactory(name=f"team {number}")
    factories.UserFactory(username=f"lead{number}", roles=["lead"], teams=[team])
    officer = factories.UserFactory(username=f"officer{number}", roles=["officer"], teams=[team])
    for _ in range(escalations):
        factories.ChannelFactory(
            contact=factories.ContactFactory(owner=officer),
            officer=officer,
            priority=Channel.Priority.KEY,
            cadence_days=30,
            created_at=MORNING - 45 * DAY,
        )


def test_an_escalation_run_costs_the_same_queries_with_2_and_with_20_leads(db):
    for number in range(2):
        _team_with_escalations(number, escalations=1)
    services.sweep_reminders(now=MORNING)
    with CaptureQueriesContext(connection) as two_leads:
        assert notifications.send_escalations(now=MORNING) == 2

    # 20 more leads, each with several escalations, in the next window; the first two were
    # told already and are not told again.
    for number in range(2, 22):
        _team_with_escalations(number, escalations=3)
    services.sweep_reminders(now=MORNING + HOUR)
    with CaptureQueriesContext(connection) as twenty_leads:
        assert notifications.send_escalations(now=MORNING + HOUR) == 20

    assert len(twenty_leads.captured_queries) == len(two_leads.captured_queries)
    assert len(mail.outbox) == 22
    told = Notification.objects.filter(key__startswith="reminder:")
    assert told.count() == 2 + 20 * 3
    # Nothing new: one statement finds nothing to tell, past the climate's look-ups.
    with CaptureQueriesContext(connection) as idle:
        assert notifications.send_escalations(now=MORNING + 2 * HOUR) == 0
    assert len(idle.captured_queries) <= 3


def test_a_claim_held_by_a_running_task_is_left_to_it(db):
    _team_with_escalations(0, escalations=1)
    services.sweep_reminders(now=MORNING)
    lead = get_user_model().objects.get(username="lead0")
    # Another task claimed this window's e-mail a minute ago and is sending it.
    Notification.objects.create(
        kind=Notification.Kind.ESCALATION,
        recipient=lead,
        key=f"window:{notifications.escalation_window(MORNING).isoformat(timespec='minutes')}",
        subject="",
        created_at=MORNING - dt.timedelta(minutes=1),
    )

    assert notifications.send_escalations(now=MORNING) == 0
    assert mail.outbox == []
    assert Notification.objects.filter(key__startswith="reminder:").exists() is False


def test_a_stale_claim_of_a_dead_task_is_taken_over_in_a_batch(db):
    _team_with_escalations(0, escalations=1)
    _team_with_escalations(1, escalations=1)
    services.sweep_reminders(now=MORNING)
    lead = get_user_model().objects.get(username="lead0")
    key = f"window:{notifications.escalation_window(MORNING).isoformat(timespec='minutes')}"
    # A task claimed lead0's e-mail long ago and died before sending it.
    Notification.objects.create(
        kind=Notification.Kind.ESCALATION,
        recipient=lead,
        key=key,
        subject="",
        created_at=MORNING - notifications.CLAIM_EXPIRES - dt.timedelta(minutes=1),
    )

    assert notifications.send_escalations(now=MORNING + dt.timedelta(minutes=5)) == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "lead0@mission.example",
        "lead1@mission.example",
    ]
    assert Notification.objects.get(recipient=lead, key=key).sent_at is not None


# Roles


def _auth_group_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return sum("auth_group" in query["sql"] for query in context.captured_queries)


@pytest.mark.parametrize("url", ["/", "/contacts/"])
def test_a_page_looks_the_roles_up_once(client, lead, url):
    client.force_login(lead)

    assert _auth_group_queries(client, url) == 1


def test_roles_kept_on_a_user_follow_its_group_changes(owner):
    assert access.has_role(owner, access.Role.LEAD) is False

    owner.groups.add(Group.objects.get_or_create(name="lead")[0])
    assert access.has_role(owner, access.Role.LEAD) is True

    owner.groups.clear()
    assert access.has_role(owner, access.Role.OFFICER) is False


def test_forget_roles_reads_them_again(owner, lead):
    assert access.has_role(owner, access.Role.LEAD) is False
    # Changed through the group, not through this user object: the kept roles are stale.
    lead.groups.get(name="lead").user_set.add(owner)
    assert access.has_role(owner, access.Role.LEAD) is False

    access.forget_roles(owner)

    assert access.has_role(owner, access.Role.LEAD) is True
