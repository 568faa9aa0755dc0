"""The keep-in-touch rules of DESIGN.md, to the hour, on PostgreSQL.

Time is passed in (``now``) rather than frozen: every datetime here is aware and fixed.
"""

import datetime as dt

import pytest
from django.core.management import call_command

from contacts import services
from contacts.errors import DomainError, InvalidReminderTransition
from contacts.models import Channel, Exchange, Reminder
from tests import factories

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def _channel(**fields):
    fields.setdefault("created_at", NOW - 100 * DAY)
    return factories.ChannelFactory(**fields)


def _due(channel, now=NOW):
    return Channel.objects.with_due(now).get(pk=channel.pk)


def _log(channel, occurred_at, now=NOW, **fields):
    return services.log_exchange(
        occurred_at=occurred_at,
        kind=Exchange.Kind.CALL,
        contacts=[channel.contact],
        officers=[channel.officer],
        summary="Call about the spring festival.",
        now=now,
        **fields,
    )


def _climate(level, started_at=NOW - 10 * DAY):
    return factories.ClimateFactory(level=level, started_at=started_at)


# Cadence and next due


def test_a_never_touched_channel_counts_from_its_creation(db):
    channel = _channel(cadence_days=30, created_at=NOW - 30 * DAY)

    assert _due(channel).next_due_at == NOW
    assert _due(channel).overdue is True
    assert _due(channel, NOW - dt.timedelta(seconds=1)).overdue is False


def test_next_due_is_the_last_touch_plus_the_cadence(db):
    channel = _channel(cadence_days=30)
    touched_at = NOW - 3 * DAY

    _log(channel, touched_at)

    annotated = _due(channel)
    assert annotated.last_touch_at == touched_at
    assert annotated.next_due_at == touched_at + 30 * DAY
    assert annotated.overdue is False


@pytest.mark.parametrize(
    ("level", "effective"),
    [
        ("normal", 45 * DAY),
        ("elevated", 33 * DAY + 18 * HOUR),
        ("high", 22 * DAY + 12 * HOUR),
        ("crisis", 11 * DAY + 6 * HOUR),
    ],
)
def test_climate_scales_informal_cadence_and_keeps_fractions_as_hours(db, level, effective):
    _climate(level)
    informal = _channel(kind=Channel.Kind.INFORMAL, cadence_days=45, created_at=NOW - 50 * DAY)

    assert _due(informal).next_due_at == NOW - 50 * DAY + effective


@pytest.mark.parametrize("level", ["normal", "elevated", "high", "crisis"])
def test_formal_channels_ignore_the_climate(db, level):
    _climate(level)
    formal = _channel(kind=Channel.Kind.FORMAL, cadence_days=45, created_at=NOW - 50 * DAY)

    assert _due(formal).next_due_at == NOW - 5 * DAY


def test_a_change_of_climate_moves_every_informal_channel_at_once(db):
    informal = [_channel(cadence_days=20, created_at=NOW - 12 * DAY) for _ in range(3)]
    formal = _channel(kind=Channel.Kind.FORMAL, cadence_days=20, created_at=NOW - 12 * DAY)
    assert Channel.objects.overdue(NOW).count() == 0

    _climate("high", started_at=NOW - HOUR)

    assert set(Channel.objects.overdue(NOW)) == set(informal)
    assert _due(formal).overdue is False


def test_no_climate_record_means_normal(db):
    channel = _channel(cadence_days=10, created_at=NOW - 9 * DAY)

    assert _due(channel).next_due_at == NOW + DAY


@pytest.mark.parametrize("status", [Channel.Status.PAUSED, Channel.Status.CLOSED])
def test_paused_and_closed_channels_are_never_overdue(db, status):
    channel = _channel(cadence_days=10, created_at=NOW - 90 * DAY, status=status)

    assert _due(channel).overdue is False
    assert Channel.objects.overdue(NOW).exists() is False


# Touches


def test_an_exchange_touches_only_channels_that_pair_its_officers_and_contacts(db):
    channel = _channel(cadence_days=30)
    colleague = factories.UserFactory(roles=["officer"])
    other = _channel(contact=channel.contact, officer=colleague, cadence_days=30)

    _log(channel, NOW - DAY)

    assert _due(channel).last_touch_at == NOW - DAY
    assert _due(other).last_touch_at is None


def test_an_exchange_with_several_people_touches_every_pair(db):
    first, second = _channel(), _channel()
    services.log_exchange(
        occurred_at=NOW - HOUR,
        kind=Exchange.Kind.MEETING,
        contacts=[first.contact, second.contact],
        officers=[first.officer, second.officer],
        summary="Round-table dinner.",
        now=NOW,
    )

    assert Channel.objects.filter(last_touch_at=NOW - HOUR).count() == 2


def test_an_older_exchange_does_not_move_the_last_touch_back(db):
    channel = _channel()
    _log(channel, NOW - DAY)

    _log(channel, NOW - 10 * DAY)

    assert _due(channel).last_touch_at == NOW - DAY


