"""Daily digests in each officer's zone and hour, and escalations to leads, sent once."""

import datetime as dt

import pytest
from django.core import mail

from contacts import notifications, services
from contacts.models import (
    AccessLog,
    Channel,
    Notification,
    OfficerProfile,
    Reminder,
    Sensitivity,
)
from tests import factories

UTC = dt.UTC
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
# 2 March 2026: Jerusalem is at UTC+2, so 06:00 UTC is 08:00 there.
MORNING = dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


@pytest.fixture
def officer(press_team):
    user = factories.UserFactory(username="dana", roles=["officer"], teams=[press_team])
    OfficerProfile.objects.create(user=user, timezone="Asia/Jerusalem", digest_hour=8)
    return user


def _overdue_channel(officer, days_overdue, **fields):
    fields.setdefault("cadence_days", 30)
    contact = fields.pop("contact", None) or factories.ContactFactory(owner=officer)
    return factories.ChannelFactory(
        contact=contact,
        officer=officer,
        created_at=MORNING - (30 + days_overdue) * DAY,
        **fields,
    )


def test_digest_is_sent_at_the_officers_hour_in_their_zone(officer):
    _overdue_channel(officer, 3)
    services.sweep_reminders(now=MORNING)

    assert notifications.send_due_digests(now=MORNING - HOUR) == 0
    assert notifications.send_due_digests(now=MORNING) == 1

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dana@mission.example"]
    assert message.subject == "Track II: 1 open reminder"
    assert message.alternatives[0][1] == "text/html"
    assert Reminder.objects.get().notified_at == MORNING


def test_one_digest_a_day_however_often_the_task_runs(officer):
    _overdue_channel(officer, 3)
    services.sweep_reminders(now=MORNING)

    for minutes in (0, 15, 30, 45):
        notifications.send_due_digests(now=MORNING + dt.timedelta(minutes=minutes))
    notifications.send_due_digests(now=MORNING + DAY)

    assert len(mail.outbox) == 2
    assert Notification.objects.filter(kind=Notification.Kind.DIGEST).count() == 2
    assert sorted(Notification.objects.values_list("key", flat=True)) == [
        "2026-03-02",
        "2026-03-03",
    ]


def test_no_digest_when_there_is_nothing_open(officer):
    channel = _overdue_channel(officer, 3)
    services.sweep_reminders(now=MORNING)
    services.dismiss_reminder(reminder=Reminder.objects.get(channel=channel), now=MORNING)

    assert notifications.send_due_digests(now=MORNING) == 0
    assert mail.outbox == []
    assert Notification.objects.exists() is False


def test_digest_lists_open_reminders_most_overdue_first(officer):
    for name, days in (("Recent Ruth", 1), ("Oldest Oleg", 20), ("Middle Mira", 5)):
        _overdue_channel(officer, days, contact=factories.ContactFactory(full_name=name))
    services.sweep_reminders(now=MORNING)

    notifications.send_due_digests(now=MORNING)

    body = mail.outbox[0].body
    assert body.index("Oldest Oleg") < body.index("Middle Mira") < body.index("Recent Ruth")
    assert "3 open reminders" in body


def test_digest_without_a_profile_uses_the_server_zone_and_eight_oclock(press_team):
    officer = factories.UserFactory(username="noprofile", roles=["officer"], teams=[press_team])
    _overdue_channel(officer, 2)
    services.sweep_reminders(now=MORNING)

    assert notifications.send_due_digests(now=MORNING) == 0
    assert notifications.send_due_digests(now=MORNING + 2 * HOUR) == 1


def test_a_snoozed_reminder_is_left_out_until_it_comes_back(officer):
    _overdue_channel(officer, 3)
    services.sweep_reminders(now=MORNING - DAY)
    reminder = Reminder.objects.get()
    services.snooze_reminder(reminder=reminder, until=MORNING + DAY - HOUR, now=MORNING)

    assert notifications.send_due_digests(now=MORNING) == 0

    services.sweep_reminders(now=MORNING + DAY)
    assert notifications.send_due_digests(now=MORNING + DAY) == 1


