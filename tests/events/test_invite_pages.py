"""Inviting from the web app: one contact, or in bulk by category, tag or organization, with
a report of who was invited and who skipped. A contact the planner may not see is neither
offered nor invited."""

from django.urls import reverse

from contacts.models import Contact
from events.models import Invitation
from tests import factories
from tests.events.pages import make_event
from tests.pages import page_text


def test_inviting_one_contact_shows_the_report_and_creates_the_invitation(client, planner):
    event = make_event(planners=[planner])
    guest = factories.ContactFactory(full_name="Ada Guest")
    client.force_login(planner)
    url = reverse("events:invite", args=[event.pk])

    first = client.post(url, {"mode": "one", "one-contact": guest.pk, "one-role": "speaker"})
    again = client.post(url, {"mode": "one", "one-contact": guest.pk, "one-role": "guest"})

    invitation = Invitation.objects.get()
    assert (invitation.event, invitation.contact, invitation.role, invitation.invited_by) == (
        event,
        guest,
        Invitation.Role.SPEAKER,
        planner,
    )
    assert '<h2 id="report-title">Invited 1, skipped 0</h2>' in page_text(first)
    assert '<ul class="invited"><li>Ada Guest</li></ul>' in page_text(first)
    assert '<h2 id="report-title">Invited 0, skipped 1</h2>' in page_text(again)
    assert '<ul class="skipped"><li>Ada Guest: already invited</li></ul>' in page_text(again)


def test_a_hidden_contact_is_not_offered_and_cannot_be_invited(client, planner, hidden_contacts):
    event = make_event(planners=[planner])
    protected = hidden_contacts[0]
    client.force_login(planner)
    url = reverse("events:invite", args=[event.pk])

    page = client.get(url)
    response = client.post(url, {"mode": "one", "one-contact": protected.pk, "one-role": "guest"})

    assert "Zofia Protectedova" not in page_text(page)
    assert response.status_code == 200
    assert "Select a valid choice." in page_text(response)
    assert "Zofia Protectedova" not in page_text(response)
    assert Invitation.objects.exists() is False


def test_inviting_in_bulk_by_category_reports_invited_and_skipped(client, planner, hidden_contacts):
    event = make_event(planners=[planner])
    already = factories.ContactFactory(full_name="Ada Journalist", category="journalist")
    fresh = factories.ContactFactory(full_name="Boris Journalist", category="journalist")
    factories.ContactFactory(full_name="Chana Academic", category="academic")
    Contact.objects.filter(pk=hidden_contacts[0].pk).update(category="journalist")
    factories.InvitationFactory(event=event, contact=already)
    client.force_login(planner)

    response = client.post(
        reverse("events:invite", args=[event.pk]),
        {"mode": "bulk", "bulk-category": "journalist", "bulk-role": "press"},
    )

    body = page_text(response)
    assert '<h2 id="report-title">Invited 1, skipped 1</h2>' in body
    assert '<ul class="invited"><li>Boris Journalist</li></ul>' in body
    assert '<ul class="skipped"><li>Ada Journalist: already invited</li></ul>' in body
    assert "Zofia Protectedova" not in body
    assert set(event.invitations.values_list("contact__full_name", "role")) == {
        ("Ada Journalist", Invitation.Role.GUEST),
        ("Boris Journalist", Invitation.Role.PRESS),
    }
    assert fresh.invitations.get().invited_by == planner


def test_inviting_in_bulk_by_tag_and_organization(client, planner):
    event = make_event(planners=[planner])
    tag = factories.TagFactory(name="alumni")
    institute = factories.OrganizationFactory(name="Weizmann")
    factories.ContactFactory(full_name="Ada Alumna", tags=[tag], organization=institute)
    factories.ContactFactory(full_name="Boris Elsewhere", tags=[tag])
    client.force_login(planner)

    response = client.post(
        reverse("events:invite", args=[event.pk]),
        {
            "mode": "bulk",
            "bulk-tag": "alumni",
            "bulk-organization": institute.pk,
            "bulk-role": "guest",
        },
    )

    assert '<h2 id="report-title">Invited 1, skipped 0</h2>' in page_text(response)
    assert list(event.invitations.values_list("contact__full_name", flat=True)) == ["Ada Alumna"]


def test_inviting_in_bulk_needs_a_criterion(client, planner):
    event = make_event(planners=[planner])
    factories.ContactFactory(full_name="Ada Guest")
    client.force_login(planner)

    response = client.post(
        reverse("events:invite", args=[event.pk]), {"mode": "bulk", "bulk-role": "guest"}
    )

    assert response.status_code == 200
    assert "Choose at least one of category, organization, tag or layer." in page_text(response)
    assert Invitation.objects.exists() is False