def test_deleting_the_latest_exchange_moves_the_last_touch_back(db):
    channel = _channel()
    _log(channel, NOW - 10 * DAY)
    latest = _log(channel, NOW - DAY)

    latest.delete()
    services.record_touches(
        contact_ids=[channel.contact_id], officer_ids=[channel.officer_id], now=NOW
    )

    assert _due(channel).last_touch_at == NOW - 10 * DAY


def test_an_event_exchange_counts_as_a_touch(db):
    channel = _channel(cadence_days=30)

    services.log_exchange(
        occurred_at=NOW - 2 * HOUR,
        kind=Exchange.Kind.EVENT,
        contacts=[channel.contact],
        officers=[channel.officer],
        summary="Attended the film evening.",
        now=NOW,
    )

    assert _due(channel).next_due_at == NOW - 2 * HOUR + 30 * DAY


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"contacts": []}, "contacts"),
        ({"officers": []}, "officers"),
        ({"occurred_at": NOW + DAY}, "occurred_at"),
    ],
)
def test_an_invalid_exchange_is_refused_and_stores_nothing(db, fields, field):
    channel = _channel()
    arguments = {
        "occurred_at": NOW - HOUR,
        "kind": Exchange.Kind.CALL,
        "contacts": [channel.contact],
        "officers": [channel.officer],
        "summary": "Call.",
        "now": NOW,
    }

    with pytest.raises(DomainError) as refused:
        services.log_exchange(**{**arguments, **fields})

    assert refused.value.field == field
    assert Exchange.objects.exists() is False
    assert _due(channel).last_touch_at is None


# The sweep


def test_the_sweep_creates_one_channel_due_reminder_per_overdue_channel(db):
    overdue = [_channel(cadence_days=30, created_at=NOW - 31 * DAY) for _ in range(3)]
    _channel(cadence_days=30, created_at=NOW - 29 * DAY)

    result = services.sweep_reminders(now=NOW)

    assert result.channel_due == 3
    reminders = Reminder.objects.filter(kind=Reminder.Kind.CHANNEL_DUE)
    assert {r.channel for r in reminders} == set(overdue)
    reminder = reminders.get(channel=overdue[0])
    assert reminder.status == Reminder.Status.OPEN
    assert reminder.recipient == overdue[0].officer
    assert reminder.due_at == NOW - DAY
    assert reminder.created_at == NOW


def test_the_sweep_is_idempotent(db):
    _channel(cadence_days=30, created_at=NOW - 31 * DAY)

    services.sweep_reminders(now=NOW)
    second = services.sweep_reminders(now=NOW + HOUR)

    assert second.channel_due == 0
    assert Reminder.objects.count() == 1


def test_the_sweep_respects_a_snoozed_reminder_and_replaces_a_closed_one(db):
    snoozed = _channel(cadence_days=5)
    closed = _channel(cadence_days=5)
    factories.ReminderFactory(
        channel=snoozed, status=Reminder.Status.SNOOZED, snoozed_until=NOW + DAY
    )
    factories.ReminderFactory(channel=closed, status=Reminder.Status.RESOLVED)

    result = services.sweep_reminders(now=NOW)

    assert result.channel_due == 1
    assert Reminder.objects.filter(channel=closed, status=Reminder.Status.OPEN).count() == 1
    assert Reminder.objects.filter(channel=snoozed).count() == 1


def test_the_sweep_uses_the_climate_in_force(db):
    channel = _channel(cadence_days=20, created_at=NOW - 12 * DAY)
    assert services.sweep_reminders(now=NOW).channel_due == 0

    _climate("high", started_at=NOW - HOUR)

    assert services.sweep_reminders(now=NOW).channel_due == 1
    assert Reminder.objects.get().due_at == channel.created_at + 10 * DAY


def test_sweep_reminders_command_runs_the_sweep_once(db, capsys):
    _channel(cadence_days=1, created_at=NOW - 400 * DAY)

    call_command("sweep_reminders")

    assert "created 1 channel_due" in capsys.readouterr().out
    assert Reminder.objects.filter(kind=Reminder.Kind.CHANNEL_DUE).count() == 1


# Resolution by an exchange


def test_an_exchange_resolves_the_reminder_it_makes_no_longer_due(db):
    channel = _channel(cadence_days=30, created_at=NOW - 40 * DAY)
    services.sweep_reminders(now=NOW)

    _log(channel, NOW - HOUR)

    reminder = Reminder.objects.get(channel=channel)
    assert reminder.status == Reminder.Status.RESOLVED
    assert reminder.closed_at == NOW


def test_a_backdated_exchange_that_leaves_the_channel_overdue_resolves_nothing(db):
    channel = _channel(cadence_days=30, created_at=NOW - 90 * DAY)
    services.sweep_reminders(now=NOW)

    _log(channel, NOW - 45 * DAY)

    assert Reminder.objects.get(channel=channel).status == Reminder.Status.OPEN