# Escalation


@pytest.fixture
def officers_lead(press_team):
    return factories.UserFactory(username="lea", roles=["lead"], teams=[press_team])


def test_a_key_channel_overdue_beyond_escalation_days_goes_to_the_lead(officer, officers_lead):
    _overdue_channel(officer, 8, priority=Channel.Priority.KEY)
    _overdue_channel(officer, 6, priority=Channel.Priority.KEY)
    _overdue_channel(officer, 30, priority=Channel.Priority.NORMAL)
    services.sweep_reminders(now=MORNING)

    sent = notifications.send_escalations(now=MORNING)

    assert sent == 1
    assert [m.to for m in mail.outbox] == [["lea@mission.example"]]
    assert "dana" in mail.outbox[0].subject


def test_escalation_threshold_scales_with_the_climate(officer, officers_lead):
    factories.ClimateFactory(level="crisis", started_at=MORNING - 60 * DAY)
    # Informal, 40-day cadence: 10 days effective under crisis, escalation after 1.75 days.
    factories.ChannelFactory(
        contact=factories.ContactFactory(owner=officer),
        officer=officer,
        priority=Channel.Priority.KEY,
        cadence_days=40,
        created_at=MORNING - 12 * DAY,
    )
    services.sweep_reminders(now=MORNING)

    assert notifications.send_escalations(now=MORNING - 6 * HOUR) == 0
    assert notifications.send_escalations(now=MORNING) == 1


def test_an_escalation_is_sent_once(officer, officers_lead):
    _overdue_channel(officer, 10, priority=Channel.Priority.KEY)
    services.sweep_reminders(now=MORNING)

    notifications.send_escalations(now=MORNING)
    notifications.send_escalations(now=MORNING + HOUR)

    assert len(mail.outbox) == 1
    escalations = Notification.objects.filter(kind=Notification.Kind.ESCALATION)
    assert escalations.get(key__startswith="window:").sent_at == MORNING
    assert escalations.get(key__startswith="reminder:").sent_at == MORNING


def test_a_lead_is_not_told_about_a_protected_contact_they_may_not_see(officer, officers_lead):
    source = factories.ContactFactory(owner=officer, sensitivity=Sensitivity.PROTECTED)
    _overdue_channel(officer, 10, priority=Channel.Priority.KEY, contact=source)
    services.sweep_reminders(now=MORNING)

    assert notifications.send_escalations(now=MORNING) == 0
    assert mail.outbox == []


def test_a_lead_of_another_team_is_not_told(officer, culture_team):
    factories.UserFactory(username="other-lead", roles=["lead"], teams=[culture_team])
    _overdue_channel(officer, 10, priority=Channel.Priority.KEY)
    services.sweep_reminders(now=MORNING)

    assert notifications.send_escalations(now=MORNING) == 0


def test_a_failed_send_releases_its_claim_so_a_retry_sends_it(officer, settings):
    _overdue_channel(officer, 3)
    services.sweep_reminders(now=MORNING)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    with pytest.raises(ConnectionRefusedError):
        notifications.send_due_digests(now=MORNING)
    assert Notification.objects.exists() is False

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.send_due_digests(now=MORNING) == 1


def test_a_claim_left_unsent_by_a_dead_task_is_taken_over_and_sent_once(officer):
    _overdue_channel(officer, 3)
    services.sweep_reminders(now=MORNING)
    # A task claimed the digest at 08:00 and was killed before sending it.
    day = MORNING.astimezone(dt.timezone(dt.timedelta(hours=2))).date().isoformat()
    orphan = Notification.objects.create(
        kind=Notification.Kind.DIGEST, recipient=officer, key=day, subject="", created_at=MORNING
    )

    # 08:05: that task might still be running; 08:15: it is certainly gone.
    assert notifications.send_due_digests(now=MORNING + dt.timedelta(minutes=5)) == 0
    assert notifications.send_due_digests(now=MORNING + dt.timedelta(minutes=15)) == 1
    assert notifications.send_due_digests(now=MORNING + dt.timedelta(minutes=30)) == 0

    assert len(mail.outbox) == 1
    orphan.refresh_from_db()
    assert orphan.sent_at == MORNING + dt.timedelta(minutes=15)
    assert (orphan.subject, orphan.reminder_count) == ("Track II: 1 open reminder", 1)


