"""E-mails a lead can live with: escalations batched per lead (or folded into the digest),
people named by their full names, times in the recipient's zone, absolute links, a plain
and an HTML part, and no digest for whoever turned digests off."""

import datetime as dt

import pytest
from django.core import mail

from contacts import notifications, services
from contacts.models import Channel, Notification, OfficerProfile, Reminder, Sensitivity
from tests import factories

UTC = dt.UTC
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)
# 2 March 2026, 06:00 UTC: 08:00 in Jerusalem (UTC+2), 01:00 in New York (UTC-5).
MORNING = dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://track2.example.org"
    settings.ESCALATION_DELIVERY = "batched"
    settings.ESCALATION_WINDOW_MINUTES = 60


@pytest.fixture
def officer(press_team):
    user = factories.UserFactory(
        username="u4711", first_name="Dana", last_name="Levi", roles=["officer"], teams=[press_team]
    )
    OfficerProfile.objects.create(user=user, timezone="Asia/Jerusalem", digest_hour=8)
    return user


@pytest.fixture
def second_officer(press_team):
    return factories.UserFactory(
        username="u4713",
        first_name="Samuel",
        last_name="Cohen",
        roles=["officer"],
        teams=[press_team],
    )


@pytest.fixture
def team_lead(press_team):
    user = factories.UserFactory(
        username="u4712", first_name="Lea", last_name="Goldberg", roles=["lead"], teams=[press_team]
    )
    OfficerProfile.objects.create(user=user, timezone="America/New_York", digest_hour=1)
    return user


def _key_channel(officer, days_overdue, *, name=None, **fields):
    contact = factories.ContactFactory(owner=officer, **({"full_name": name} if name else {}))
    return factories.ChannelFactory(
        contact=contact,
        officer=officer,
        priority=Channel.Priority.KEY,
        cadence_days=30,
        created_at=MORNING - (30 + days_overdue) * DAY,
        **fields,
    )


def _escalation_mail(lead):
    return [message for message in mail.outbox if message.to == [lead.email]]


# Batched escalations


def test_many_overdue_key_channels_make_one_email_per_lead(officer, second_officer, team_lead):
    for number in range(17):
        _key_channel(officer if number % 2 else second_officer, 10 + number)
    services.sweep_reminders(now=MORNING)

    assert notifications.send_escalations(now=MORNING) == 1

    [message] = mail.outbox
    assert message.to == ["u4712@mission.example"]
    assert message.subject == "Track II: 17 key channels overdue — Samuel Cohen, Dana Levi"
    assert message.body.count("held by ") == 17
    told = Notification.objects.filter(kind=Notification.Kind.ESCALATION, recipient=team_lead)
    assert told.filter(key__startswith="reminder:").count() == 17
    assert told.get(key__startswith="window:").reminder_count == 17


def test_within_a_window_a_lead_gets_one_email_and_later_ones_wait(officer, team_lead):
    _key_channel(officer, 10, name="First Fira")
    services.sweep_reminders(now=MORNING)
    assert notifications.send_escalations(now=MORNING) == 1

    # 15 minutes later another key channel passes the threshold: the window is taken.
    _key_channel(officer, 10, name="Second Sara")
    services.sweep_reminders(now=MORNING + 15 * MINUTE)
    assert notifications.send_escalations(now=MORNING + 15 * MINUTE) == 0
    assert notifications.send_escalations(now=MORNING + 45 * MINUTE) == 0

    # The next window tells of the new one only; the first is never told again.
    assert notifications.send_escalations(now=MORNING + HOUR) == 1
    first, second = _escalation_mail(team_lead)
    assert "First Fira" in first.body
    assert "Second Sara" in second.body
    assert "First Fira" not in second.body
    assert second.subject == "Track II: key channel overdue — Dana Levi"
    assert notifications.send_escalations(now=MORNING + 2 * HOUR) == 0


def test_a_batch_leaves_out_what_the_lead_may_not_see(officer, team_lead):
    _key_channel(officer, 10, name="Open Olga")
    source = factories.ContactFactory(
        full_name="Secret Sveta", owner=officer, sensitivity=Sensitivity.PROTECTED
    )
    factories.ChannelFactory(
        contact=source,
        officer=officer,
        priority=Channel.Priority.KEY,
        created_at=MORNING - 50 * DAY,
    )
    services.sweep_reminders(now=MORNING)

    assert notifications.send_escalations(now=MORNING) == 1

    [message] = mail.outbox
    assert "Open Olga" in message.body
    assert "Secret Sveta" not in message.body
    assert "Secret Sveta" not in message.alternatives[0][0]
    assert message.subject == "Track II: key channel overdue — Dana Levi"


def test_a_failed_batch_releases_every_claim_so_a_retry_sends_it(officer, team_lead, settings):
    _key_channel(officer, 10)
    _key_channel(officer, 12)
    services.sweep_reminders(now=MORNING)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    with pytest.raises(ConnectionRefusedError):
        notifications.send_escalations(now=MORNING)
    assert Notification.objects.exists() is False

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.send_escalations(now=MORNING + MINUTE) == 1
    assert mail.outbox[0].body.count("held by ") == 2


