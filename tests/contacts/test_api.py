"""REST API v1 of the contacts app: the contract of every path under /api/v1/ (DESIGN.md,
"REST API v1"): fields, filters, defaults, the keep-in-touch side effects, one error shape,
optimistic concurrency, and bad input answered 4xx, never 500, with nothing stored."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.test import APIClient

from contacts import services
from contacts.models import (
    Channel,
    Climate,
    Contact,
    Exchange,
    Layer,
    Organization,
    Reminder,
    Sensitivity,
)
from tests import factories

API = "/api/v1"
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
ERROR_KEYS = {"status", "code", "detail", "fields"}
ME_FIELDS = {"id", "username", "first_name", "last_name", "email", "roles", "teams"}
ORGANIZATION_FIELDS = {
    "id",
    "name",
    "native_name",
    "kind",
    "country",
    "city",
    "website",
    "description",
    "created_at",
    "updated_at",
}
CONTACT_FIELDS = {
    "id",
    "full_name",
    "native_name",
    "category",
    "organization",
    "email",
    "phone",
    "country",
    "languages",
    "layer",
    "sensitivity",
    "tags",
    "notes",
    "owner",
    "created_at",
    "updated_at",
    "erased_at",
}
CHANNEL_FIELDS = {
    "id",
    "contact",
    "officer",
    "kind",
    "priority",
    "cadence_days",
    "status",
    "last_touch_at",
    "next_due_at",
    "overdue",
    "created_at",
    "updated_at",
}
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
CLIMATE_FIELDS = {"id", "level", "note", "started_at", "created_by", "created_at"}


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Throttle counters live in the Redis cache; start every test from zero.
    cache.clear()


def api(user=None, **kwargs) -> APIClient:
    client = APIClient(**kwargs)
    if user is not None:
        client.force_authenticate(user)
    return client


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def assert_error(response, status: int, *, code: str | None = None, fields=None) -> dict:
    """The one error shape: {"status", "code", "detail", "fields"}."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    if code is not None:
        assert body["code"] == code
    if fields is not None:
        assert body["fields"] == fields
    return body


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def organization(db):
    return factories.OrganizationFactory(name="Hebrew University", country="IL", city="Jerusalem")


@pytest.fixture
def contact(owner, organization):
    return factories.ContactFactory(
        full_name="Anna Zuid",
        native_name="Анна Зюйд",
        owner=owner,
        organization=organization,
        notes="Prefers Signal.",
    )


# me/


def test_me_answers_the_caller_with_roles_and_teams(owner):
    response = api(owner).get(f"{API}/me/")

    assert response.status_code == 200
    assert response.json() == {
        "id": owner.pk,
        "username": "owner",
        "first_name": "",
        "last_name": "",
        "email": "owner@mission.example",
        "roles": ["officer"],
        "teams": ["press"],
    }


def test_me_of_a_superuser_includes_the_admin_role(admin_user):
    body = api(admin_user).get(f"{API}/me/").json()

    assert set(body) == ME_FIELDS
    assert (body["id"], body["username"], body["roles"]) == (admin_user.pk, "admin", ["admin"])


# organizations/


def test_organization_list_and_detail_fields(owner, organization):
    client = api(owner)

    listed = client.get(f"{API}/organizations/")
    detail = client.get(f"{API}/organizations/{organization.pk}/")

    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert set(listed.json()["results"][0]) == ORGANIZATION_FIELDS
    assert detail.status_code == 200
    assert detail.json() == listed.json()["results"][0]
    assert detail.json()["country"] == "IL"
    assert detail["ETag"].startswith('"')


def test_organization_create_update_delete_by_an_officer(owner):
    client = api(owner)
    payload = {"name": "Tel Aviv Review", "kind": "media_outlet", "country": "IL", "city": "TA"}

    created = client.post(f"{API}/organizations/", payload, format="json")
    organization = Organization.objects.get()
    updated = client.patch(
        f"{API}/organizations/{organization.pk}/", {"city": "Tel Aviv"}, format="json"
    )
    deleted = client.delete(f"{API}/organizations/{organization.pk}/")

    assert created.status_code == 201
    assert set(created.json()) == ORGANIZATION_FIELDS
    assert created.json()["id"] == organization.pk
    assert updated.status_code == 200
    assert updated.json()["city"] == "Tel Aviv"
    assert deleted.status_code == 204
    assert Organization.objects.exists() is False


