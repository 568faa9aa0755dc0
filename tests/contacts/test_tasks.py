"""The keep-in-touch tasks on a real Celery worker, a real Redis broker and the PostgreSQL
test database: the paths that only a worker (or a second session) exercises.

Data is committed (transactional tests) so that the worker process can see it. To catch
a sweep in the middle, the test's own session inserts, in a transaction it keeps open, a
pending reminder for the last channel: the sweep's INSERT writes the rows before it, then
waits on that channel with all of them uncommitted. That is how these tests kill a worker,
or start a second sweep, mid-sweep without depending on how fast the machine is.
"""

import datetime as dt
import email
import os
import signal
import threading
import time
import zoneinfo
from email.message import Message
from pathlib import Path

import kombu
import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from contacts import services, states
from contacts.models import (
    Channel,
    ChannelState,
    Contact,
    Layer,
    Notification,
    OfficerProfile,
    RecordedMonth,
    Reminder,
)
from contacts.tasks import record_channel_states, send_notifications, sweep_reminders
from tests import factories
from tests.workers import Worker, running_worker, worker_environment

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHANNEL_DUE = Reminder.Kind.CHANNEL_DUE
BULK_BATCH_SIZE = 2_000
KILLED_SWEEP_CHANNELS = 1_000
CONCURRENT_SWEEP_CHANNELS = 1_000
WAIT_TIMEOUT = 30


@pytest.fixture
def broker_url():
    """The Redis broker this process publishes to (``CELERY_BROKER_URL``), emptied before
    and after the test so that no message of another test reaches its worker."""
    url = settings.CELERY_BROKER_URL
    assert url.startswith("redis://"), f"The worker tests need a Redis broker, got {url}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def _unacknowledged_messages(url: str) -> int:
    """Messages delivered to a worker and not yet acknowledged (the Redis transport's
    ``unacked`` hash)."""
    with redis.Redis.from_url(url) as client:
        return client.hlen("unacked")


def _long_ago() -> dt.datetime:
    """A creation time that makes an untouched 30-day channel overdue under a normal climate."""
    return timezone.now() - dt.timedelta(days=40)


def _create_overdue_channels(*, officer, count: int) -> list[int]:
    """``count`` untouched informal 30-day channels created 40 days ago; their ids, sorted."""
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                full_name=f"Contact {number}",
                category=Contact.Category.ACADEMIC,
                layer=Layer.CIVIL_EPISTEMIC,
                owner=officer,
            )
            for number in range(count)
        ],
        batch_size=BULK_BATCH_SIZE,
    )
    created_at = _long_ago()
    channels = Channel.objects.bulk_create(
        [
            Channel(contact=contact, officer=officer, cadence_days=30, created_at=created_at)
            for contact in contacts
        ],
        batch_size=BULK_BATCH_SIZE,
    )
    return sorted(channel.pk for channel in channels)


def _hold_reminder_slot(*, channel_id: int, officer) -> Reminder:
    """In the caller's open transaction, a pending reminder for the channel: a sweep that
    reaches this channel waits until that transaction ends."""
    return Reminder.objects.create(
        kind=CHANNEL_DUE, recipient=officer, channel_id=channel_id, due_at=timezone.now()
    )


def _pending_channel_ids() -> list[int]:
    """The channel of every pending channel_due reminder, sorted, duplicates kept."""
    pending = Reminder.objects.filter(kind=CHANNEL_DUE).pending()
    return sorted(pending.values_list("channel_id", flat=True))


def _reminder_ids_drawn() -> int:
    """How many reminder ids were ever drawn; sequences ignore transactions, so this also
    counts rows that another session inserted and has not committed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id')::regclass)",
            [Reminder._meta.db_table],
        )
        return cursor.fetchone()[0] or 0


def _sessions_waiting_in_reminder_insert() -> list[int]:
    """Backend ids of the other sessions blocked on a lock inside an INSERT of reminders."""
    with connection.cursor() as cursor:
        # pg_stat_activity is read once per transaction unless the snapshot is cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state = 'active' AND wait_event_type = 'Lock' "
            "AND query LIKE %s ORDER BY pid",
            [f"INSERT INTO {connection.ops.quote_name(Reminder._meta.db_table)}%"],
        )
        return [pid for (pid,) in cursor.fetchall()]


def _wait_for_sessions_waiting_in_reminder_insert(count: int) -> list[int]:
    deadline = time.monotonic() + WAIT_TIMEOUT
    while len(waiting := _sessions_waiting_in_reminder_insert()) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{count} sweep(s) never reached the held reminder slot")
        time.sleep(0.05)
    return waiting


def _wait_until_session_ends(pid: int) -> None:
    deadline = time.monotonic() + WAIT_TIMEOUT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"Database session {pid} of the killed worker never ended")


def _redeliver_unacknowledged(url: str) -> None:
    """Do now what the Redis transport does once ``visibility_timeout`` (an hour by
    default) has passed: put the messages of a worker that died before acknowledging
    them back in their queue."""
    with kombu.Connection(url, transport_options={"visibility_timeout": 0}) as broker:
        broker.default_channel.qos.restore_visible(num=100)


def _local_time_clear_of_the_hour_change(zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The time in ``zone``, after waiting out the last seconds of an hour if need be, so
    that the worker's task runs within the same local hour as the test's set-up."""
    margin = dt.timedelta(seconds=30)
    local_now = timezone.now().astimezone(zone)
    next_hour = local_now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    if next_hour - local_now < margin:
        time.sleep((next_hour - local_now).total_seconds() + 1)
        local_now = timezone.now().astimezone(zone)
    return local_now


