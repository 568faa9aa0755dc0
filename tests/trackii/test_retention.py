"""Retention (trackii.retention): rows just older than each kind's cutoff are pruned, rows
just newer are kept, 0 keeps forever, batches are bounded, rows something relies on stay
(the newest history version, anonymised for an erased contact; pending escalations; a
follow-up's reminder), the admin page shows counts to superusers only, and the nightly task
runs on a real worker."""

import datetime as dt
import io

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as SignInLog
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from contacts import services
from contacts.models import (
    AccessLog,
    Contact,
    ErasureRecord,
    Exchange,
    Notification,
    Reminder,
    Sensitivity,
)
from events.models import EventReminder, InvitationMessage
from tests import factories
from tests.events.test_tasks import broker_url  # noqa: F401 (the fixture)
from tests.workers import running_worker, worker_environment
from trackii import privacy, retention
from trackii.models import SecurityEvent
from trackii.tasks import prune_retention

NOW = dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
DAYS = {
    "RETENTION_ACCESS_LOG_DAYS": 730,
    "RETENTION_HISTORY_DAYS": 700,
    "RETENTION_NOTIFICATIONS_DAYS": 180,
    "RETENTION_REMINDERS_DAYS": 365,
    "RETENTION_SIGNINS_DAYS": 90,
}


@pytest.fixture(autouse=True)
def _retention_settings(settings):
    for name, days in DAYS.items():
        setattr(settings, name, days)
    settings.RETENTION_BATCH_SIZE = 5000


def cutoff(name: str) -> dt.datetime:
    return NOW - dt.timedelta(days=DAYS[name])


def _keys_pruned(result) -> dict[str, int]:
    return {key: deleted for key, deleted in result.deleted.items() if deleted}


@pytest.fixture
def protected(owner):
    return factories.ContactFactory(
        full_name="Olga Protected", owner=owner, sensitivity=Sensitivity.PROTECTED
    )


# Each kind: just older than its cutoff goes, just newer stays.


def test_access_log_rows_just_older_than_the_cutoff_are_pruned(owner, protected):
    edge = cutoff("RETENTION_ACCESS_LOG_DAYS")
    old, young = (
        AccessLog.objects.create(user=owner, contact=protected, surface="web", viewed_at=at)
        for at in (edge - SECOND, edge + SECOND)
    )

    result = retention.prune(now=NOW)

    assert _keys_pruned(result) == {"contacts.accesslog": 1}
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [young.pk]
    assert AccessLog.objects.filter(pk=old.pk).exists() is False


def test_superseded_history_versions_older_than_the_cutoff_are_pruned(owner):
    edge = cutoff("RETENTION_HISTORY_DAYS")
    with time_machine.travel(edge - SECOND, tick=False):
        contact = factories.ContactFactory(full_name="Version one", owner=owner)
    with time_machine.travel(edge + SECOND, tick=False):
        contact.full_name = "Version two"
        contact.save()
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        contact.full_name = "Version three"
        contact.save()
    with time_machine.travel(edge - dt.timedelta(days=10), tick=False):
        untouched = factories.ContactFactory(full_name="One old version", owner=owner)

    result = retention.prune(now=NOW)

    assert _keys_pruned(result) == {"contacts.historicalcontact": 1}
    versions = contact.history.order_by("history_date").values_list("full_name", flat=True)
    assert list(versions) == ["Version two", "Version three"]
    # An object's newest version stays however old: it is its state in the history.
    assert list(untouched.history.values_list("full_name", flat=True)) == ["One old version"]


def test_sent_e_mails_just_older_than_the_cutoff_are_pruned(owner, lead):
    edge = cutoff("RETENTION_NOTIFICATIONS_DAYS")
    old, young = (
        Notification.objects.create(
            kind=Notification.Kind.DIGEST,
            recipient=owner,
            key=f"day-{n}",
            subject="Track II: 1 open reminder",
            created_at=at,
            sent_at=at,
        )
        for n, at in enumerate((edge - SECOND, edge + SECOND))
    )
    never_sent = Notification.objects.create(
        kind=Notification.Kind.DIGEST,
        recipient=owner,
        key="claimed",
        subject="Track II",
        created_at=edge - dt.timedelta(days=30),
    )

    result = retention.prune(now=NOW)

    assert _keys_pruned(result) == {"contacts.notification": 1}
    assert sorted(Notification.objects.values_list("pk", flat=True)) == [young.pk, never_sent.pk]
    assert Notification.objects.filter(pk=old.pk).exists() is False