def test_organization_filters_and_search(owner, organization):
    factories.OrganizationFactory(name="Kyiv Forum", kind="think_tank", country="UA")
    client = api(owner)

    assert ids(client.get(f"{API}/organizations/?kind=university")) == [organization.pk]
    assert ids(client.get(f"{API}/organizations/?country=IL")) == [organization.pk]
    assert ids(client.get(f"{API}/organizations/?search=hebrew")) == [organization.pk]


def test_an_analyst_cannot_create_an_organization(analyst):
    response = api(analyst).post(
        f"{API}/organizations/", {"name": "X", "kind": "ngo", "country": "IL"}, format="json"
    )

    assert_error(response, 403, code="permission_denied", fields={})
    assert Organization.objects.exists() is False


def test_an_organization_without_a_country_is_served_and_created(owner):
    blank = factories.OrganizationFactory(name="Nowhere Institute", country="")
    client = api(owner, raise_request_exception=False)

    detail = client.get(f"{API}/organizations/{blank.pk}/")
    created = client.post(f"{API}/organizations/", {"name": "Y", "kind": "ngo"}, format="json")

    assert detail.status_code == 200
    assert detail.json()["country"] == ""
    assert created.status_code == 201
    assert created.json()["country"] == ""


# contacts/


def test_contact_list_and_detail_fields(owner, contact):
    client = api(owner)

    listed = client.get(f"{API}/contacts/")
    detail = client.get(f"{API}/contacts/{contact.pk}/")

    assert listed.status_code == 200
    assert set(listed.json()) == {"count", "next", "previous", "results"}
    assert listed.json()["count"] == 1
    assert set(listed.json()["results"][0]) == CONTACT_FIELDS
    assert detail.status_code == 200
    assert detail.json() == listed.json()["results"][0]
    assert detail.json()["notes"] == "Prefers Signal."
    assert detail.json()["native_name"] == "Анна Зюйд"
    assert detail.json()["owner"] == owner.pk
    assert detail.json()["organization"] == contact.organization_id


@pytest.mark.parametrize(
    "term",
    ["zuid", "Зюйд", "зюйд", "שלום", "hebrew univ"],
    ids=["latin", "cyrillic", "cyrillic-lowercase", "hebrew", "organization"],
)
def test_contact_search_across_scripts(owner, contact, term):
    hebrew = factories.ContactFactory(full_name="Shalom Levi", native_name="שלום לוי", owner=owner)
    factories.ContactFactory(full_name="Someone Else", owner=owner)
    expected = {"שלום": [hebrew.pk]}.get(term, [contact.pk])

    response = api(owner).get(f"{API}/contacts/", {"search": term})

    assert response.status_code == 200
    assert ids(response) == expected
    assert response.json()["count"] == len(expected)


def test_contact_filters(owner, contact, organization):
    tag = factories.TagFactory(name="media")
    other = factories.ContactFactory(
        full_name="Boris Other",
        owner=owner,
        category=Contact.Category.JOURNALIST,
        sensitivity=Sensitivity.RESTRICTED,
        layer=Layer.NARRATIVE,
        tags=[tag],
    )
    Contact.objects.filter(pk=contact.pk).update(updated_at=NOW - dt.timedelta(days=30))
    Contact.objects.filter(pk=other.pk).update(updated_at=NOW)
    client = api(owner)

    def listed(**params):
        response = client.get(f"{API}/contacts/", params)
        assert response.status_code == 200
        return ids(response)

    assert listed(category="journalist") == [other.pk]
    assert listed(sensitivity="restricted") == [other.pk]
    assert listed(layer="narrative") == [other.pk]
    assert listed(organization=organization.pk) == [contact.pk]
    assert listed(tag="media") == [other.pk]
    assert listed(updated_since=iso(NOW - dt.timedelta(days=1))) == [other.pk]
    assert listed(updated_since=iso(NOW - dt.timedelta(days=31))) == [contact.pk, other.pk]


