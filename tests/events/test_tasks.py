"""The event-reminder sweep on a real Celery worker, a real Redis broker and the PostgreSQL
test database, and two sweeps at once: each reminder is created once per (event, kind,
recipient), and a sweep that loses the race leaves no reminder without its link.

Data is committed (transactional tests) so that the worker and the other sessions see it.
To catch two sweeps in the middle, the test's own session holds, in a transaction it keeps
open, the link of the last reminder due: a sweep writes the rows before it, then waits on
that one with all of them uncommitted.
"""

import datetime as dt
import threading
import time

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from contacts.models import Reminder
from events import services
from events.models import Event, EventReminder, Invitation
from events.tasks import sweep_event_reminders
from tests import factories
from tests.workers import running_worker, worker_environment

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
CONCURRENT_SWEEP_EVENTS = 300
WAIT_TIMEOUT = 30


@pytest.fixture
def broker_url():
    """The Redis broker this process publishes to, emptied before and after the test so
    that no message of another test reaches its worker."""
    url = settings.CELERY_BROKER_URL
    assert url.startswith("redis://"), f"The worker tests need a Redis broker, got {url}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def _links() -> list[tuple]:
    rows = EventReminder.objects.values_list("event_id", "kind", "recipient_id")
    return sorted(rows.order_by("pk"))


def _reminders_without_a_link() -> int:
    return Reminder.objects.filter(event_link__isnull=True).count()


def _sessions_waiting_in_link_insert() -> list[int]:
    """Backend ids of the other sessions blocked on a lock inside an INSERT of links."""
    with connection.cursor() as cursor:
        # pg_stat_activity is read once per transaction unless the snapshot is cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state = 'active' AND wait_event_type = 'Lock' "
            "AND query LIKE %s ORDER BY pid",
            [f"%INSERT INTO {connection.ops.quote_name(EventReminder._meta.db_table)}%"],
        )
        return [pid for (pid,) in cursor.fetchall()]


def _wait_for_sessions_waiting_in_link_insert(count: int) -> list[int]:
    deadline = time.monotonic() + WAIT_TIMEOUT
    while len(waiting := _sessions_waiting_in_link_insert()) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{count} sweep(s) never reached the held link")
        time.sleep(0.05)
    return waiting


def test_worker_sweep_creates_each_event_reminder_once(broker_url, planner, owner):
    now = timezone.now()
    chased = factories.EventFactory(
        starts_at=now + 3 * DAY, ends_at=now + 3 * DAY + 2 * HOUR, planners=[planner]
    )
    factories.InvitationFactory(event=chased)
    tomorrow = factories.EventFactory(
        starts_at=now + 10 * HOUR, ends_at=now + 12 * HOUR, planners=[planner]
    )
    held = factories.EventFactory(
        starts_at=now - 3 * DAY, ends_at=now - 3 * DAY + 2 * HOUR, planners=[planner]
    )
    attended = factories.InvitationFactory(event=held, status=Invitation.Status.ATTENDED)
    factories.ChannelFactory(contact=attended.contact, officer=owner)

    with running_worker(environment=worker_environment(broker_url=broker_url)) as worker:
        first = sweep_event_reminders.delay()
        first_line = worker.wait_for_task(sweep_event_reminders.name, first.id)
        second = sweep_event_reminders.delay()
        second_line = worker.wait_for_task(sweep_event_reminders.name, second.id)

    assert "{'rsvp_chase': 1, 'event_prep': 1, 'event_follow_up': 1}" in first_line
    assert "{'rsvp_chase': 0, 'event_prep': 0, 'event_follow_up': 0}" in second_line
    assert _links() == sorted(
        [
            (chased.pk, Reminder.Kind.RSVP_CHASE, planner.pk),
            (tomorrow.pk, Reminder.Kind.EVENT_PREP, planner.pk),
            (held.pk, Reminder.Kind.EVENT_FOLLOW_UP, owner.pk),
        ]
    )
    reminders = Reminder.objects.order_by("pk")
    assert [(reminder.kind, reminder.recipient_id, reminder.status) for reminder in reminders] == [
        (link.kind, link.recipient_id, Reminder.Status.OPEN)
        for link in EventReminder.objects.order_by("reminder_id")
    ]
    assert _reminders_without_a_link() == 0


def test_two_sweeps_at_the_same_moment_create_each_reminder_once(planner):
    now = timezone.now()
    events = Event.objects.bulk_create(
        [
            Event(
                title=f"Round-table {number}",
                kind=Event.Kind.ACADEMIC,
                starts_at=now + 10 * HOUR,
                ends_at=now + 12 * HOUR,
                layer="civil_epistemic",
            )
            for number in range(CONCURRENT_SWEEP_EVENTS)
        ]
    )
    Event.planners.through.objects.bulk_create(
        [Event.planners.through(event=event, user=planner) for event in events]
    )
    last = max(events, key=lambda event: event.pk)
    results, errors = [], []

    def sweep():
        try:
            results.append(services.sweep_event_reminders(now=now))
        except Exception as error:  # reported by the assertion on errors below
            errors.append(error)
        finally:
            connection.close()

    sweeps = [threading.Thread(target=sweep) for _ in range(2)]
    with transaction.atomic():
        # The first sweep waits on the held link with its rows uncommitted; the second,
        # started meanwhile, sees none of them and meets them in the unique index.
        reminder = Reminder.objects.create(
            kind=Reminder.Kind.EVENT_PREP, recipient=planner, due_at=now, created_at=now
        )
        EventReminder.objects.create(
            reminder=reminder, event=last, kind=Reminder.Kind.EVENT_PREP, recipient=planner
        )
        for thread in sweeps:
            thread.start()
        waiting = _wait_for_sessions_waiting_in_link_insert(2)
        transaction.set_rollback(True)
    for thread in sweeps:
        thread.join(timeout=WAIT_TIMEOUT)

    assert [thread.is_alive() for thread in sweeps] == [False, False]
    assert len(waiting) == 2
    assert errors == []
    assert sorted(result.event_prep for result in results) == [0, CONCURRENT_SWEEP_EVENTS]
    assert _links() == sorted((event.pk, Reminder.Kind.EVENT_PREP, planner.pk) for event in events)
    assert Reminder.objects.count() == CONCURRENT_SWEEP_EVENTS
    assert _reminders_without_a_link() == 0