def _sent_messages(folder: Path) -> list[Message]:
    """The e-mails that Django's file backend wrote into ``folder``."""
    separator = "\n" + "-" * 79 + "\n"
    return [
        email.message_from_string(chunk)
        for path in sorted(folder.glob("*.log"))
        for chunk in path.read_text().split(separator)
        if chunk.strip()
    ]


def test_worker_sweep_creates_one_channel_due_reminder_per_overdue_channel(broker_url):
    officer = factories.UserFactory(roles=["officer"])
    overdue = [factories.ChannelFactory(officer=officer, created_at=_long_ago()) for _ in range(3)]
    reminded = factories.ChannelFactory(officer=officer, created_at=_long_ago())
    factories.ReminderFactory(channel=reminded)
    factories.ChannelFactory(officer=officer, created_at=timezone.now() - dt.timedelta(days=10))
    factories.ChannelFactory(officer=officer, created_at=_long_ago(), status=Channel.Status.PAUSED)

    with running_worker(environment=worker_environment(broker_url=broker_url)) as worker:
        first = sweep_reminders.delay()
        first_line = worker.wait_for_task(sweep_reminders.name, first.id)
        second = sweep_reminders.delay()
        second_line = worker.wait_for_task(sweep_reminders.name, second.id)

    assert "{'reopened': 0, 'channel_due': 3, 'follow_ups': 0}" in first_line
    assert "{'reopened': 0, 'channel_due': 0, 'follow_ups': 0}" in second_line
    assert _pending_channel_ids() == sorted([channel.pk for channel in overdue] + [reminded.pk])
    created = Reminder.objects.filter(channel__in=overdue)
    assert {(rem.channel_id, rem.recipient_id, rem.due_at, rem.status) for rem in created} == {
        (channel.pk, officer.pk, channel.created_at + dt.timedelta(days=30), "open")
        for channel in overdue
    }


def test_worker_sends_one_digest_at_the_officers_hour_in_their_zone(broker_url, tmp_path):
    zone = zoneinfo.ZoneInfo("Asia/Kolkata")  # UTC+5:30: its hours are not UTC's
    local_now = _local_time_clear_of_the_hour_change(zone)
    due = factories.UserFactory(username="due", roles=["officer"])
    OfficerProfile.objects.create(user=due, timezone=zone, digest_hour=local_now.hour)
    factories.ReminderFactory(channel__officer=due, due_at=timezone.now())
    factories.ReminderFactory(channel__officer=due, due_at=timezone.now())
    later = factories.UserFactory(username="later", roles=["officer"])
    OfficerProfile.objects.create(user=later, timezone=zone, digest_hour=(local_now.hour + 12) % 24)
    factories.ReminderFactory(channel__officer=later)
    idle = factories.UserFactory(username="idle", roles=["officer"])
    OfficerProfile.objects.create(user=idle, timezone=zone, digest_hour=local_now.hour)
    mail = tmp_path / "mail"
    environment = worker_environment(broker_url=broker_url, EMAIL_URL=f"filemail:///{mail}")

    with running_worker(environment=environment) as worker:
        first = send_notifications.delay()
        first_line = worker.wait_for_task(send_notifications.name, first.id)
        second = send_notifications.delay()
        second_line = worker.wait_for_task(send_notifications.name, second.id)

    assert "{'digests': 1, 'escalations': 0}" in first_line
    assert "{'digests': 0, 'escalations': 0}" in second_line
    digest = Notification.objects.get()
    assert (digest.kind, digest.recipient, digest.key, digest.reminder_count) == (
        Notification.Kind.DIGEST,
        due,
        local_now.date().isoformat(),
        2,
    )
    assert digest.sent_at is not None
    assert [(message["To"], message["Subject"]) for message in _sent_messages(mail)] == [
        ("due@mission.example", "Track II: 2 open reminders")
    ]
    assert Reminder.objects.filter(recipient=due, notified_at__isnull=False).count() == 2
    assert Reminder.objects.filter(recipient=later, notified_at__isnull=True).count() == 1