def test_contact_ordering(owner):
    names = ["Chaim", "Aviva", "Boaz"]
    for name in names:
        factories.ContactFactory(full_name=name, owner=owner)
    client = api(owner)

    default = client.get(f"{API}/contacts/").json()["results"]
    descending = client.get(f"{API}/contacts/?ordering=-full_name").json()["results"]

    assert [row["full_name"] for row in default] == ["Aviva", "Boaz", "Chaim"]
    assert [row["full_name"] for row in descending] == ["Chaim", "Boaz", "Aviva"]


def test_paging_a_client_ordering_shows_every_contact_once(owner):
    made = {
        factories.ContactFactory(
            owner=owner, full_name=f"C{n}", category=("academic", "other")[n % 2]
        ).pk
        for n in range(60)
    }
    client = api(owner)

    seen = []
    for page in range(1, 7):
        seen += ids(client.get(f"{API}/contacts/?ordering=category&page_size=10&page={page}"))

    assert sorted(seen) == sorted(made)


def test_contact_create_defaults_the_owner_to_the_caller(teammate, organization):
    payload = {
        "full_name": "Dana Newman",
        "native_name": "דנה ניומן",
        "category": "journalist",
        "organization": organization.pk,
        "country": "IL",
        "languages": ["he", "en"],
        "layer": "narrative",
        "sensitivity": "restricted",
        "tags": ["media", "tv"],
        "notes": "Met at the book fair.",
    }

    response = api(teammate).post(f"{API}/contacts/", payload, format="json")

    assert response.status_code == 201
    contact = Contact.objects.get()
    body = response.json()
    assert set(body) == CONTACT_FIELDS
    assert response["ETag"].startswith('"')
    assert (body["id"], body["owner"], body["tags"]) == (contact.pk, teammate.pk, ["media", "tv"])
    assert (contact.owner, contact.notes, contact.languages) == (
        teammate,
        "Met at the book fair.",
        ["he", "en"],
    )


def test_contact_put_patch_and_delete_by_its_owner(owner, contact):
    client = api(owner)
    full = {"full_name": "Anna Z.", "category": "cultural", "layer": "soft_cultural"}

    put = client.put(f"{API}/contacts/{contact.pk}/", full, format="json")
    patched = client.patch(f"{API}/contacts/{contact.pk}/", {"phone": "+972 1"}, format="json")
    deleted = client.delete(f"{API}/contacts/{contact.pk}/")

    assert put.status_code == 200
    assert (put.json()["full_name"], put.json()["category"]) == ("Anna Z.", "cultural")
    assert patched.status_code == 200
    assert patched.json()["phone"] == "+972 1"
    assert deleted.status_code == 204
    assert Contact.objects.filter(pk=contact.pk).exists() is False


def test_only_the_owner_deletes_a_contact(teammate, contact):
    response = api(teammate).delete(f"{API}/contacts/{contact.pk}/")

    assert_error(response, 403, code="permission_denied", fields={})
    assert Contact.objects.filter(pk=contact.pk).exists() is True


def test_only_the_owner_changes_sensitivity_or_owner(teammate, contact):
    response = api(teammate).patch(
        f"{API}/contacts/{contact.pk}/",
        {"sensitivity": "protected", "owner": teammate.pk},
        format="json",
    )

    assert_error(
        response,
        400,
        code="invalid",
        fields={
            "sensitivity": ["Only the owner changes this."],
            "owner": ["Only the owner changes this."],
        },
    )
    contact.refresh_from_db()
    assert (contact.sensitivity, contact.owner_id) == (Sensitivity.STANDARD, contact.owner_id)


@pytest.mark.parametrize("persona", ["analyst", "planner"])
def test_readers_cannot_create_or_change_contacts(request, persona, contact):
    client = api(request.getfixturevalue(persona))

    created = client.post(
        f"{API}/contacts/",
        {"full_name": "New", "category": "other", "layer": "security", "country": "IL"},
        format="json",
    )
    patched = client.patch(f"{API}/contacts/{contact.pk}/", {"full_name": "X"}, format="json")

    assert_error(created, 403, code="permission_denied")
    assert_error(patched, 403, code="permission_denied")
    assert list(Contact.objects.values_list("full_name", flat=True)) == ["Anna Zuid"]


