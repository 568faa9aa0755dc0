"""Reminder actions on the web pages: snooze and dismiss, with htmx or without, only by the
reminder's recipient.

The views read the clock, so channels are made overdue by creating them 60 days ago (a
30-day cadence), and reminders are snoozed relative to ``timezone.now()``.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import OfficerProfile, Reminder
from events.models import EventReminder
from tests import factories
from tests.contacts.pages import HTMX, overdue_channel
from tests.pages import messages_of, page_text

# Reminder actions


def test_an_htmx_snooze_answers_the_updated_row(client, owner, standard):
    reminder = factories.ReminderFactory(channel=overdue_channel(owner, standard))
    client.force_login(owner)
    before = timezone.now()

    response = client.post(
        reverse("contacts:reminder_snooze", args=[reminder.pk]), {"days": "1"}, **HTMX
    )

    assert response.status_code == 200
    # The row alone (and the partials it includes), never the whole page.
    templates = [template.name for template in response.templates]
    assert templates[0] == "contacts/_reminder_row.html"
    assert all(name.split("/")[-1].startswith("_") for name in templates), templates
    body = page_text(response).strip()
    assert body.startswith(f'<li id="reminder-{reminder.pk}"')
    assert "Anna Standardova" in body
    assert "snoozed until" in body
    assert body.count('<input type="hidden" name="next" value="/">') == 2
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SNOOZED
    assert before + dt.timedelta(days=1) <= reminder.snoozed_until
    assert reminder.snoozed_until <= timezone.now() + dt.timedelta(days=1)


def test_snoozing_until_a_time_reads_it_in_the_users_zone(client, owner, standard):
    OfficerProfile.objects.create(user=owner, timezone="Asia/Jerusalem")
    reminder = factories.ReminderFactory(channel=overdue_channel(owner, standard))
    client.force_login(owner)

    client.post(
        reverse("contacts:reminder_snooze", args=[reminder.pk]),
        {"until": "2099-01-01T10:00"},
        **HTMX,
    )

    reminder.refresh_from_db()
    assert reminder.snoozed_until == dt.datetime(2099, 1, 1, 8, 0, tzinfo=dt.UTC)


def test_snoozing_into_the_past_answers_the_row_with_the_error(client, owner, standard):
    reminder = factories.ReminderFactory(channel=overdue_channel(owner, standard))
    client.force_login(owner)

    response = client.post(
        reverse("contacts:reminder_snooze", args=[reminder.pk]),
        {"until": "2001-01-01T10:00"},
        **HTMX,
    )

    assert response.status_code == 200
    assert "Snooze until a time in the future." in page_text(response)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.snoozed_until) == (Reminder.Status.OPEN, None)


def test_a_snooze_without_htmx_redirects_back_to_next(client, owner, standard):
    reminder = factories.ReminderFactory(channel=overdue_channel(owner, standard))
    client.force_login(owner)

    response = client.post(
        reverse("contacts:reminder_snooze", args=[reminder.pk]), {"days": "7", "next": "/"}
    )

    assert (response.status_code, response.url) == (302, "/")
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SNOOZED
    assert messages_of(response) == ["Reminder snoozed."]


def test_an_htmx_dismiss_answers_an_empty_200_and_restarts_the_count(client, owner, standard):
    channel = overdue_channel(owner, standard)
    reminder = factories.ReminderFactory(channel=channel)
    client.force_login(owner)

    response = client.post(reverse("contacts:reminder_dismiss", args=[reminder.pk]), **HTMX)

    assert (response.status_code, response.content) == (200, b"")
    reminder.refresh_from_db()
    channel.refresh_from_db()
    assert reminder.status == Reminder.Status.DISMISSED
    assert channel.count_restarted_at == reminder.closed_at


def test_a_dismiss_without_htmx_redirects_and_an_unsafe_next_goes_home(client, owner, standard):
    reminder = factories.ReminderFactory(channel=overdue_channel(owner, standard))
    client.force_login(owner)

    response = client.post(
        reverse("contacts:reminder_dismiss", args=[reminder.pk]),
        {"next": "//evil.example/"},
    )

    assert (response.status_code, response.url) == (302, "/")
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.DISMISSED


def test_dismissing_a_closed_reminder_answers_the_row_with_the_error(client, owner, standard):
    reminder = factories.ReminderFactory(
        channel=overdue_channel(owner, standard), status=Reminder.Status.RESOLVED
    )
    client.force_login(owner)

    response = client.post(reverse("contacts:reminder_dismiss", args=[reminder.pk]), **HTMX)

    assert response.status_code == 200
    assert "Only an open or snoozed reminder can be dismissed." in page_text(response)
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.RESOLVED


@pytest.mark.parametrize("persona", ["teammate", "lead", "outsider"])
def test_someone_elses_reminder_is_404_and_unchanged(client, request, owner, standard, persona):
    reminder = factories.ReminderFactory(channel=overdue_channel(owner, standard))
    client.force_login(request.getfixturevalue(persona))

    snoozed = client.post(
        reverse("contacts:reminder_snooze", args=[reminder.pk]), {"days": "1"}, **HTMX
    )
    dismissed = client.post(reverse("contacts:reminder_dismiss", args=[reminder.pk]), **HTMX)

    assert (snoozed.status_code, dismissed.status_code) == (404, 404)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.snoozed_until) == (Reminder.Status.OPEN, None)


def test_a_reminder_about_a_contact_no_longer_visible_is_404(client, owner, teammate, protected):
    # A channel kept with a protected contact the officer may not see (a revoked grant).
    reminder = factories.ReminderFactory(
        channel=factories.ChannelFactory(officer=teammate, contact=protected)
    )
    client.force_login(teammate)

    response = client.post(reverse("contacts:reminder_dismiss", args=[reminder.pk]), **HTMX)

    assert response.status_code == 404
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.OPEN


def test_the_row_names_the_exchange_or_the_event_of_a_reminder(client, owner, standard):
    exchange = factories.ExchangeFactory(
        contacts=[standard], officers=[owner], summary="Promised to send the report."
    )
    follow_up = factories.ReminderFactory(
        kind=Reminder.Kind.FOLLOW_UP, channel=None, exchange=exchange, recipient=owner
    )
    event = factories.EventFactory(title="Media Breakfast")
    rsvp_chase = factories.ReminderFactory(
        kind=Reminder.Kind.RSVP_CHASE, channel=None, recipient=owner
    )
    EventReminder.objects.create(
        reminder=rsvp_chase, event=event, kind=rsvp_chase.kind, recipient=owner
    )
    client.force_login(owner)

    answers = [
        client.post(reverse("contacts:reminder_snooze", args=[reminder.pk]), {"days": "3"}, **HTMX)
        for reminder in (follow_up, rsvp_chase)
    ]

    assert "Follow-up" in page_text(answers[0])
    assert "Promised to send the report." in page_text(answers[0])
    assert "RSVP chase" in page_text(answers[1])
    assert "Media Breakfast" in page_text(answers[1])


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Jerusalem"])
def test_a_follow_up_is_due_on_its_own_day_in_any_time_zone(client, owner, standard, zone):
    """A user's finding: the follow-up asked for 24 November showed "due 23 Nov 2026,
    19:00 EST" in New York (midnight UTC), and "02:00 IST" in Jerusalem: a time no one set."""
    OfficerProfile.objects.update_or_create(user=owner, defaults={"timezone": zone})
    exchange = factories.ExchangeFactory(
        contacts=[standard],
        officers=[owner],
        summary="Send the report.",
        follow_up_on=dt.date(2026, 11, 24),
    )
    factories.ReminderFactory(
        kind=Reminder.Kind.FOLLOW_UP,
        channel=None,
        exchange=exchange,
        recipient=owner,
        due_at=dt.datetime(2026, 11, 24, tzinfo=dt.UTC),
    )
    client.force_login(owner)

    text = page_text(client.get(reverse("today")))

    # The day itself, with no time of day, whatever the reader's zone.
    assert 'due <time datetime="2026-11-24">24 Nov 2026</time>' in text
    assert "23 Nov" not in text