def test_an_escalation_stays_while_its_reminder_is_pending(owner, lead):
    long_ago = cutoff("RETENTION_NOTIFICATIONS_DAYS") - dt.timedelta(days=30)
    pending = factories.ReminderFactory(channel__officer=owner)
    snoozed = factories.ReminderFactory(
        channel__officer=owner, status=Reminder.Status.SNOOZED, snoozed_until=NOW
    )
    resolved = factories.ReminderFactory(
        channel__officer=owner, status=Reminder.Status.RESOLVED, closed_at=NOW
    )
    told = {
        reminder.pk: Notification.objects.create(
            kind=Notification.Kind.ESCALATION,
            recipient=lead,
            key=f"reminder:{reminder.pk}",
            subject="(told in a batch)",
            created_at=long_ago,
            sent_at=long_ago,
        )
        for reminder in (pending, snoozed, resolved)
    }
    deleted_reminder = told[resolved.pk]
    gone = Notification.objects.create(
        kind=Notification.Kind.ESCALATION,
        recipient=lead,
        key="reminder:999999",
        subject="(told in a batch)",
        created_at=long_ago,
        sent_at=long_ago,
    )

    retention.prune(now=NOW)

    kept = set(Notification.objects.values_list("pk", flat=True))
    assert kept == {told[pending.pk].pk, told[snoozed.pk].pk}
    assert {deleted_reminder.pk, gone.pk} & kept == set()


def test_guest_e_mails_go_once_sent_and_their_event_is_long_over(planner):
    edge = cutoff("RETENTION_NOTIFICATIONS_DAYS")
    over = factories.EventFactory(starts_at=edge - dt.timedelta(days=10))
    recent = factories.EventFactory(starts_at=edge + dt.timedelta(days=1))

    def message(event, status, sent_at):
        return InvitationMessage.objects.create(
            invitation=factories.InvitationFactory(event=event),
            kind=InvitationMessage.Kind.INVITATION,
            key="invitation",
            status=status,
            created_at=edge - dt.timedelta(days=20),
            sent_at=sent_at,
        )

    sent = message(over, InvitationMessage.Status.SENT, edge - SECOND)
    bounced = message(over, InvitationMessage.Status.BOUNCED, edge - SECOND)
    sent_later = message(over, InvitationMessage.Status.SENT, edge + SECOND)
    failed = message(over, InvitationMessage.Status.FAILED, None)
    of_recent_event = message(recent, InvitationMessage.Status.SENT, edge - SECOND)

    result = retention.prune(now=NOW)

    assert _keys_pruned(result) == {"events.invitationmessage": 2}
    kept = set(InvitationMessage.objects.values_list("pk", flat=True))
    assert kept == {sent_later.pk, failed.pk, of_recent_event.pk}
    assert {sent.pk, bounced.pk} & kept == set()


def test_closed_reminders_just_older_than_the_cutoff_are_pruned(owner):
    edge = cutoff("RETENTION_REMINDERS_DAYS")
    long_ago = edge - dt.timedelta(days=100)

    def reminder(status, closed_at=None, **fields):
        return factories.ReminderFactory(
            channel__officer=owner,
            status=status,
            closed_at=closed_at,
            created_at=long_ago,
            due_at=long_ago,
            **fields,
        )

    resolved = reminder(Reminder.Status.RESOLVED, edge - SECOND)
    dismissed = reminder(Reminder.Status.DISMISSED, edge - SECOND)
    resolved_later = reminder(Reminder.Status.RESOLVED, edge + SECOND)
    still_open = reminder(Reminder.Status.OPEN)
    snoozed = reminder(Reminder.Status.SNOOZED, snoozed_until=NOW + dt.timedelta(days=1))

    result = retention.prune(now=NOW)

    assert _keys_pruned(result) == {"contacts.reminder": 2}
    kept = set(Reminder.objects.values_list("pk", flat=True))
    assert kept == {resolved_later.pk, still_open.pk, snoozed.pk}
    assert {resolved.pk, dismissed.pk} & kept == set()