def test_a_contact_without_a_country_is_listed_shown_and_created(owner):
    blank = factories.ContactFactory(full_name="No Country", owner=owner, country="")
    client = api(owner, raise_request_exception=False)

    listed = client.get(f"{API}/contacts/")
    detail = client.get(f"{API}/contacts/{blank.pk}/")
    created = client.post(
        f"{API}/contacts/",
        {"full_name": "Also None", "category": "other", "layer": "security"},
        format="json",
    )

    assert (listed.status_code, detail.status_code, created.status_code) == (200, 200, 201)
    assert detail.json()["country"] == ""


# channels/


def test_channel_create_defaults_the_officer_and_answers_the_due_fields(owner, contact):
    with time_machine.travel(NOW, tick=False):
        response = api(owner).post(
            f"{API}/channels/", {"contact": contact.pk, "cadence_days": 10}, format="json"
        )

    assert response.status_code == 201
    channel = Channel.objects.get()
    assert response.json() == {
        "id": channel.pk,
        "contact": contact.pk,
        "officer": owner.pk,
        "kind": "informal",
        "priority": "normal",
        "cadence_days": 10,
        "status": "active",
        "last_touch_at": None,
        "next_due_at": iso(NOW + dt.timedelta(days=10)),
        "overdue": False,
        "created_at": iso(NOW),
        "updated_at": iso(NOW),
    }


def test_channel_list_and_detail_carry_next_due_at_and_overdue(owner, contact):
    with time_machine.travel(NOW, tick=False):
        channel = factories.ChannelFactory(
            contact=contact, officer=owner, created_at=NOW - dt.timedelta(days=40)
        )
        listed = api(owner).get(f"{API}/channels/")
        detail = api(owner).get(f"{API}/channels/{channel.pk}/")

    row = listed.json()["results"][0]
    assert set(row) == CHANNEL_FIELDS
    assert detail.json() == row
    assert (row["next_due_at"], row["overdue"]) == (iso(NOW - dt.timedelta(days=10)), True)
    assert detail["ETag"].startswith('"')


def test_channel_filters(owner, teammate, contact):
    other_contact = factories.ContactFactory(owner=owner)
    with time_machine.travel(NOW, tick=False):
        overdue = factories.ChannelFactory(
            contact=contact, officer=owner, created_at=NOW - dt.timedelta(days=31)
        )
        fresh = factories.ChannelFactory(contact=other_contact, officer=owner)
        theirs = factories.ChannelFactory(contact=contact, officer=teammate)
        client = api(owner)

        def listed(**params):
            response = client.get(f"{API}/channels/", params)
            assert response.status_code == 200
            return sorted(ids(response))

        assert listed(officer=teammate.pk) == [theirs.pk]
        assert listed(contact=other_contact.pk) == [fresh.pk]
        assert listed(overdue="true") == [overdue.pk]
        assert listed(overdue="false") == sorted([fresh.pk, theirs.pk])


def test_an_officer_cannot_create_a_channel_for_another_officer(owner, teammate, contact):
    response = api(owner).post(
        f"{API}/channels/", {"contact": contact.pk, "officer": teammate.pk}, format="json"
    )

    assert_error(
        response, 400, code="invalid", fields={"officer": ["Officers manage their own channels."]}
    )
    assert Channel.objects.exists() is False


def test_a_second_channel_for_the_same_pair_is_refused(owner, contact):
    channel = factories.ChannelFactory(contact=contact, officer=owner)

    response = api(owner).post(f"{API}/channels/", {"contact": contact.pk}, format="json")

    assert_error(
        response,
        400,
        code="invalid",
        fields={"contact": ["This officer already has a channel with this contact."]},
    )
    assert list(Channel.objects.values_list("pk", flat=True)) == [channel.pk]


def test_a_channel_holder_updates_and_deletes_it(owner, contact):
    channel = factories.ChannelFactory(contact=contact, officer=owner)
    client = api(owner)

    patched = client.patch(f"{API}/channels/{channel.pk}/", {"priority": "key"}, format="json")
    deleted = client.delete(f"{API}/channels/{channel.pk}/")

    assert patched.status_code == 200
    assert set(patched.json()) == CHANNEL_FIELDS
    assert patched.json()["priority"] == "key"
    assert deleted.status_code == 204
    assert Channel.objects.exists() is False