# Escalations in the digest


def test_in_digest_mode_escalations_go_into_the_leads_digest(officer, team_lead, settings):
    settings.ESCALATION_DELIVERY = "digest"
    for days in (10, 11, 12):
        _key_channel(officer, days)
    services.sweep_reminders(now=MORNING)

    result = notifications.send_notifications(now=MORNING)

    # 08:00 in Jerusalem: Dana's digest; 01:00 in New York: Lea's, with the escalations.
    assert result == notifications.NotificationResult(digests=2, escalations=0)
    lead_digest = _escalation_mail(team_lead)[0]
    assert lead_digest.subject == "Track II: 3 key channels of your officers overdue"
    assert lead_digest.body.count("held by Dana Levi") == 3
    assert "https://track2.example.org/account/" in lead_digest.body


def test_in_digest_mode_a_lead_without_digests_still_gets_escalations(officer, team_lead, settings):
    settings.ESCALATION_DELIVERY = "digest"
    OfficerProfile.objects.filter(user=team_lead).update(receives_digests=False)
    _key_channel(officer, 10)
    services.sweep_reminders(now=MORNING)

    assert notifications.send_notifications(now=MORNING).escalations == 1
    [message] = _escalation_mail(team_lead)
    assert message.subject == "Track II: key channel overdue — Dana Levi"


# Names, zones, links, parts


def test_subjects_and_bodies_name_people_not_usernames(officer, team_lead):
    _key_channel(officer, 10, name="Anna Zuid")
    services.sweep_reminders(now=MORNING)

    notifications.send_notifications(now=MORNING)

    digest, escalation = sorted(mail.outbox, key=lambda message: message.to)
    assert digest.to == ["u4711@mission.example"]
    assert digest.body.startswith("Good morning Dana Levi,")
    assert escalation.body.startswith("Dear Lea Goldberg,")
    assert "Anna Zuid, held by Dana Levi" in escalation.body
    for message in mail.outbox:
        html = message.alternatives[0][0]
        for username in ("u4711", "u4712"):
            assert username not in message.subject
            assert username not in message.body.replace("@mission.example", "")
            assert username not in html


def test_times_are_in_the_recipients_zone(officer, team_lead):
    channel = _key_channel(officer, 10)
    services.sweep_reminders(now=MORNING)
    due_at = Reminder.objects.get(channel=channel).due_at
    assert due_at == dt.datetime(2026, 2, 20, 6, 0, tzinfo=UTC)

    notifications.send_notifications(now=MORNING)

    digest, escalation = sorted(mail.outbox, key=lambda message: message.to)
    assert "due 20 Feb 2026, 08:00 IST" in digest.body
    assert "due 20 Feb 2026, 08:00 IST" in digest.alternatives[0][0]
    assert "due since 20 Feb 2026, 01:00 EST" in escalation.body
    assert "Times are in America/New_York." in escalation.body


def test_links_are_absolute_and_both_parts_are_sent(officer, team_lead):
    channel = _key_channel(officer, 10)
    services.sweep_reminders(now=MORNING)

    notifications.send_notifications(now=MORNING)

    contact_url = f"https://track2.example.org/contacts/{channel.contact_id}/"
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        assert contact_url in message.body
        assert f'href="{contact_url}"' in html
        assert 'href="https://track2.example.org/account/"' in html
        assert 'href="/' not in html


def test_a_digest_links_event_reminders_to_their_event(officer):
    event = factories.EventFactory(title="Round-table on water")
    reminder = Reminder.objects.create(
        kind=Reminder.Kind.EVENT_PREP, recipient=officer, due_at=MORNING - HOUR
    )
    event.reminders.create(reminder=reminder, kind=Reminder.Kind.EVENT_PREP, recipient=officer)

    assert notifications.send_due_digests(now=MORNING) == 1

    assert f"https://track2.example.org/events/{event.pk}/" in mail.outbox[0].body


# Opting out


def test_a_user_who_turned_digests_off_gets_none(officer, second_officer):
    OfficerProfile.objects.filter(user=officer).update(receives_digests=False)
    OfficerProfile.objects.create(user=second_officer, timezone="Asia/Jerusalem", digest_hour=8)
    factories.ChannelFactory(
        contact=factories.ContactFactory(owner=officer),
        officer=officer,
        created_at=MORNING - 40 * DAY,
    )
    factories.ChannelFactory(
        contact=factories.ContactFactory(owner=second_officer),
        officer=second_officer,
        created_at=MORNING - 40 * DAY,
    )
    services.sweep_reminders(now=MORNING)

    assert notifications.send_due_digests(now=MORNING) == 1

    assert [message.to for message in mail.outbox] == [["u4713@mission.example"]]
    assert Notification.objects.filter(recipient=officer).exists() is False
    assert Reminder.objects.get(recipient=officer).notified_at is None