def test_a_follow_ups_reminder_stays_while_its_exchange_has_a_follow_up_date(owner):
    long_ago = cutoff("RETENTION_REMINDERS_DAYS") - dt.timedelta(days=100)
    contact = factories.ContactFactory(owner=owner)

    def follow_up(follow_up_on):
        exchange = factories.ExchangeFactory(
            occurred_at=long_ago,
            follow_up_on=follow_up_on,
            contacts=[contact],
            officers=[owner],
        )
        return Reminder.objects.create(
            kind=Reminder.Kind.FOLLOW_UP,
            recipient=owner,
            exchange=exchange,
            due_at=long_ago,
            status=Reminder.Status.RESOLVED,
            created_at=long_ago,
            closed_at=long_ago,
        )

    marker = follow_up(long_ago.date())
    without_date = follow_up(None)

    retention.prune(now=NOW)
    services.sweep_reminders(now=NOW)

    assert list(Reminder.objects.values_list("pk", flat=True)) == [marker.pk]
    assert Reminder.objects.filter(pk=without_date.pk).exists() is False
    # Kept, it still tells the sweep the follow-up was reminded: no new reminder for it.
    assert Reminder.objects.filter(exchange=marker.exchange, status="open").exists() is False


def test_an_events_reminder_stays_until_the_event_is_past_the_follow_up_window(
    owner, planner, settings
):
    settings.EVENT_FOLLOW_UP_DAYS = 14
    settings.RETENTION_REMINDERS_DAYS = 3
    closed = NOW - dt.timedelta(days=5)

    def event_reminder(ended_days_ago):
        ends_at = NOW - dt.timedelta(days=ended_days_ago)
        event = factories.EventFactory(starts_at=ends_at - dt.timedelta(hours=2))
        reminder = Reminder.objects.create(
            kind=Reminder.Kind.EVENT_FOLLOW_UP,
            recipient=owner,
            due_at=ends_at,
            status=Reminder.Status.RESOLVED,
            created_at=ends_at,
            closed_at=closed,
        )
        EventReminder.objects.create(
            reminder=reminder, event=event, kind=reminder.kind, recipient=owner
        )
        return reminder

    in_window = event_reminder(ended_days_ago=10)
    past_window = event_reminder(ended_days_ago=15)

    retention.prune(now=NOW)

    assert list(Reminder.objects.values_list("pk", flat=True)) == [in_window.pk]
    assert EventReminder.objects.filter(reminder_id=past_window.pk).exists() is False


def test_sign_in_records_just_older_than_the_cutoff_are_pruned(db):
    edge = cutoff("RETENTION_SIGNINS_DAYS")
    common = {
        "user_agent": "Firefox",
        "ip_address": "192.0.2.7",
        "http_accept": "text/html",
        "path_info": "/accounts/login/",
    }
    kept = []
    for username, at in (("old", edge - SECOND), ("young", edge + SECOND)):
        rows = [
            AccessAttempt.objects.create(
                **common, username=username, get_data="", post_data="", failures_since_start=1
            ),
            SignInLog.objects.create(**common, username=username),
            AccessFailureLog.objects.create(**common, username=username, locked_out=False),
            SecurityEvent.objects.create(kind=SecurityEvent.Kind.SIGN_IN_FAILED, at=at),
        ]
        for row in rows[:3]:
            type(row).objects.filter(pk=row.pk).update(attempt_time=at)
        if at > edge:
            kept = rows

    result = retention.prune(now=NOW)

    assert _keys_pruned(result) == {
        "axes.accessattempt": 1,
        "axes.accesslog": 1,
        "axes.accessfailurelog": 1,
        "trackii.securityevent": 1,
    }
    assert [list(type(row).objects.values_list("pk", flat=True)) for row in kept] == [
        [row.pk] for row in kept
    ]


# Settings and batches