def test_a_non_holder_changing_a_visible_channel_is_forbidden(owner, teammate, contact):
    channel = factories.ChannelFactory(contact=contact, officer=owner, cadence_days=30)

    response = api(teammate).patch(
        f"{API}/channels/{channel.pk}/", {"cadence_days": 5}, format="json"
    )

    channel.refresh_from_db()
    assert channel.cadence_days == 30
    assert_error(response, 403, code="permission_denied", fields={})


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
            {"occurred_at": "9999-12-31T23:59:59+14:00"},
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


# climate/


def test_climate_list_for_every_user_and_create_for_admins_only(owner, analyst, admin_user):
    factories.ClimateFactory(level="elevated", started_at=NOW - dt.timedelta(days=3))

    listed = api(analyst).get(f"{API}/climate/")
    with time_machine.travel(NOW, tick=False):
        created = api(admin_user).post(
            f"{API}/climate/", {"level": "crisis", "note": "Recall of ambassador."}, "json"
        )

    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert set(listed.json()["results"][0]) == CLIMATE_FIELDS
    detail = api(analyst).get(f"{API}/climate/{listed.json()['results'][0]['id']}/")
    assert detail.json() == listed.json()["results"][0]
    assert created.status_code == 201
    record = Climate.objects.get(level="crisis")
    assert created.json() == {
        "id": record.pk,
        "level": "crisis",
        "note": "Recall of ambassador.",
        "started_at": iso(NOW),
        "created_by": admin_user.pk,
        "created_at": iso(NOW),
    }


@pytest.mark.parametrize("persona", ["owner", "lead", "analyst", "planner"])
def test_only_admins_record_a_climate_level(request, persona):
    response = api(request.getfixturevalue(persona)).post(
        f"{API}/climate/", {"level": "crisis"}, format="json"
    )

    assert_error(response, 403, code="permission_denied", fields={})
    assert Climate.objects.exists() is False


def test_current_climate_is_normal_with_no_record(owner):
    response = api(owner).get(f"{API}/climate/current/")

    assert response.status_code == 200
    assert response.json() == {
        "id": None,
        "level": "normal",
        "note": "",
        "started_at": None,
        "created_by": None,
        "created_at": None,
    }


