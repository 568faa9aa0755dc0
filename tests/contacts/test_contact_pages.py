"""The contact page (profile, timeline, access log), grants, and creating, editing and
deleting a contact from the web pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import AccessLog, Contact, Grant, OfficerProfile, Sensitivity
from events.models import Invitation
from tests import factories
from tests.contacts.pages import overdue_channel
from tests.pages import messages_of, page_text

# The contact page


def test_the_contact_page_shows_profile_channels_timeline_events_and_programmes(
    client, owner, teammate, standard
):
    organization = factories.OrganizationFactory(name="Tel Aviv University")
    factories.AffiliationFactory(contact=standard, organization=organization, role="Lecturer")
    overdue_channel(owner, standard)
    factories.ExchangeFactory(
        contacts=[standard], officers=[teammate], summary="Tea after the book launch."
    )
    event = factories.EventFactory(title="Spring Poetry Evening")
    factories.InvitationFactory(event=event, contact=standard, status=Invitation.Status.ACCEPTED)
    programme = factories.ProgrammeFactory(title="Joint Archive Digitisation")
    programme.participants.add(standard)
    client.force_login(owner)

    response = client.get(reverse("contacts:detail", args=[standard.pk]))

    assert response.status_code == 200
    body = page_text(response)
    assert "Likes long walks by the river." in body
    assert "Lecturer" in body
    assert "Tel Aviv University" in body
    assert [channel.overdue for channel in response.context["channels"]] == [True]
    assert '<span class="badge overdue">Overdue</span>' in body
    assert "Tea after the book launch." in body
    assert "Spring Poetry Evening" in body
    assert "Accepted" in body
    assert "Joint Archive Digitisation" in body
    log = reverse("contacts:exchange_new") + f"?contact={standard.pk}"
    assert f'href="{log}"' in body


def test_dates_are_shown_in_the_users_zone(client, owner, standard):
    OfficerProfile.objects.create(user=owner, timezone="Asia/Jerusalem")
    factories.ExchangeFactory(
        contacts=[standard],
        officers=[owner],
        occurred_at=dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC),
        summary="Breakfast meeting.",
    )
    client.force_login(owner)

    response = client.get(reverse("contacts:detail", args=[standard.pk]))

    assert "3 Mar 2025, 11:00 IST" in page_text(response)


@pytest.mark.parametrize(
    ("persona", "contact_name"),
    [("outsider", "restricted"), ("outsider", "protected"), ("teammate", "protected")],
)
def test_a_contact_the_user_may_not_see_is_404_and_not_logged(
    client, request, persona, contact_name
):
    user = request.getfixturevalue(persona)
    contact = request.getfixturevalue(contact_name)
    client.force_login(user)

    response = client.get(reverse("contacts:detail", args=[contact.pk]))

    assert response.status_code == 404
    assert contact.full_name not in page_text(response)
    assert AccessLog.objects.exists() is False


def test_a_teammate_sees_a_restricted_contact(client, teammate, restricted):
    client.force_login(teammate)

    response = client.get(reverse("contacts:detail", args=[restricted.pk]))

    assert response.status_code == 200
    assert "Rina Restrictova" in page_text(response)


def test_viewing_a_protected_contact_writes_one_web_access_log_row(
    client, owner, protected, standard
):
    client.force_login(owner)

    client.get(reverse("contacts:detail", args=[standard.pk]))
    assert AccessLog.objects.exists() is False

    client.get(reverse("contacts:detail", args=[protected.pk]))

    entry = AccessLog.objects.get()
    assert (entry.user, entry.contact, entry.surface) == (owner, protected, "web")
    assert timezone.now() - entry.viewed_at < dt.timedelta(minutes=1)


def test_a_superuser_view_of_a_protected_contact_is_logged_too(client, admin_user, protected):
    client.force_login(admin_user)

    response = client.get(reverse("contacts:detail", args=[protected.pk]))

    assert response.status_code == 200
    assert AccessLog.objects.get().user == admin_user


def test_analysts_see_no_private_notes(client, owner, analyst, standard):
    factories.ExchangeFactory(
        contacts=[standard],
        officers=[owner],
        summary="Lunch at the institute.",
        notes="Worried about the new director.",
    )
    client.force_login(analyst)

    response = client.get(reverse("contacts:detail", args=[standard.pk]))

    body = page_text(response)
    assert response.status_code == 200
    assert "Lunch at the institute." in body
    assert "Likes long walks by the river." not in body
    assert "Worried about the new director." not in body
    assert "Private notes" not in body
    client.force_login(owner)
    owners_body = page_text(client.get(reverse("contacts:detail", args=[standard.pk])))
    assert "Likes long walks by the river." in owners_body
    assert "Worried about the new director." in owners_body


def test_an_exchange_naming_a_hidden_contact_is_not_on_the_timeline(
    client, owner, outsider, standard, protected
):
    factories.ExchangeFactory(
        contacts=[standard, protected], officers=[owner], summary="Dinner with both."
    )
    factories.ExchangeFactory(contacts=[standard], officers=[owner], summary="Call alone.")
    client.force_login(outsider)

    response = client.get(reverse("contacts:detail", args=[standard.pk]))

    body = page_text(response)
    assert [exchange.summary for exchange in response.context["exchanges"]] == ["Call alone."]
    assert "Dinner with both." not in body
    assert "Pavel Protectedov" not in body
    client.force_login(owner)
    assert "Dinner with both." in page_text(
        client.get(reverse("contacts:detail", args=[standard.pk]))
    )


# Grants


def test_the_owner_grants_and_revokes_access(client, owner, grantee, protected):
    detail = reverse("contacts:detail", args=[protected.pk])
    client.force_login(owner)
    assert "Access grants" in page_text(client.get(detail))

    response = client.post(reverse("contacts:grant_add", args=[protected.pk]), {"user": grantee.pk})

    assert response.status_code == 302
    assert response.url == detail
    grant = Grant.objects.get()
    assert (grant.contact, grant.user, grant.granted_by) == (protected, grantee, owner)
    client.force_login(grantee)
    assert client.get(detail).status_code == 200

    client.force_login(owner)
    response = client.post(reverse("contacts:grant_revoke", args=[protected.pk, grantee.pk]))

    assert response.url == detail
    assert Grant.objects.exists() is False
    assert messages_of(response) == ["grantee no longer sees Pavel Protectedov."]
    client.force_login(grantee)
    assert client.get(detail).status_code == 404


def test_a_teammate_who_sees_a_restricted_contact_cannot_grant(
    client, teammate, outsider, restricted
):
    client.force_login(teammate)

    page = client.get(reverse("contacts:detail", args=[restricted.pk]))
    response = client.post(
        reverse("contacts:grant_add", args=[restricted.pk]), {"user": outsider.pk}
    )

    assert "Access grants" not in page_text(page)
    assert response.status_code == 302
    assert messages_of(response) == ["Only the contact's owner grants or revokes access."]
    assert Grant.objects.exists() is False


def test_granting_on_a_standard_contact_is_refused_with_a_message(
    client, owner, outsider, standard
):
    client.force_login(owner)

    response = client.post(reverse("contacts:grant_add", args=[standard.pk]), {"user": outsider.pk})

    assert messages_of(response) == ["A standard contact is visible to all staff; grant nothing."]
    assert Grant.objects.exists() is False


def test_grants_on_a_contact_the_user_may_not_see_are_404(
    client, outsider, grantee, owner, protected
):
    factories.GrantFactory(contact=protected, user=grantee, granted_by=owner)
    client.force_login(outsider)

    added = client.post(reverse("contacts:grant_add", args=[protected.pk]), {"user": outsider.pk})
    revoked = client.post(reverse("contacts:grant_revoke", args=[protected.pk, grantee.pk]))

    assert (added.status_code, revoked.status_code) == (404, 404)
    assert list(Grant.objects.values_list("user__username", flat=True)) == ["grantee"]


# Create and edit


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "Hebrew, English, Georgian, xx"),
        ("ru", "Иврит, Английский, Грузинский, xx"),
        ("he", "עברית, אנגלית, גיאורגית, xx"),
    ],
)
def test_a_contacts_languages_are_named_in_the_readers_language(client, owner, language, shown):
    contact = factories.ContactFactory(owner=owner, languages=["he", "en", "ka", "xx"])
    OfficerProfile.objects.update_or_create(user=owner, defaults={"language": language})
    client.force_login(owner)

    response = client.get(reverse("contacts:detail", args=[contact.pk]))

    assert f"<dd>{shown}</dd>" in response.content.decode()


def _contact_data(**overrides):
    data = {
        "full_name": "Lea Newcontact",
        "native_name": "לאה",
        "category": "journalist",
        "organization": "",
        "email": "lea@example.org",
        "phone": "",
        "country": "IL",
        "languages": "he, en",
        "layer": "narrative",
        "sensitivity": "standard",
        "notes": "",
    }
    return {**data, **overrides}


def test_creating_a_contact_defaults_the_owner_to_the_user(client, owner):
    client.force_login(owner)

    form = client.get(reverse("contacts:create")).context["form"]
    response = client.post(reverse("contacts:create"), _contact_data(owner=owner.pk))

    assert form["owner"].value() == owner.pk
    contact = Contact.objects.get()
    assert response.url == reverse("contacts:detail", args=[contact.pk])
    assert (contact.full_name, contact.owner, contact.languages) == (
        "Lea Newcontact",
        owner,
        ["he", "en"],
    )


def test_invalid_contact_input_shows_the_messages_and_saves_nothing(client, owner):
    client.force_login(owner)

    response = client.post(
        reverse("contacts:create"),
        _contact_data(full_name="", email="not-an-address", owner=owner.pk),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "full_name": ["This field is required."],
        "email": ["Enter a valid email address."],
    }
    body = page_text(response)
    assert "This field is required." in body
    assert "Enter a valid email address." in body
    assert 'aria-invalid="true"' in body
    assert Contact.objects.exists() is False


def test_analysts_and_planners_may_not_create_contacts(client, analyst, planner):
    for user in (analyst, planner):
        client.force_login(user)

        response = client.post(reverse("contacts:create"), _contact_data(owner=user.pk))

        assert response.status_code == 403
    assert Contact.objects.exists() is False


def test_the_owner_edits_a_contact_and_its_sensitivity(client, owner, standard):
    client.force_login(owner)

    response = client.post(
        reverse("contacts:edit", args=[standard.pk]),
        _contact_data(full_name="Anna Renamed", sensitivity="protected", owner=owner.pk),
    )

    assert response.url == reverse("contacts:detail", args=[standard.pk])
    standard.refresh_from_db()
    assert (standard.full_name, standard.sensitivity) == ("Anna Renamed", "protected")


def test_a_teammate_edits_but_cannot_change_owner_or_sensitivity(
    client, owner, teammate, restricted
):
    client.force_login(teammate)

    form = client.get(reverse("contacts:edit", args=[restricted.pk])).context["form"]
    client.post(
        reverse("contacts:edit", args=[restricted.pk]),
        _contact_data(full_name="Rina Renamed", sensitivity="standard", owner=teammate.pk),
    )

    assert form.fields["owner"].disabled is True
    assert form.fields["sensitivity"].disabled is True
    restricted.refresh_from_db()
    assert (restricted.full_name, restricted.sensitivity, restricted.owner) == (
        "Rina Renamed",
        "restricted",
        owner,
    )


def test_invalid_edit_shows_the_messages_and_changes_nothing(client, owner, standard):
    before = Contact.objects.values().get(pk=standard.pk)
    client.force_login(owner)

    response = client.post(
        reverse("contacts:edit", args=[standard.pk]),
        _contact_data(full_name="", layer="nowhere", owner=owner.pk),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "full_name": ["This field is required."],
        "layer": ["Select a valid choice. nowhere is not one of the available choices."],
    }
    assert "<h1>Edit Anna Standardova</h1>" in page_text(response)
    assert Contact.objects.values().get(pk=standard.pk) == before


def test_editing_a_contact_the_user_may_not_see_is_404(client, outsider, protected):
    before = Contact.objects.values().get(pk=protected.pk)
    client.force_login(outsider)

    shown = client.get(reverse("contacts:edit", args=[protected.pk]))
    posted = client.post(
        reverse("contacts:edit", args=[protected.pk]),
        _contact_data(full_name="Taken over", owner=outsider.pk),
    )

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert Contact.objects.values().get(pk=protected.pk) == before


def test_the_edit_page_of_a_protected_contact_is_access_logged(client, owner, protected):
    client.force_login(owner)

    client.get(reverse("contacts:edit", args=[protected.pk]))

    assert AccessLog.objects.get().surface == "web"


def test_handing_a_protected_contact_to_another_owner_returns_to_the_list(
    client, owner, grantee, protected
):
    client.force_login(owner)

    response = client.post(
        reverse("contacts:edit", args=[protected.pk]),
        _contact_data(full_name="Pavel Protectedov", sensitivity="protected", owner=grantee.pk),
    )

    assert response.url == reverse("contacts:list")
    protected.refresh_from_db()
    assert protected.owner == grantee
    assert client.get(reverse("contacts:detail", args=[protected.pk])).status_code == 404


# Delete


def test_delete_asks_first_and_a_get_changes_nothing(client, owner, standard):
    client.force_login(owner)

    response = client.get(reverse("contacts:delete", args=[standard.pk]))

    assert response.status_code == 200
    body = page_text(response)
    assert "<h1>Delete Anna Standardova?</h1>" in body
    assert '<form method="post"' in body
    assert Contact.objects.filter(pk=standard.pk).exists() is True


def test_the_owner_deletes_a_contact_with_a_post(client, owner, standard):
    client.force_login(owner)

    response = client.post(reverse("contacts:delete", args=[standard.pk]))

    assert response.url == reverse("contacts:list")
    assert Contact.objects.filter(pk=standard.pk).exists() is False
    assert messages_of(response) == ["Anna Standardova was deleted."]


def test_a_user_who_sees_but_does_not_own_a_contact_may_not_delete_it(client, teammate, standard):
    client.force_login(teammate)

    shown = client.get(reverse("contacts:delete", args=[standard.pk]))
    posted = client.post(reverse("contacts:delete", args=[standard.pk]))

    assert (shown.status_code, posted.status_code) == (403, 403)
    assert Contact.objects.filter(pk=standard.pk).exists() is True


def test_deleting_a_contact_the_user_may_not_see_is_404(client, outsider, protected):
    client.force_login(outsider)

    shown = client.get(reverse("contacts:delete", args=[protected.pk]))
    posted = client.post(reverse("contacts:delete", args=[protected.pk]))

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert Contact.objects.filter(pk=protected.pk).exists() is True


def test_the_contact_page_shows_its_tags_each_a_link_to_the_list_of_that_tag(client, owner):
    """A user's finding: tags were typed on the form and never shown again."""
    alumni = factories.TagFactory(name="Alumni")
    tagged = factories.ContactFactory(owner=owner, full_name="Tal Tagged", tags=[alumni])
    factories.ContactFactory(owner=owner, full_name="Uri Untagged")
    hidden = factories.ContactFactory(
        full_name="Hana Hidden", sensitivity=Sensitivity.PROTECTED, tags=[alumni]
    )
    client.force_login(owner)

    page = page_text(client.get(reverse("contacts:detail", args=[tagged.pk])))
    listed = page_text(client.get(reverse("contacts:list"), {"tag": "alumni"}))

    assert '<a class="tag" href="/contacts/?tag=Alumni" dir="auto">Alumni</a>' in page
    assert "Tal Tagged" in listed
    assert "Uri Untagged" not in listed
    assert hidden.full_name not in listed
    nobody = page_text(client.get(reverse("contacts:list"), {"tag": "no-such-tag"}))
    assert "Tal Tagged" not in nobody