def test_a_setting_of_zero_keeps_that_kind_forever(owner, protected, settings):
    settings.RETENTION_ACCESS_LOG_DAYS = 0
    ancient = NOW - dt.timedelta(days=5000)
    AccessLog.objects.create(user=owner, contact=protected, surface="web", viewed_at=ancient)
    factories.ReminderFactory(
        channel__officer=owner, status=Reminder.Status.RESOLVED, closed_at=ancient
    )

    plan = {row.key: row for row in retention.plan(now=NOW)}
    result = retention.prune(now=NOW)

    assert (plan["contacts.accesslog"].cutoff, plan["contacts.accesslog"].count) == (None, 0)
    assert "contacts.accesslog" not in result.deleted
    assert AccessLog.objects.count() == 1
    # Another kind, still set, is pruned as usual.
    assert _keys_pruned(result) == {"contacts.reminder": 1}


def test_the_prune_deletes_in_bounded_batches(owner, protected, settings):
    settings.RETENTION_BATCH_SIZE = 2
    old = cutoff("RETENTION_ACCESS_LOG_DAYS") - dt.timedelta(days=1)
    for minutes in range(5):
        AccessLog.objects.create(
            user=owner,
            contact=protected,
            surface="web",
            viewed_at=old - dt.timedelta(minutes=minutes),
        )

    result = retention.prune(now=NOW)

    assert (result.deleted["contacts.accesslog"], result.batches["contacts.accesslog"]) == (5, 3)
    assert AccessLog.objects.exists() is False


def test_the_plan_counts_exactly_what_the_prune_deletes(owner, protected):
    old = cutoff("RETENTION_NOTIFICATIONS_DAYS") - dt.timedelta(days=1)
    AccessLog.objects.create(
        user=owner, contact=protected, surface="web", viewed_at=NOW - dt.timedelta(days=800)
    )
    for n in range(3):
        Notification.objects.create(
            kind="digest", recipient=owner, key=f"d{n}", subject="x", created_at=old, sent_at=old
        )

    plan = {row.key: row.count for row in retention.plan(now=NOW)}
    result = retention.prune(now=NOW)

    assert {key: count for key, count in plan.items() if count} == {
        "contacts.accesslog": 1,
        "contacts.notification": 3,
    }
    assert _keys_pruned(result) == {"contacts.accesslog": 1, "contacts.notification": 3}


def test_the_command_counts_with_dry_run_and_prunes_without(owner, protected):
    long_ago = timezone.now() - dt.timedelta(days=DAYS["RETENTION_ACCESS_LOG_DAYS"] + 1)
    AccessLog.objects.create(user=owner, contact=protected, surface="web", viewed_at=long_ago)
    dry_run, pruned = io.StringIO(), io.StringIO()

    call_command("prune_retention", dry_run=True, stdout=dry_run)
    counted = AccessLog.objects.count()
    call_command("prune_retention", batch_size=10, stdout=pruned)

    assert "contacts.accesslog: 1 to prune (RETENTION_ACCESS_LOG_DAYS" in dry_run.getvalue()
    assert counted == 1
    assert "contacts.accesslog: 1 pruned in 1 batches" in pruned.getvalue()
    assert AccessLog.objects.exists() is False


def test_the_command_refuses_a_batch_size_below_one(db):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("prune_retention", "--batch-size", "0")


# Erasure


def test_an_erased_contacts_history_stays_anonymised(owner, admin_user):
    edge = cutoff("RETENTION_HISTORY_DAYS")
    with time_machine.travel(edge - dt.timedelta(days=30), tick=False):
        contact = factories.ContactFactory(
            full_name="Leila Qwertyuiop", notes="Meets us in Amman", owner=owner
        )
        exchange = factories.ExchangeFactory(
            contacts=[contact], officers=[owner], summary="Lunch with Leila Qwertyuiop"
        )
    with time_machine.travel(edge - dt.timedelta(days=20), tick=False):
        contact.email = "leila@press.example"
        contact.save()
        exchange.summary = "Lunch with Leila Qwertyuiop in Amman"
        exchange.save()
    with time_machine.travel(NOW - dt.timedelta(days=2), tick=False):
        privacy.erase_contact(contact_id=contact.pk, user=admin_user, now=timezone.now())

    retention.prune(now=NOW)

    versions = list(Contact.history.filter(id=contact.pk).order_by("history_date"))
    # The versions before the cutoff are gone; the erasure, the newest, stays and names
    # who erased.
    assert [(v.full_name, v.history_user_id) for v in versions] == [
        (f"Erased contact {contact.pk}", admin_user.pk)
    ]
    assert (versions[0].email, versions[0].notes) == ("", "")
    # The exchange's newest version stays, as erasure left it.
    summaries = Exchange.history.filter(id=exchange.pk).values_list("summary", flat=True)
    assert list(summaries) == [privacy.ERASED_TEXT]
    assert ErasureRecord.objects.filter(erased_contact_id=contact.pk).count() == 1