def test_current_climate_is_the_latest_started_level(owner):
    high = factories.ClimateFactory(level="high", started_at=NOW - dt.timedelta(days=1))
    factories.ClimateFactory(level="crisis", started_at=NOW - dt.timedelta(days=5))
    factories.ClimateFactory(level="normal", started_at=NOW + dt.timedelta(days=5))

    with time_machine.travel(NOW, tick=False):
        response = api(owner).get(f"{API}/climate/current/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["level"]) == (high.pk, "high")
    assert response.json()["started_at"] == iso(NOW - dt.timedelta(days=1))


# One error shape


@pytest.mark.parametrize(
    "path",
    [
        "/me/",
        "/organizations/",
        "/contacts/",
        "/channels/",
        "/exchanges/",
        "/reminders/",
        "/climate/",
        "/climate/current/",
    ],
)
def test_anonymous_requests_are_401_with_the_error_shape(db, path):
    response = api().get(f"{API}{path}")

    assert_error(response, 401, code="not_authenticated", fields={})
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("path", ["contacts", "channels", "exchanges", "reminders", "climate"])
def test_an_unknown_id_is_404_with_the_error_shape(owner, path):
    response = api(owner).get(f"{API}/{path}/987654321/")

    assert_error(response, 404, code="not_found", fields={})


@pytest.mark.parametrize(
    ("send", "status", "code"),
    [
        (
            lambda c: c.post(f"{API}/contacts/", {"full_name": "Form"}),
            415,
            "unsupported_media_type",
        ),
        (lambda c: c.get(f"{API}/contacts/", HTTP_ACCEPT="text/html"), 406, "not_acceptable"),
        (lambda c: c.put(f"{API}/contacts/", {}, format="json"), 405, "method_not_allowed"),
        (lambda c: c.delete(f"{API}/me/"), 405, "method_not_allowed"),
    ],
    ids=["form-body", "html-accept", "put-on-list", "delete-on-me"],
)
def test_protocol_errors_have_the_error_shape(owner, send, status, code):
    response = send(api(owner))

    assert_error(response, status, code=code, fields={})
    assert Contact.objects.exists() is False


# Optimistic concurrency: If-Match


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_stale_if_match_is_412_and_changes_nothing(owner, contact, method):
    client = api(owner)
    stale = client.get(f"{API}/contacts/{contact.pk}/")["ETag"]
    Contact.objects.filter(pk=contact.pk).update(full_name="Changed elsewhere")
    body = {"full_name": "Mine", "category": "academic", "layer": "security"}

    response = getattr(client, method)(
        f"{API}/contacts/{contact.pk}/", body, format="json", HTTP_IF_MATCH=stale
    )

    assert_error(response, 412, code="precondition_failed", fields={})
    contact.refresh_from_db()
    assert (contact.full_name, contact.category) == ("Changed elsewhere", "academic")


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_fresh_etag_or_a_star_passes_if_match(owner, contact, method):
    client = api(owner)
    fresh = client.get(f"{API}/contacts/{contact.pk}/")["ETag"]
    body = {"full_name": "Mine", "category": "academic", "layer": "security"}

    response = getattr(client, method)(
        f"{API}/contacts/{contact.pk}/", body, format="json", HTTP_IF_MATCH=fresh
    )

    if method == "delete":
        assert response.status_code == 204
        assert Contact.objects.exists() is False
        return
    assert response.status_code == 200
    assert response["ETag"] == client.get(f"{API}/contacts/{contact.pk}/")["ETag"]
    assert response["ETag"] != fresh
    star = getattr(client, method)(
        f"{API}/contacts/{contact.pk}/", {**body, "full_name": "Star"}, "json", HTTP_IF_MATCH="*"
    )
    assert star.status_code == 200
    contact.refresh_from_db()
    assert contact.full_name == "Star"


def test_if_match_guards_channels_too(owner, contact):
    channel = factories.ChannelFactory(contact=contact, officer=owner, cadence_days=30)
    client = api(owner)

    response = client.patch(
        f"{API}/channels/{channel.pk}/", {"cadence_days": 7}, "json", HTTP_IF_MATCH='"stale"'
    )

    assert_error(response, 412, code="precondition_failed")
    channel.refresh_from_db()
    assert channel.cadence_days == 30


# Bad input: 4xx with the error shape, never 500, nothing stored


MODELS = {
    "contacts": Contact,
    "channels": Channel,
    "exchanges": Exchange,
    "organizations": Organization,
    "climate": Climate,
}


def _bad_write(owner, contact, path, body):
    """POST ``body`` (a dict, or raw text) as the owner, or as an admin for climate."""
    user = owner
    if path == "climate":
        user = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    client = api(user, raise_request_exception=False)
    if isinstance(body, str):
        return client.post(f"{API}/{path}/", body, content_type="application/json")
    resolved = json.loads(json.dumps(body).replace('"<contact>"', str(contact.pk)))
    return client.post(f"{API}/{path}/", resolved, format="json")


EXCHANGE = {"contacts": ["<contact>"], "kind": "call", "summary": "Call."}
CONTACT = {"full_name": "New Person", "category": "academic", "layer": "security"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("contacts", '{"full_name": "Broken', None),
        ("contacts", "[1, 2", None),
        ("channels", {"contact": "<contact>", "cadence_days": "weekly"}, "cadence_days"),
        ("channels", {"contact": "<contact>", "cadence_days": 0}, "cadence_days"),
        ("channels", {"contact": "<contact>", "cadence_days": 10**12}, "cadence_days"),
        ("channels", {"contact": "<contact>", "kind": "secret"}, "kind"),
        ("channels", {"contact": "Anna"}, "contact"),
        ("contacts", {**CONTACT, "category": "spy"}, "category"),
        ("contacts", {**CONTACT, "sensitivity": "top_secret"}, "sensitivity"),
        ("contacts", {**CONTACT, "full_name": "x" * 300}, "full_name"),
        ("contacts", {**CONTACT, "languages": "ru"}, "languages"),
        ("contacts", {**CONTACT, "full_name": "Nul\x00Byte"}, "full_name"),
        ("exchanges", {**EXCHANGE, "occurred_at": "0000-01-01T00:00:00Z"}, "occurred_at"),
        ("exchanges", {**EXCHANGE, "occurred_at": "2026-13-40T00:00:00Z"}, "occurred_at"),
        ("exchanges", {**EXCHANGE, "occurred_at": "9999-12-31T23:59:59+14:00"}, "occurred_at"),
        ("exchanges", {**EXCHANGE, "occurred_at": "0001-01-01T00:00:00+14:00"}, "occurred_at"),
        ("exchanges", {**EXCHANGE, "follow_up_on": "2026-02-30"}, "follow_up_on"),
        ("exchanges", {**EXCHANGE, "kind": "telepathy"}, "kind"),
        ("exchanges", {**EXCHANGE, "contacts": []}, "contacts"),
        ("exchanges", {**EXCHANGE, "summary": "s" * 1_000_000}, "summary"),
        ("organizations", {"name": "X", "kind": "embassy", "country": "IL"}, "kind"),
        ("organizations", {"name": "X", "kind": "ngo", "country": "XX"}, "country"),
        ("climate", {"level": "apocalyptic"}, "level"),
        ("climate", {"level": "high", "started_at": "yesterday"}, "started_at"),
    ],
)
def test_bad_input_is_a_400_with_the_shape_and_stores_nothing(owner, contact, path, body, field):
    model = MODELS[path]
    before = model.objects.count()

    response = _bad_write(owner, contact, path, body)

    error = assert_error(response, 400)
    if field is None:
        assert (error["code"], error["fields"]) == ("parse_error", {})
    else:
        assert error["code"] == "invalid"
        assert list(error["fields"]) == [field]
    assert model.objects.count() == before


