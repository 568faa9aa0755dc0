"""Dates a person types lie between 1900 and 2199 (``trackii.dates``): the year 1, a typo
a browser accepts, was stored, and 1 January of the year 1 in Jerusalem lies in the year 0
in UTC, which PostgreSQL keeps and Python cannot read: every page reading the exchange
answered 500, its own delete page too. Now a form error or a 400, and nothing stored."""

import pytest
from django.urls import reverse

from contacts.models import Exchange, OfficerProfile, Reminder
from events.models import Event, Programme
from tests import factories
from tests.conftest import api
from tests.contacts.test_exchange_pages import _exchange_data
from tests.events.test_event_pages import _form_data
from tests.pages import messages_of

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")
OUT_OF_RANGE = "Enter a date between 1900 and 2199."


@pytest.fixture
def standard(owner):
    return factories.ContactFactory(owner=owner)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("occurred_at", "0001-01-01T00:00"),
        ("occurred_at", "1899-12-31T23:59"),
        ("follow_up_on", "0001-01-01"),
        ("follow_up_on", "2200-01-01"),
    ],
)
def test_logging_an_exchange_on_the_year_1_is_a_form_error(client, owner, standard, field, value):
    OfficerProfile.objects.update_or_create(user=owner, defaults={"timezone": "Asia/Jerusalem"})
    client.force_login(owner)

    response = client.post(
        reverse("contacts:exchange_new"), _exchange_data([standard], **{field: value})
    )

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [OUT_OF_RANGE]
    assert Exchange.objects.exists() is False
    assert client.get(reverse("contacts:detail", args=[standard.pk])).status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [("occurred_at", "0001-01-01T00:00:00+02:00"), ("follow_up_on", "0001-01-01")],
)
def test_the_api_answers_the_year_1_with_a_400_naming_the_field(owner, standard, field, value):
    body = {"contacts": [standard.pk], "kind": "call", "summary": "Typo", field: value}

    response = api(owner).post("/api/v1/exchanges/", body, format="json")

    # Ours, or DRF's own "Datetime value out of range." for a moment Python cannot hold.
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field], response.json()
    assert Exchange.objects.exists() is False


def test_an_event_on_the_year_1_is_a_form_error_not_a_500(client, planner):
    client.force_login(planner)

    response = client.post(
        reverse("events:create"),
        _form_data(starts_at="0001-01-01T00:00", ends_at="0001-01-01T02:00"),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["starts_at"] == errors["ends_at"] == [OUT_OF_RANGE]
    assert Event.objects.exists() is False


def test_the_api_refuses_an_event_and_a_programme_out_of_range(planner):
    client = api(planner)
    event = client.post(
        "/api/v1/events/",
        {
            "title": "Typo",
            "kind": "media",
            "starts_at": "9999-06-01T19:00:00Z",
            "ends_at": "9999-06-01T21:00:00Z",
            "timezone": "UTC",
        },
        format="json",
    )
    programme = client.post(
        "/api/v1/programmes/",
        {"title": "Typo", "kind": "delegation", "starts_on": "0001-01-01"},
        format="json",
    )

    assert event.status_code == 400, event.content
    assert OUT_OF_RANGE in str(event.json()), event.json()
    assert programme.status_code == 400, programme.content
    assert OUT_OF_RANGE in str(programme.json()), programme.json()
    assert Event.objects.exists() is Programme.objects.exists() is False


def test_snoozing_until_the_year_1_is_refused_on_the_web_and_the_api(client, owner, standard):
    channel = factories.ChannelFactory(contact=standard, officer=owner)
    reminder = factories.ReminderFactory(channel=channel, recipient=owner)
    client.force_login(owner)

    web = client.post(
        reverse("contacts:reminder_snooze", args=[reminder.pk]), {"until": "0001-01-01T00:00"}
    )
    rest = api(owner).post(
        f"/api/v1/reminders/{reminder.pk}/snooze/",
        {"until": "0001-01-01T00:00:00Z"},
        format="json",
    )

    assert messages_of(web) == [OUT_OF_RANGE]
    assert rest.status_code == 400
    assert OUT_OF_RANGE in str(rest.json())
    reminder.refresh_from_db()
    assert (reminder.status, reminder.snoozed_until) == (Reminder.Status.OPEN, None)
