"""The invite page's bulk form offers only the tags of contacts the planner may see."""

import datetime as dt

import pytest
from django.urls import reverse

from contacts.models import Sensitivity
from events.models import Invitation
from tests import factories

STARTS_AT = dt.datetime(2099, 6, 1, 16, 0, tzinfo=dt.UTC)


@pytest.fixture
def event(planner):
    return factories.EventFactory(starts_at=STARTS_AT, planners=[planner])


@pytest.fixture
def secret(owner):
    """A protected contact, the only one tagged "dissidents"; "alumni" is on a standard one."""
    factories.ContactFactory(full_name="Ada Alumna", tags=[factories.TagFactory(name="alumni")])
    return factories.ContactFactory(
        full_name="Olga Protected",
        owner=owner,
        sensitivity=Sensitivity.PROTECTED,
        tags=[factories.TagFactory(name="dissidents")],
    )


def _offered_tags(response) -> list[str]:
    return [tag.name for tag in response.context["bulk"].fields["tag"].queryset]


def test_the_invite_page_does_not_offer_a_tag_only_hidden_contacts_carry(
    client, planner, event, secret
):
    client.force_login(planner)

    response = client.get(reverse("events:invite", args=[event.pk]))

    assert response.status_code == 200
    assert _offered_tags(response) == ["alumni"]
    assert "dissidents" not in response.content.decode()


def test_a_tag_only_hidden_contacts_carry_cannot_be_chosen(client, planner, event, secret):
    client.force_login(planner)

    response = client.post(
        reverse("events:invite_bulk", args=[event.pk]),
        {"bulk-tag": "dissidents", "bulk-role": "guest"},
    )

    assert response.status_code == 200
    assert response.context["bulk"].errors["tag"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert "dissidents" not in response.content.decode()
    assert Invitation.objects.exists() is False


def test_a_grant_offers_the_tags_of_the_granted_contact(client, planner, owner, event, secret):
    factories.GrantFactory(contact=secret, user=planner, granted_by=owner)
    client.force_login(planner)

    response = client.get(reverse("events:invite", args=[event.pk]))

    assert _offered_tags(response) == ["alumni", "dissidents"]