def test_a_ten_megabyte_summary_is_refused_with_the_error_shape(owner, contact):
    response = _bad_write(owner, contact, "exchanges", {**EXCHANGE, "summary": "s" * 10_000_000})

    assert Exchange.objects.exists() is False
    assert response.status_code in (400, 413)
    assert_error(response, response.status_code)


@pytest.mark.parametrize(
    ("query", "status", "fields"),
    [
        ("page_size=100000", 400, {"page_size": ["Between 1 and 200."]}),
        ("page_size=0", 400, {"page_size": ["Between 1 and 200."]}),
        ("page_size=abc", 400, {"page_size": ["A whole number."]}),
        ("page=999", 404, {}),
        ("page=abc", 404, {}),
        ("category=spy", 400, None),
        ("updated_since=2026-13-40", 400, None),
        ("updated_since=0000-01-01T00:00:00Z", 400, None),
        ("organization=abc", 400, None),
    ],
)
def test_bad_list_parameters_are_4xx_with_the_shape(owner, contact, query, status, fields):
    response = api(owner).get(f"{API}/contacts/?{query}")

    body = assert_error(response, status, fields=fields)
    if fields is None:
        assert list(body["fields"]) == [query.split("=")[0]]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("organizations", "updated_since"),
        ("contacts", "updated_since"),
        ("channels", "updated_since"),
        ("exchanges", "updated_since"),
        ("exchanges", "occurred_after"),
        ("exchanges", "occurred_before"),
    ],
)
def test_a_datetime_filter_offset_beyond_15_59_is_not_a_500(owner, contact, path, name):
    factories.ChannelFactory(contact=contact, officer=owner)
    factories.ExchangeFactory(contacts=[contact], officers=[owner])

    response = api(owner, raise_request_exception=False).get(
        f"{API}/{path}/", {name: "2026-03-02T09:30:00+16:30"}
    )

    # Either answer is fine (16:30 is a valid ISO 8601 offset): normalised to UTC, or refused.
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert_error(response, 400, fields={name: [response.json()["fields"][name][0]]})


@pytest.mark.parametrize("path", ["exchanges", "reminders"])
@pytest.mark.parametrize("query", ["page_size=100000", "page_size=abc", "cursor=garbage"])
def test_bad_cursor_parameters_are_4xx_with_the_shape(owner, path, query):
    response = api(owner).get(f"{API}/{path}/?{query}")

    assert_error(response, 404 if query.startswith("cursor") else 400)