def test_an_exchange_resolves_a_snoozed_reminder_too(db):
    channel = _channel(cadence_days=30, created_at=NOW - 40 * DAY)
    reminder = factories.ReminderFactory(
        channel=channel, status=Reminder.Status.SNOOZED, snoozed_until=NOW + DAY
    )

    _log(channel, NOW - HOUR)

    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.RESOLVED


# Snooze, dismiss, resolve


def test_a_snoozed_reminder_comes_back_open_when_its_time_passes(db):
    channel = _channel(cadence_days=30, created_at=NOW - 40 * DAY)
    services.sweep_reminders(now=NOW)
    reminder = Reminder.objects.get(channel=channel)
    Reminder.objects.filter(pk=reminder.pk).update(notified_at=NOW)

    services.snooze_reminder(reminder=reminder, until=NOW + 2 * DAY, now=NOW)
    before = services.sweep_reminders(now=NOW + DAY)
    reminder.refresh_from_db()
    assert (before.reopened, reminder.status) == (0, Reminder.Status.SNOOZED)

    after = services.sweep_reminders(now=NOW + 2 * DAY)

    reminder.refresh_from_db()
    assert after.reopened == 1
    assert after.channel_due == 0
    assert reminder.status == Reminder.Status.OPEN
    assert reminder.snoozed_until is None
    assert reminder.notified_at is None
    assert Reminder.objects.filter(channel=channel).count() == 1


def test_snoozing_into_the_past_is_refused(db):
    reminder = factories.ReminderFactory()

    with pytest.raises(DomainError) as refused:
        services.snooze_reminder(reminder=reminder, until=NOW - HOUR, now=NOW)

    assert refused.value.field == "until"
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.OPEN


@pytest.mark.parametrize("status", [Reminder.Status.RESOLVED, Reminder.Status.DISMISSED])
def test_a_closed_reminder_cannot_be_snoozed_or_dismissed(db, status):
    reminder = factories.ReminderFactory(status=status)

    with pytest.raises(InvalidReminderTransition):
        services.snooze_reminder(reminder=reminder, until=NOW + DAY, now=NOW)
    with pytest.raises(InvalidReminderTransition):
        services.dismiss_reminder(reminder=reminder, now=NOW)

    reminder.refresh_from_db()
    assert reminder.status == status


def test_dismissing_restarts_the_channel_count_from_the_dismissal(db):
    channel = _channel(cadence_days=30, created_at=NOW - 40 * DAY)
    services.sweep_reminders(now=NOW)
    reminder = Reminder.objects.get(channel=channel)

    services.dismiss_reminder(reminder=reminder, now=NOW)

    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.DISMISSED
    assert _due(channel).next_due_at == NOW + 30 * DAY
    assert services.sweep_reminders(now=NOW + 29 * DAY).channel_due == 0
    assert services.sweep_reminders(now=NOW + 30 * DAY).channel_due == 1


def test_a_touch_after_a_dismissal_counts_from_the_touch(db):
    channel = _channel(cadence_days=30, created_at=NOW - 40 * DAY)
    reminder = factories.ReminderFactory(channel=channel)
    services.dismiss_reminder(reminder=reminder, now=NOW - 5 * DAY)

    _log(channel, NOW - DAY)

    assert _due(channel).next_due_at == NOW - DAY + 30 * DAY


# Follow-ups


def test_the_sweep_creates_a_follow_up_reminder_per_officer_when_the_day_comes(db):
    channel = _channel()
    colleague = factories.UserFactory(roles=["officer"])
    exchange = services.log_exchange(
        occurred_at=NOW - 7 * DAY,
        kind=Exchange.Kind.MEETING,
        contacts=[channel.contact],
        officers=[channel.officer, colleague],
        summary="Lunch; promised to send the residency call.",
        follow_up_on=NOW.date() + DAY,
        now=NOW - 7 * DAY,
    )

    assert services.sweep_reminders(now=NOW).follow_ups == 0
    assert services.sweep_reminders(now=NOW + DAY).follow_ups == 2
    assert services.sweep_reminders(now=NOW + 2 * DAY).follow_ups == 0

    follow_ups = Reminder.objects.filter(kind=Reminder.Kind.FOLLOW_UP, exchange=exchange)
    assert {r.recipient for r in follow_ups} == {channel.officer, colleague}
    assert follow_ups.first().due_at == dt.datetime(2026, 3, 3, tzinfo=UTC)


def test_a_dismissed_follow_up_is_not_recreated(db):
    channel = _channel()
    _log(channel, NOW - DAY, now=NOW - DAY, follow_up_on=NOW.date())
    services.sweep_reminders(now=NOW)
    reminder = Reminder.objects.get(kind=Reminder.Kind.FOLLOW_UP)

    services.dismiss_reminder(reminder=reminder, now=NOW)

    assert services.sweep_reminders(now=NOW + DAY).follow_ups == 0
    assert _due(channel).count_restarted_at is None
