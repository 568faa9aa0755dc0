"""REST API v1: reminders/ (DESIGN.md, "REST API v1"): the list, snoozing and dismissing,
only by the reminder's recipient."""

import datetime as dt

import pytest
import time_machine

from contacts.models import Reminder
from tests import factories
from tests.conftest import api
from tests.contacts.api_support import API, NOW, assert_error, ids, iso

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")
REMINDER_FIELDS = {
    "id",
    "kind",
    "recipient",
    "channel",
    "exchange",
    "event",
    "due_at",
    "status",
    "snoozed_until",
    "notified_at",
    "closed_at",
    "created_at",
}


# reminders/


@pytest.fixture
def reminder(owner, contact):
    channel = factories.ChannelFactory(contact=contact, officer=owner)
    return factories.ReminderFactory(channel=channel, due_at=NOW - dt.timedelta(days=1))


def test_reminder_list_detail_and_status_filter(owner, reminder):
    done = factories.ReminderFactory(
        channel=reminder.channel, status=Reminder.Status.RESOLVED, due_at=NOW
    )
    client = api(owner)

    listed = client.get(f"{API}/reminders/")
    open_only = client.get(f"{API}/reminders/?status=open")
    detail = client.get(f"{API}/reminders/{reminder.pk}/")

    assert listed.status_code == 200
    assert set(listed.json()) == {"next", "previous", "results"}
    assert ids(listed) == [reminder.pk, done.pk]
    assert ids(open_only) == [reminder.pk]
    assert set(detail.json()) == REMINDER_FIELDS
    assert detail.json()["status"] == "open"
    assert detail.json()["channel"] == reminder.channel_id


def test_snoozing_a_reminder_until_a_later_time(owner, reminder):
    until = NOW + dt.timedelta(days=2)

    with time_machine.travel(NOW, tick=False):
        response = api(owner).post(
            f"{API}/reminders/{reminder.pk}/snooze/", {"until": iso(until)}, format="json"
        )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["snoozed_until"]) == (
        "snoozed",
        iso(until),
    )
    reminder.refresh_from_db()
    assert (reminder.status, reminder.snoozed_until) == (Reminder.Status.SNOOZED, until)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"until": "2026-03-01T00:00:00Z"}, {"until": ["Snooze until a time in the future."]}),
        ({}, {"until": ["This field is required."]}),
    ],
    ids=["past", "missing"],
)
def test_snoozing_into_the_past_or_without_a_time_is_refused(owner, reminder, body, fields):
    with time_machine.travel(NOW, tick=False):
        response = api(owner).post(f"{API}/reminders/{reminder.pk}/snooze/", body, format="json")

    assert_error(response, 400, code="invalid", fields=fields)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.snoozed_until) == (Reminder.Status.OPEN, None)


def test_dismissing_a_reminder(owner, reminder):
    with time_machine.travel(NOW, tick=False):
        response = api(owner).post(f"{API}/reminders/{reminder.pk}/dismiss/")
        again = api(owner).post(f"{API}/reminders/{reminder.pk}/dismiss/")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["closed_at"]) == ("dismissed", iso(NOW))
    assert_error(
        again,
        400,
        fields={"non_field_errors": ["Only an open or snoozed reminder can be dismissed."]},
    )
    reminder.channel.refresh_from_db()
    assert reminder.channel.count_restarted_at == NOW


@pytest.mark.parametrize("action", ["snooze", "dismiss"])
def test_someone_else_s_reminder_is_not_found(outsider, reminder, action):
    client = api(outsider)

    detail = client.get(f"{API}/reminders/{reminder.pk}/")
    acted = client.post(
        f"{API}/reminders/{reminder.pk}/{action}/",
        {"until": "2099-01-01T00:00:00Z"},
        format="json",
    )

    assert_error(detail, 404, code="not_found", fields={})
    assert_error(acted, 404, code="not_found", fields={})
    assert ids(client.get(f"{API}/reminders/")) == []
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.OPEN


@pytest.mark.parametrize("action", ["snooze", "dismiss"])
def test_a_lead_sees_but_cannot_act_on_a_team_member_s_reminder(lead, reminder, action):
    client = api(lead)

    listed = client.get(f"{API}/reminders/")
    acted = client.post(
        f"{API}/reminders/{reminder.pk}/{action}/",
        {"until": "2099-01-01T00:00:00Z"},
        format="json",
    )

    assert ids(listed) == [reminder.pk]
    assert_error(acted, 403, code="permission_denied", fields={})
    reminder.refresh_from_db()
    assert (reminder.status, reminder.snoozed_until) == (Reminder.Status.OPEN, None)
