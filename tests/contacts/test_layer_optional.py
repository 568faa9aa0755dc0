"""A contact's layer is optional (issue 17): the API needs only ``full_name`` and
``category``, the web form saves without one, and the network-health page counts such
contacts under "Unassigned"."""

import pytest
from django.urls import reverse

from contacts.models import Contact
from tests import factories
from tests.conftest import api
from tests.contacts.api_support import API, assert_error

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


def test_the_api_creates_a_contact_from_a_name_and_a_category(owner):
    response = api(owner).post(
        f"{API}/contacts/", {"full_name": "Lena Roth", "category": "academic"}, format="json"
    )

    assert response.status_code == 201, response.json()
    contact = Contact.objects.get(pk=response.json()["id"])
    assert (contact.layer, response.json()["layer"]) == ("", "")
    assert contact.owner == owner


def test_the_api_still_refuses_an_unknown_layer(owner):
    response = api(owner).post(
        f"{API}/contacts/",
        {"full_name": "Lena Roth", "category": "academic", "layer": "cosmic"},
        format="json",
    )

    body = assert_error(response, 400, code="invalid")
    assert list(body["fields"]) == ["layer"]
    assert not Contact.objects.filter(full_name="Lena Roth").exists()


def test_the_web_form_saves_a_contact_without_a_layer(client, owner):
    client.force_login(owner)

    response = client.post(
        reverse("contacts:create"),
        {
            "full_name": "Lena Roth",
            "category": "academic",
            "layer": "",
            "sensitivity": "standard",
            "owner": owner.pk,
            "languages": "",
            "tags": "",
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    contact = Contact.objects.get(full_name="Lena Roth")
    assert contact.layer == ""
    page = client.get(reverse("contacts:detail", args=[contact.pk]))
    assert "<dt>Layer</dt><dd>Unassigned</dd>" in page.content.decode()


def test_health_counts_contacts_without_a_layer_as_unassigned(client, lead):
    contact = factories.ContactFactory(layer="", sensitivity="standard")
    factories.ChannelFactory(contact=contact, officer=lead)
    client.force_login(lead)

    page = client.get(reverse("network_health")).content.decode()

    assert "Unassigned" in page