# The access log: an e-mail that names a protected contact is a view by its recipient


def _email_views():
    entries = AccessLog.objects.filter(surface=AccessLog.Surface.EMAIL).order_by("pk")
    return list(entries.values_list("user", "contact", "viewed_at"))


def test_a_digest_naming_a_protected_contact_is_in_the_access_log_once(officer):
    source = factories.ContactFactory(owner=officer, sensitivity=Sensitivity.PROTECTED)
    _overdue_channel(officer, 3, contact=source)
    _overdue_channel(officer, 4)  # a standard contact: no entry
    services.sweep_reminders(now=MORNING)

    notifications.send_due_digests(now=MORNING)
    notifications.send_due_digests(now=MORNING + dt.timedelta(minutes=15))  # sent already

    assert len(mail.outbox) == 1
    assert source.full_name in mail.outbox[0].body
    assert _email_views() == [(officer.pk, source.pk, MORNING)]


def test_an_escalation_naming_a_protected_contact_is_in_the_leads_access_log(
    officer, officers_lead
):
    source = factories.ContactFactory(owner=officer, sensitivity=Sensitivity.PROTECTED)
    factories.GrantFactory(contact=source, user=officers_lead)
    _overdue_channel(officer, 10, priority=Channel.Priority.KEY, contact=source)
    _overdue_channel(officer, 9, priority=Channel.Priority.KEY)
    services.sweep_reminders(now=MORNING)

    assert notifications.send_escalations(now=MORNING) == 1
    notifications.send_escalations(now=MORNING + HOUR)  # told already

    assert source.full_name in mail.outbox[0].body
    assert _email_views() == [(officers_lead.pk, source.pk, MORNING)]


def test_an_e_mail_that_did_not_leave_is_not_in_the_access_log(officer, settings):
    source = factories.ContactFactory(owner=officer, sensitivity=Sensitivity.PROTECTED)
    _overdue_channel(officer, 3, contact=source)
    services.sweep_reminders(now=MORNING)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    with pytest.raises(ConnectionRefusedError):
        notifications.send_due_digests(now=MORNING)

    assert _email_views() == []


def test_a_follow_up_in_the_digest_is_due_on_its_own_day_in_the_officers_zone(press_team):
    """Midnight UTC of 1 March is 28 February, 19:00 in New York: the day asked for shows."""
    user = factories.UserFactory(username="noa", roles=["officer"], teams=[press_team])
    OfficerProfile.objects.create(user=user, timezone="America/New_York", digest_hour=8)
    exchange = factories.ExchangeFactory(
        contacts=[factories.ContactFactory(owner=user)],
        officers=[user],
        summary="Send the report.",
        follow_up_on=dt.date(2026, 3, 1),
    )
    factories.ReminderFactory(
        kind=Reminder.Kind.FOLLOW_UP,
        channel=None,
        exchange=exchange,
        recipient=user,
        due_at=dt.datetime(2026, 3, 1, tzinfo=UTC),
    )

    # 08:00 in New York on 2 March.
    assert notifications.send_due_digests(now=dt.datetime(2026, 3, 2, 13, 0, tzinfo=UTC)) == 1

    text, html = mail.outbox[0].body, mail.outbox[0].alternatives[0][0]
    assert "due 1 Mar 2026" in text
    assert "due 1 Mar 2026" in html
    assert "28 Feb" not in text + html
