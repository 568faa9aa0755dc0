"""REST API v1: channels/ (DESIGN.md, "REST API v1"): the due fields, filters, and only the
channel's officer writes it."""

import datetime as dt

import pytest
import time_machine

from contacts.models import Channel
from tests import factories
from tests.conftest import api
from tests.contacts.api_support import API, NOW, assert_error, ids, iso

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")
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
