"""Tag.objects.visible_to: a tag is offered only to a user who may see a contact carrying it,
or while no contact carries it (it says nothing about anyone)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from contacts.models import Sensitivity, Tag
from tests import factories
from tests.conftest import api
from tests.contacts.imports_support import imported, previewed


@pytest.fixture
def tags(owner, grantee):
    """public (standard contact), team (restricted), secret (protected, granted to the
    grantee), shared (standard and protected) and orphan (no contact)."""
    tag = {name: factories.TagFactory(name=name) for name in ("public", "team", "secret")}
    tag |= {name: factories.TagFactory(name=name) for name in ("shared", "orphan")}
    factories.ContactFactory(owner=owner, tags=[tag["public"], tag["shared"]])
    factories.ContactFactory(owner=owner, sensitivity=Sensitivity.RESTRICTED, tags=[tag["team"]])
    secret = factories.ContactFactory(
        owner=owner, sensitivity=Sensitivity.PROTECTED, tags=[tag["secret"], tag["shared"]]
    )
    factories.GrantFactory(contact=secret, user=grantee, granted_by=owner)
    return tag


def _names(user) -> list[str]:
    return list(Tag.objects.visible_to(user).order_by("name").values_list("name", flat=True))


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("owner", ["orphan", "public", "secret", "shared", "team"]),
        ("teammate", ["orphan", "public", "shared", "team"]),
        ("grantee", ["orphan", "public", "secret", "shared"]),
        ("outsider", ["orphan", "public", "shared"]),
        ("planner", ["orphan", "public", "shared"]),
        ("analyst", ["orphan", "public", "shared"]),
        ("admin_user", ["orphan", "public", "secret", "shared", "team"]),
    ],
)
def test_a_user_sees_the_tags_of_the_contacts_they_may_see(request, tags, persona, expected):
    assert _names(request.getfixturevalue(persona)) == expected


def test_a_tag_carried_by_several_visible_contacts_is_listed_once(owner, tags):
    factories.ContactFactory(owner=owner, tags=[tags["public"]])

    assert Tag.objects.visible_to(owner).filter(name="public").count() == 1


def test_an_inactive_or_anonymous_user_sees_no_tag(owner, tags):
    owner.is_active = False
    owner.save(update_fields=["is_active"])

    assert _names(owner) == []
    assert _names(AnonymousUser()) == []


# A tag lives while it labels someone.


@pytest.mark.parametrize("how", ["delete", "remove", "reverse remove", "clear", "reverse clear"])
def test_a_tag_goes_with_its_last_carrier(owner, how):
    tag = factories.TagFactory(name="made-up-for-one")
    contact = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED, tags=[tag])

    if how == "delete":
        contact.delete()
    elif how == "remove":
        contact.tags.remove(tag)
    elif how == "reverse remove":
        tag.contacts.remove(contact)
    elif how == "clear":
        contact.tags.clear()
    else:
        tag.contacts.clear()

    assert Tag.objects.filter(name="made-up-for-one").exists() is False


def test_a_tag_still_carried_by_someone_stays(owner):
    tag = factories.TagFactory(name="kept")
    leaving = factories.ContactFactory(owner=owner, tags=[tag])
    factories.ContactFactory(owner=owner, tags=[tag])

    leaving.delete()

    assert Tag.objects.filter(name="kept").exists() is True


# Naming a tag (the web form, the API and an import alike, Tag.objects.named): a tag hidden
# from the user is never read back in its own spelling (an attacker's finding).


@pytest.mark.parametrize("surface", ["api", "web", "import"])
def test_typing_a_hidden_tags_name_in_another_case_tells_nothing_of_it(
    client, owner, outsider, tags, surface
):
    standard = factories.ContactFactory(owner=outsider, full_name="Dana Common")

    typed = ["SECRET", "Public", "NOSUCHTAG"]
    if surface == "api":
        response = api(outsider).patch(
            f"/api/v1/contacts/{standard.pk}/", {"tags": typed}, format="json"
        )
        assert response.status_code == 200, response.content
        read_back = sorted(response.json()["tags"])
    elif surface == "web":
        client.force_login(outsider)
        response = client.post(
            reverse("contacts:edit", args=[standard.pk]),
            {
                "full_name": standard.full_name,
                "category": standard.category,
                "country": "IL",
                "sensitivity": "standard",
                "owner": outsider.pk,
                "tags": ", ".join(typed),
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        read_back = sorted(standard.tags.values_list("name", flat=True))
    else:
        content = f"ID,Tags\n{standard.pk},{'; '.join(typed)}\n".encode()
        imported(previewed(outsider, "tags.csv", content), outsider)
        read_back = sorted(standard.tags.values_list("name", flat=True))

    # "SECRET" as typed, like an unknown tag; "public" (seen) in its own spelling.
    assert read_back == ["NOSUCHTAG", "SECRET", "public"]
    assert Tag.objects.get(name="secret").contacts.count() == 1  # the hidden one's, alone


def test_a_hidden_tags_very_name_is_the_same_tag(owner, outsider, tags):
    assert Tag.objects.named("secret", user=outsider) == tags["secret"]
    assert Tag.objects.named("Secret", user=owner) == tags["secret"]


def test_the_list_and_the_api_filter_by_a_tag_in_any_case_alike(client, owner, tags):
    """One rule (ContactQuerySet.tagged) for the web list, its exports and the API."""
    client.force_login(owner)

    web = client.get(reverse("contacts:list"), {"tag": "SHARED"}).context["page"].object_list
    rest = api(owner).get("/api/v1/contacts/", {"tag": "Shared"}).json()["results"]

    assert sorted(contact.pk for contact in web) == sorted(row["id"] for row in rest)
    assert len(rest) == 2  # the standard and the protected contact carrying it, each once
