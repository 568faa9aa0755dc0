"""A deletion never touches what its author cannot see (DESIGN.md, "Access rules"): on the
API, the web and the admin, a deletion that would delete or change a hidden row is refused
as "still in use", worded as for visible dependants, naming nothing."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from contacts import deletion, services
from contacts.models import Affiliation, Contact, Organization, Sensitivity, Tag
from events.models import Event, Invitation, Programme
from tests import factories
from tests.conftest import api
from tests.pages import page_text

API = "/api/v1"


@pytest.fixture
def hidden(outsider):
    """A protected contact of the outsider's, which no other persona may see."""
    return factories.ContactFactory(
        full_name="Hidden Hanna", owner=outsider, sensitivity=Sensitivity.PROTECTED
    )


# API


def test_api_refuses_to_delete_an_organization_named_only_by_a_hidden_affiliation(owner, hidden):
    organization = factories.OrganizationFactory()
    factories.AffiliationFactory(contact=hidden, organization=organization)

    response = api(owner).delete(f"{API}/organizations/{organization.pk}/")

    assert response.status_code == 409
    assert response.json() == {
        "status": 409,
        "code": "in_use",
        "detail": "This organization is still in use, so it is kept.",
        "fields": {},
    }
    assert Organization.objects.filter(pk=organization.pk).exists() is True
    assert Affiliation.objects.filter(contact=hidden, organization=organization).count() == 1


def test_api_refuses_to_empty_a_hidden_contacts_organization(owner, hidden):
    organization = factories.OrganizationFactory()
    hidden.organization = organization
    hidden.save(update_fields=["organization"])

    response = api(owner).delete(f"{API}/organizations/{organization.pk}/")

    assert response.status_code == 409
    hidden.refresh_from_db()
    assert hidden.organization_id == organization.pk


def test_api_answers_alike_for_an_organization_named_by_a_visible_or_a_hidden_contact(
    owner, hidden
):
    named_by_hidden = factories.OrganizationFactory()
    named_by_visible = factories.OrganizationFactory()
    factories.AffiliationFactory(contact=hidden, organization=named_by_hidden)
    factories.AffiliationFactory(contact=factories.ContactFactory(), organization=named_by_visible)
    client = api(owner)

    first = client.delete(f"{API}/organizations/{named_by_hidden.pk}/")
    second = client.delete(f"{API}/organizations/{named_by_visible.pk}/")

    assert (first.status_code, first.json()) == (second.status_code, second.json())
    assert (
        Organization.objects.filter(pk__in=[named_by_hidden.pk, named_by_visible.pk]).count() == 2
    )


def test_api_deletes_an_organization_nothing_names(owner):
    organization = factories.OrganizationFactory()

    response = api(owner).delete(f"{API}/organizations/{organization.pk}/")

    assert response.status_code == 204
    assert Organization.objects.filter(pk=organization.pk).exists() is False


def test_api_refuses_a_planner_deleting_an_event_with_a_hidden_guest(planner, hidden):
    event = factories.EventFactory(planners=[planner])
    invitation = factories.InvitationFactory(event=event, contact=hidden)

    response = api(planner).delete(f"{API}/events/{event.pk}/")

    assert response.status_code == 409
    assert response.json()["detail"] == "This event is still in use, so it is kept."
    assert Invitation.objects.filter(pk=invitation.pk).exists() is True


def test_api_lets_a_planner_delete_an_event_with_visible_guests_only(planner):
    event = factories.EventFactory(planners=[planner])
    factories.InvitationFactory(event=event, contact=factories.ContactFactory())

    response = api(planner).delete(f"{API}/events/{event.pk}/")

    assert response.status_code == 204
    assert Event.objects.filter(pk=event.pk).exists() is False


def test_api_refuses_deleting_a_programme_with_a_hidden_participant(planner, hidden):
    programme = factories.ProgrammeFactory()
    programme.participants.add(hidden)

    response = api(planner).delete(f"{API}/programmes/{programme.pk}/")

    assert response.status_code == 409
    assert list(Programme.objects.get(pk=programme.pk).participants.all()) == [hidden]


def test_api_refuses_the_owner_deleting_a_contact_on_an_exchange_they_cannot_read(owner, hidden):
    mine = factories.ContactFactory(owner=owner)
    exchange = factories.ExchangeFactory(contacts=[mine, hidden])

    response = api(owner).delete(f"{API}/contacts/{mine.pk}/")

    assert response.status_code == 409
    assert set(exchange.contacts.all()) == {mine, hidden}


def test_a_superuser_deletes_whatever_depends_on_the_object(admin_user, hidden):
    event = factories.EventFactory()
    factories.InvitationFactory(event=event, contact=hidden)

    response = api(admin_user).delete(f"{API}/events/{event.pk}/")

    assert response.status_code == 204
    assert Invitation.objects.filter(contact=hidden).exists() is False


# The service, whatever the surface


def test_a_reminder_of_another_officer_does_not_block_deleting_a_visible_exchange(owner, teammate):
    contact = factories.ContactFactory()
    exchange = factories.ExchangeFactory(contacts=[contact], officers=[owner, teammate])
    factories.ReminderFactory(kind="follow_up", channel=None, exchange=exchange, recipient=teammate)

    deletion.check_deletable([exchange], user=owner)  # does not raise


