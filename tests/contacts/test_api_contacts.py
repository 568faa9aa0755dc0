"""REST API v1: me/, organizations/ and contacts/ (DESIGN.md, "REST API v1"): fields,
filters, search, ordering, defaults, and who may change what."""

import datetime as dt

import pytest

from contacts.models import Contact, Layer, Organization, Sensitivity
from tests import factories
from tests.conftest import api
from tests.contacts.api_support import API, NOW, assert_error, ids, iso

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")
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
    "birth_year",
    "country",
    "languages",
    "language",
    "layer",
    "sensitivity",
    "tags",
    "notes",
    "owner",
    "created_at",
    "updated_at",
    "erased_at",
}


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


def test_only_the_owner_changes_sensitivity_or_owner(owner, teammate, contact):
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
    assert (contact.sensitivity, contact.owner_id) == (Sensitivity.STANDARD, owner.pk)


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