def test_an_erasure_older_than_the_cutoff_is_kept_as_the_newest_version(owner, admin_user):
    edge = cutoff("RETENTION_HISTORY_DAYS")
    with time_machine.travel(edge - dt.timedelta(days=30), tick=False):
        contact = factories.ContactFactory(full_name="Yusuf Asdfghjkl", owner=owner)
    with time_machine.travel(edge - dt.timedelta(days=10), tick=False):
        privacy.erase_contact(contact_id=contact.pk, user=admin_user, now=timezone.now())

    retention.prune(now=NOW)

    erased = Contact.history.get(id=contact.pk)
    assert (erased.full_name, erased.history_type, erased.history_user_id) == (
        f"Erased contact {contact.pk}",
        "~",
        admin_user.pk,
    )
    contact.refresh_from_db()
    assert contact.erased_at is not None
    assert contact.full_name == f"Erased contact {contact.pk}"


# The admin page and the schedule


@pytest.fixture
def old_views(owner, protected):
    long_ago = timezone.now() - dt.timedelta(days=DAYS["RETENTION_ACCESS_LOG_DAYS"] + 30)
    for _ in range(2):
        AccessLog.objects.create(user=owner, contact=protected, surface="web", viewed_at=long_ago)


def test_the_retention_page_shows_a_superuser_the_counts(client, admin_user, old_views):
    client.force_login(admin_user)

    response = client.get(reverse("admin:retention"))
    index = client.get(reverse("admin:index"))

    assert response.status_code == 200
    rows = {row.key: row for row in response.context["rows"]}
    assert rows["contacts.accesslog"].count == 2
    assert rows["contacts.accesslog"].days == DAYS["RETENTION_ACCESS_LOG_DAYS"]
    assert response.context["next_run"] is not None
    page = response.content.decode()
    assert 'id="retention-contacts.accesslog"' in page
    assert "Olga Protected" not in page
    assert reverse("admin:retention") in index.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer", 302),  # not staff: to the admin's sign-in page
        ("staff_admin", 403),  # staff with the admin role, not a superuser
    ],
)
def test_the_retention_page_is_refused_to_anyone_but_a_superuser(
    client, owner, old_views, who, status
):
    user = owner
    if who == "staff_admin":
        user = factories.UserFactory(username="staffadmin", roles=["admin"], is_staff=True)
    client.force_login(user)

    response = client.get(reverse("admin:retention"))

    assert response.status_code == status
    assert b"Views of protected contacts" not in response.content
    assert AccessLog.objects.count() == 2
    if who == "staff_admin":
        index = client.get(reverse("admin:index"))
        assert reverse("admin:retention") not in index.content.decode()


def test_the_prune_is_on_the_nightly_schedule_after_the_backup(db):
    prune = PeriodicTask.objects.get(task="trackii.prune_retention")
    backup = PeriodicTask.objects.get(task="trackii.backup")

    assert (prune.enabled, prune.crontab.hour, prune.crontab.minute) == (True, "3", "0")
    assert (backup.enabled, backup.crontab.hour, backup.crontab.minute) == (True, "2", "0")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_nightly_prune_runs_on_a_worker(broker_url, owner, protected):  # noqa: F811
    now = timezone.now()
    old = AccessLog.objects.create(
        user=owner, contact=protected, surface="web", viewed_at=now - dt.timedelta(days=31)
    )
    young = AccessLog.objects.create(
        user=owner, contact=protected, surface="web", viewed_at=now - dt.timedelta(days=29)
    )
    environment = worker_environment(broker_url=broker_url, RETENTION_ACCESS_LOG_DAYS="30")

    with running_worker(environment=environment) as worker:
        result = prune_retention.apply_async()
        worker.wait_for_task("trackii.prune_retention", result.id)

    assert list(AccessLog.objects.values_list("pk", flat=True)) == [young.pk]
    assert AccessLog.objects.filter(pk=old.pk).exists() is False