def test_tag_carried_by_a_hidden_contact_is_still_in_use(owner, hidden):
    tag = factories.TagFactory(name="shared")
    hidden.tags.add(tag)
    factories.ContactFactory(owner=owner).tags.add(tag)

    with pytest.raises(deletion.StillInUse, match="This tag is still in use"):
        deletion.check_deletable([tag], user=owner)
    assert Tag.objects.filter(pk=tag.pk).exists() is True


# Web


def test_web_organization_delete_page_names_nothing_that_names_it(client, owner, hidden):
    """Its page asks as for an organization nothing names (an attacker's finding: it said
    "still in use" to whoever opened it, which told of a hidden contact without trying to
    delete anything); the deletion itself is refused in the same words as for visible
    rows, naming nothing."""
    organization = factories.OrganizationFactory(name="Quiet Institute")
    factories.AffiliationFactory(contact=hidden, organization=organization)
    empty = factories.OrganizationFactory(name="Empty Institute")
    client.force_login(owner)
    url = reverse("contacts:organization_delete", args=[organization.pk])

    page = client.get(url)
    post = client.post(url)

    main = page_text(page)
    for shown in (main, page_text(client.get(url.replace(str(organization.pk), str(empty.pk))))):
        assert "No record you may see names this organization." in shown
        assert "Delete organization" in shown
    assert "still in use" not in main
    content = post.content.decode()
    assert "This organization is still in use, so it is kept." in content
    for word in ("contacts", "affiliations", "events", "programmes", "signals"):
        assert f" {word}" not in content.split("<main", 1)[-1].split("</main>")[0]
    assert post.status_code == 409
    assert Organization.objects.filter(pk=organization.pk).exists() is True


def test_web_organization_delete_page_says_in_use_when_the_reader_sees_what_names_it(client, owner):
    organization = factories.OrganizationFactory(name="Busy Institute")
    factories.ContactFactory(owner=owner, organization=organization)
    client.force_login(owner)

    page = client.get(reverse("contacts:organization_delete", args=[organization.pk]))

    assert "This organization is still in use, so it is kept." in page_text(page)
    assert "Delete organization" not in page_text(page)


def test_web_refuses_the_owner_deleting_a_contact_on_an_exchange_they_cannot_read(
    client, owner, hidden
):
    mine = factories.ContactFactory(owner=owner, full_name="Mine")
    factories.ExchangeFactory(contacts=[mine, hidden])
    client.force_login(owner)

    response = client.post(reverse("contacts:delete", args=[mine.pk]))

    assert response.status_code == 409
    assert "This contact is still in use, so it is kept." in response.content.decode()
    assert "Hidden Hanna" not in response.content.decode()
    assert Contact.objects.filter(pk=mine.pk).exists() is True


def test_web_owner_deletes_a_contact_whose_exchanges_they_read(client, owner):
    mine = factories.ContactFactory(owner=owner)
    factories.ExchangeFactory(contacts=[mine, factories.ContactFactory()], officers=[owner])
    client.force_login(owner)

    response = client.post(reverse("contacts:delete", args=[mine.pk]))

    assert response.status_code == 302
    assert Contact.objects.filter(pk=mine.pk).exists() is False


# Admin


def test_admin_refuses_a_non_superuser_deleting_a_user_whose_rows_are_hidden(
    client, hidden, outsider
):
    deputy = factories.UserFactory(username="deputy", roles=["admin"], is_staff=True)
    deputy.user_permissions.add(
        *Permission.objects.filter(codename__in=["delete_user", "view_user"])
    )
    officer = factories.UserFactory(username="leaving")
    factories.ChannelFactory(contact=hidden, officer=officer)
    client.force_login(deputy)
    url = reverse("admin:auth_user_delete", args=[officer.pk])

    page = client.get(url)
    post = client.post(url, {"post": "yes"})

    assert "Hidden Hanna" not in page.content.decode()
    assert post.context["protected"] == ["This user is still in use, so it is kept."]
    assert hidden.channels.filter(officer=officer).exists() is True


def test_admin_contact_delete_goes_through_the_owner_rule(client, owner, teammate):
    theirs = factories.ContactFactory(owner=teammate)
    owner.is_staff = True
    owner.save(update_fields=["is_staff"])
    owner.user_permissions.add(Permission.objects.get(codename="delete_contact"))
    client.force_login(owner)

    response = client.post(
        reverse("admin:contacts_contact_delete", args=[theirs.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Contact.objects.filter(pk=theirs.pk).exists() is True


def test_seal_survives_the_owner_deleting_a_contact_through_the_service(owner, grantee):
    protected = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    exchange = factories.ExchangeFactory(contacts=[protected], officers=[owner])

    services.delete_contact(protected, user=owner)

    exchange.refresh_from_db()
    assert exchange.is_sealed is True


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("en", "This organization is still in use, so it is kept."),
        ("ru", "Нельзя удалить: организация ещё используется."),
        ("he", "אי אפשר למחוק: ארגון עדיין בשימוש."),
    ],
)
def test_the_refusal_reads_in_the_users_language(client, owner, hidden, language, refusal):
    organization = factories.OrganizationFactory(name="Quiet Institute")
    factories.AffiliationFactory(contact=hidden, organization=organization)
    client.force_login(owner)

    page = client.post(
        reverse("contacts:organization_delete", args=[organization.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert refusal in page.content.decode()
