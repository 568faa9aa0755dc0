"""The organization pages: the list and search, the organization page with only what the
reader may see, and adding, editing and deleting an organization."""

from django.urls import reverse

from contacts.models import Organization
from tests import factories
from tests.pages import page_text

# Organizations


def test_the_organization_list_searches_and_filters(client, owner):
    university = factories.OrganizationFactory(
        name="Hebrew University", kind=Organization.Kind.UNIVERSITY, country="IL"
    )
    outlet = factories.OrganizationFactory(
        name="Novaya Gazeta Europe", native_name="Новая газета", kind="media_outlet", country="LV"
    )
    client.force_login(owner)

    def found(**query):
        response = client.get(reverse("contacts:organization_list"), query)
        return [organization.pk for organization in response.context["page"].object_list]

    assert found() == [university.pk, outlet.pk]
    assert found(q="газета") == [outlet.pk]
    assert found(kind="university") == [university.pk]
    assert found(country="LV") == [outlet.pk]
    assert found(q="gazeta", kind="university") == []


def test_an_empty_organization_search_says_so(client, owner):
    factories.OrganizationFactory(name="Hebrew University")
    client.force_login(owner)

    response = client.get(reverse("contacts:organization_list"), {"q": "Sorbonne"})

    assert "No organizations match these filters." in page_text(response)


def test_the_organization_page_shows_visible_people_events_and_programmes_only(
    client, outsider, owner, standard, protected
):
    organization = factories.OrganizationFactory(name="Institute of Oriental Studies")
    for contact in (standard, protected):
        contact.organization = organization
        contact.save()
        factories.AffiliationFactory(contact=contact, organization=organization)
    factories.EventFactory(title="Poetry Round-table", host_organization=organization)
    programme = factories.ProgrammeFactory(title="Manuscript Exchange")
    programme.partners.add(organization)
    client.force_login(outsider)

    response = client.get(reverse("contacts:organization_detail", args=[organization.pk]))

    assert response.status_code == 200
    assert list(response.context["people"]) == [standard]
    assert [a.contact for a in response.context["affiliations"]] == [standard]
    body = page_text(response)
    assert "Anna Standardova" in body
    assert "Pavel Protectedov" not in body
    assert "Павел" not in body
    assert "Poetry Round-table" in body
    assert "Manuscript Exchange" in body
    client.force_login(owner)
    owners_view = client.get(reverse("contacts:organization_detail", args=[organization.pk]))
    assert list(owners_view.context["people"]) == [standard, protected]


# Organizations: added and edited by officers, planners, leads and admins


ORGANIZATION = {
    "name": "Hebrew University",
    "native_name": "האוניברסיטה העברית",
    "kind": "university",
    "country": "IL",
    "city": "Jerusalem",
    "website": "https://www.huji.ac.il",
    "description": "Joint summer school since 2019.",
}


def test_an_officer_adds_an_organization(client, owner):
    client.force_login(owner)

    response = client.post(reverse("contacts:organization_create"), ORGANIZATION)

    organization = Organization.objects.get(name="Hebrew University")
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:organization_detail", args=[organization.pk])
    assert (organization.native_name, organization.kind, organization.city) == (
        "האוניברסיטה העברית",
        "university",
        "Jerusalem",
    )


def test_the_same_name_in_the_same_country_is_refused_and_nothing_is_saved(client, owner):
    factories.OrganizationFactory(name="Hebrew University", country="IL")
    client.force_login(owner)

    response = client.post(
        reverse("contacts:organization_create"), {**ORGANIZATION, "website": "not a link"}
    )

    assert response.status_code == 200
    assert "nothing was saved" in response.content.decode()
    assert set(response.context["form"].errors) == {"__all__", "website"}
    assert Organization.objects.filter(name="Hebrew University").count() == 1


def test_a_planner_edits_an_organization(client, planner):
    organization = factories.OrganizationFactory(name="Old name", country="IL")
    client.force_login(planner)

    page = client.get(reverse("contacts:organization_edit", args=[organization.pk]))
    response = client.post(
        reverse("contacts:organization_edit", args=[organization.pk]),
        {**ORGANIZATION, "name": "New name"},
    )

    assert page.status_code == 200
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.name == "New name"


def test_an_analyst_reads_organizations_but_changes_none(client, analyst):
    organization = factories.OrganizationFactory(name="Kept", country="IL")
    client.force_login(analyst)

    listing = client.get(reverse("contacts:organization_list"))
    detail = client.get(reverse("contacts:organization_detail", args=[organization.pk]))
    create = client.post(reverse("contacts:organization_create"), ORGANIZATION)
    edit = client.post(
        reverse("contacts:organization_edit", args=[organization.pk]),
        {**ORGANIZATION, "name": "Changed"},
    )

    assert (listing.status_code, detail.status_code) == (200, 200)
    assert "New organization" not in listing.content.decode()
    assert reverse("contacts:organization_edit", args=[organization.pk]) not in (
        detail.content.decode()
    )
    assert (create.status_code, edit.status_code) == (403, 403)
    organization.refresh_from_db()
    assert organization.name == "Kept"
    assert not Organization.objects.filter(name="Hebrew University").exists()


def test_an_organization_nothing_names_is_deleted_after_a_confirmation(client, owner):
    organization = factories.OrganizationFactory(name="Duplicate", country="IL")
    client.force_login(owner)
    url = reverse("contacts:organization_delete", args=[organization.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert Organization.objects.filter(pk=organization.pk).exists()

    response = client.post(url)

    assert response.status_code == 302
    assert not Organization.objects.filter(pk=organization.pk).exists()


def test_an_organization_a_hidden_contact_names_is_kept(client, outsider, protected):
    # The outsider may not see the protected contact: deleting its organization would
    # change it, so the web app keeps the organization (and says so without naming it).
    organization = factories.OrganizationFactory(name="Kept", country="IL")
    protected.organization = organization
    protected.save()
    client.force_login(outsider)

    response = client.post(reverse("contacts:organization_delete", args=[organization.pk]))

    assert response.status_code == 409
    assert "is kept" in page_text(response)
    assert protected.full_name not in page_text(response)
    protected.refresh_from_db()
    assert protected.organization == organization