def test_a_worker_killed_mid_sweep_loses_nothing_and_duplicates_nothing(broker_url):
    officer = factories.UserFactory(roles=["officer"])
    channel_ids = _create_overdue_channels(officer=officer, count=KILLED_SWEEP_CHANNELS)
    environment = worker_environment(broker_url=broker_url)
    killed = Worker.start(environment=environment)
    try:
        killed.wait_until_ready()
        with transaction.atomic():
            _hold_reminder_slot(channel_id=channel_ids[-1], officer=officer)
            drawn_before = _reminder_ids_drawn()
            task = sweep_reminders.delay()
            received = f"Task {sweep_reminders.name}[{task.id}] received"
            killed.wait_for(received, timeout=WAIT_TIMEOUT)
            (session,) = _wait_for_sessions_waiting_in_reminder_insert(1)
            in_flight = _reminder_ids_drawn() - drawn_before
            killed.kill()
            transaction.set_rollback(True)
    finally:
        killed.stop()
    _wait_until_session_ends(session)

    # The sweep reads the channels in the order they were inserted, so when the worker died
    # its one INSERT had written a row for every channel but the held one, and was trying
    # that one; its transaction, never committed, took them all away.
    assert in_flight == KILLED_SWEEP_CHANNELS
    assert Reminder.objects.count() == 0
    # acks_late: the message of the killed task was never acknowledged.
    assert _unacknowledged_messages(broker_url) == 1

    _redeliver_unacknowledged(broker_url)
    with running_worker(environment=environment) as fresh:
        redelivered_line = fresh.wait_for_task(sweep_reminders.name, task.id)
        again = sweep_reminders.delay()
        again_line = fresh.wait_for_task(sweep_reminders.name, again.id)

    assert f"'channel_due': {KILLED_SWEEP_CHANNELS}," in redelivered_line
    assert "'channel_due': 0," in again_line
    assert _pending_channel_ids() == channel_ids
    assert _unacknowledged_messages(broker_url) == 0


def test_a_pool_process_killed_mid_sweep_is_requeued_and_its_rerun_completes_it(broker_url):
    officer = factories.UserFactory(roles=["officer"])
    channel_ids = _create_overdue_channels(officer=officer, count=KILLED_SWEEP_CHANNELS)

    with running_worker(environment=worker_environment(broker_url=broker_url)) as worker:
        with transaction.atomic():
            _hold_reminder_slot(channel_id=channel_ids[-1], officer=officer)
            task = sweep_reminders.delay()
            (killed_session,) = _wait_for_sessions_waiting_in_reminder_insert(1)
            (pool_process,) = worker.pool_process_ids()
            os.kill(pool_process, signal.SIGKILL)
            worker.wait_for(
                f"pid:{pool_process} exited with 'signal 9 (SIGKILL)'", timeout=WAIT_TIMEOUT
            )
            # reject_on_worker_lost: the message is requeued at once, and its rerun in a new
            # pool process meets the killed statement's uncommitted rows.
            waiting = _wait_for_sessions_waiting_in_reminder_insert(2)
            transaction.set_rollback(True)
        line = worker.wait_for_task(sweep_reminders.name, task.id)

    assert killed_session in waiting
    assert f"'channel_due': {KILLED_SWEEP_CHANNELS}," in line
    assert _pending_channel_ids() == channel_ids
    assert _unacknowledged_messages(broker_url) == 0


def test_two_sweeps_at_the_same_moment_create_one_reminder_per_channel():
    officer = factories.UserFactory(roles=["officer"])
    channel_ids = _create_overdue_channels(officer=officer, count=CONCURRENT_SWEEP_CHANNELS)
    now = timezone.now()
    results, errors = [], []

    def sweep():
        try:
            results.append(services.sweep_reminders(now=now))
        except Exception as error:  # reported by the assertion on errors below
            errors.append(error)
        finally:
            connection.close()

    sweeps = [threading.Thread(target=sweep) for _ in range(2)]
    with transaction.atomic():
        # The first sweep waits on the held slot with its rows uncommitted; the second,
        # started meanwhile, sees none of them and meets them in the unique index.
        _hold_reminder_slot(channel_id=channel_ids[-1], officer=officer)
        for thread in sweeps:
            thread.start()
        waiting = _wait_for_sessions_waiting_in_reminder_insert(2)
        transaction.set_rollback(True)
    for thread in sweeps:
        thread.join(timeout=WAIT_TIMEOUT)

    assert [thread.is_alive() for thread in sweeps] == [False, False]
    assert len(waiting) == 2
    assert errors == []
    assert sorted(result.channel_due for result in results) == [0, CONCURRENT_SWEEP_CHANNELS]
    assert _pending_channel_ids() == channel_ids


def test_worker_records_each_month_start_once(broker_url):
    opened = timezone.now() - dt.timedelta(days=70)
    channel = factories.ChannelFactory(created_at=opened)
    expected = states.month_starts(opened.date(), timezone.now().date())

    with running_worker(environment=worker_environment(broker_url=broker_url)) as worker:
        first = record_channel_states.delay()
        first_line = worker.wait_for_task(record_channel_states.name, first.id)
        second = record_channel_states.delay()
        second_line = worker.wait_for_task(record_channel_states.name, second.id)

    assert first_line.rstrip().endswith(f": {len(expected)}"), first_line
    assert second_line.rstrip().endswith(": 0"), second_line
    recorded = RecordedMonth.objects.order_by("starts_on").values_list("starts_on", flat=True)
    assert list(recorded) == expected
    assert ChannelState.objects.filter(channel=channel).exists()
