"""REST API v1: exchanges/ (DESIGN.md, "REST API v1"): defaults, the keep-in-touch side
effects, cursor paging, and only the exchange's officers change it."""

import datetime as dt

import pytest
import time_machine

from contacts import services
from contacts.models import Exchange, Reminder
from tests import factories
from tests.conftest import api
from tests.contacts.api_support import API, NOW, assert_error, ids, iso

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")
EXCHANGE_FIELDS = {
    "id",
    "occurred_at",
    "kind",
    "contacts",
    "officers",
    "summary",
    "notes",
    "topics",
    "follow_up_on",
    "created_by",
    "created_at",
    "updated_at",
}


# exchanges/


def test_exchange_create_defaults_the_officers_to_the_caller(owner, contact):
    payload = {
        "contacts": [contact.pk],
        "kind": "call",
        "summary": "Talked about the festival.",
        "notes": "Wants an invitation.",
        "topics": ["culture"],
        "occurred_at": iso(NOW - dt.timedelta(hours=1)),
        "follow_up_on": "2026-03-09",
    }

    with time_machine.travel(NOW, tick=False):
        response = api(owner).post(f"{API}/exchanges/", payload, format="json")

    assert response.status_code == 201
    exchange = Exchange.objects.get()
    assert response.json() == {
        "id": exchange.pk,
        "occurred_at": iso(NOW - dt.timedelta(hours=1)),
        "kind": "call",
        "contacts": [contact.pk],
        "officers": [owner.pk],
        "summary": "Talked about the festival.",
        "notes": "Wants an invitation.",
        "topics": ["culture"],
        "follow_up_on": "2026-03-09",
        "created_by": owner.pk,
        "created_at": iso(NOW),
        "updated_at": iso(NOW),
    }
    assert list(exchange.officers.all()) == [owner]


def test_logging_an_exchange_resolves_the_channel_due_reminder(owner, contact):
    with time_machine.travel(NOW, tick=False):
        channel = factories.ChannelFactory(
            contact=contact, officer=owner, created_at=NOW - dt.timedelta(days=45)
        )
        services.sweep_reminders(now=NOW)
        reminder = Reminder.objects.get(channel=channel)
        assert reminder.status == Reminder.Status.OPEN

        response = api(owner).post(
            f"{API}/exchanges/",
            {"contacts": [contact.pk], "kind": "meeting", "summary": "Lunch."},
            format="json",
        )

    assert response.status_code == 201
    reminder.refresh_from_db()
    channel.refresh_from_db()
    assert (reminder.status, reminder.closed_at) == (Reminder.Status.RESOLVED, NOW)
    assert channel.last_touch_at == NOW


def test_exchange_list_is_cursor_paginated(owner, contact):
    made = [
        factories.ExchangeFactory(
            contacts=[contact], officers=[owner], occurred_at=NOW - dt.timedelta(days=days)
        )
        for days in (1, 2, 3)
    ]
    client = api(owner)

    first = client.get(f"{API}/exchanges/?page_size=2")
    second = client.get(first.json()["next"])

    assert first.status_code == 200
    assert set(first.json()) == {"next", "previous", "results"}
    assert "cursor=" in first.json()["next"]
    assert set(first.json()["results"][0]) == EXCHANGE_FIELDS
    assert ids(first) == [made[0].pk, made[1].pk]
    assert ids(second) == [made[2].pk]
    assert second.json()["next"] is None


def test_exchanges_ignore_a_client_ordering(owner, contact):
    second = factories.ContactFactory(owner=owner)
    made = [
        factories.ExchangeFactory(
            contacts=[contact, second], officers=[owner], occurred_at=NOW - dt.timedelta(days=days)
        )
        for days in (1, 2)
    ]

    response = api(owner).get(f"{API}/exchanges/?ordering=contacts")

    assert response.status_code == 200
    assert ids(response) == [made[0].pk, made[1].pk]


def test_exchange_detail_update_and_delete_by_its_officer(owner, contact):
    exchange = factories.ExchangeFactory(contacts=[contact], officers=[owner], created_by=owner)
    client = api(owner)

    detail = client.get(f"{API}/exchanges/{exchange.pk}/")
    patched = client.patch(f"{API}/exchanges/{exchange.pk}/", {"summary": "Dinner."}, "json")
    deleted = client.delete(f"{API}/exchanges/{exchange.pk}/")

    assert detail.status_code == 200
    assert set(detail.json()) == EXCHANGE_FIELDS
    assert patched.status_code == 200
    assert patched.json()["summary"] == "Dinner."
    assert deleted.status_code == 204
    assert Exchange.objects.exists() is False


def test_only_an_exchange_s_officers_change_it(owner, teammate, contact):
    exchange = factories.ExchangeFactory(
        contacts=[contact], officers=[owner], created_by=owner, summary="Lunch."
    )

    response = api(teammate).patch(
        f"{API}/exchanges/{exchange.pk}/", {"summary": "Rewritten."}, format="json"
    )

    assert_error(response, 403, code="permission_denied", fields={})
    exchange.refresh_from_db()
    assert exchange.summary == "Lunch."


def test_an_exchange_cannot_be_moved_into_the_future(owner, contact):
    occurred_at = NOW - dt.timedelta(days=1)
    exchange = factories.ExchangeFactory(
        contacts=[contact], officers=[owner], created_by=owner, occurred_at=occurred_at
    )

    with time_machine.travel(NOW, tick=False):
        response = api(owner).patch(
            f"{API}/exchanges/{exchange.pk}/",
            {"occurred_at": "2199-12-31T23:59:59+14:00"},
            format="json",
        )

    exchange.refresh_from_db()
    assert exchange.occurred_at == occurred_at
    assert_error(
        response,
        400,
        fields={"occurred_at": ["An exchange cannot be logged in the future."]},
    )


def test_an_exchange_keeps_at_least_one_officer(owner, contact):
    exchange = factories.ExchangeFactory(contacts=[contact], officers=[owner], created_by=owner)

    response = api(owner).patch(f"{API}/exchanges/{exchange.pk}/", {"officers": []}, "json")

    assert list(exchange.officers.all()) == [owner]
    assert_error(response, 400, fields={"officers": ["Name at least one officer."]})
