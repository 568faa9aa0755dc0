"""Inviting one contact from the web app, with a report of who was invited and who skipped
(in bulk: test_bulk_invite.py). A contact the planner may not see is neither offered nor
invited."""

from django.urls import reverse

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


def test_no_one_is_invited_to_a_cancelled_event_on_the_web_or_the_api(client, planner):
    """A user's finding: a cancelled event still took invitations, without a word."""
    from tests.conftest import api

    event = make_event(planners=[planner], status="cancelled")
    guest = factories.ContactFactory(full_name="Ada Guest")
    client.force_login(planner)

    web = client.post(
        reverse("events:invite", args=[event.pk]),
        {"mode": "one", "one-contact": guest.pk, "one-role": "guest"},
    )
    rest = api(planner).post(
        "/api/v1/invitations/", {"event": event.pk, "contact": guest.pk}, format="json"
    )

    assert '<h2 id="report-title">Invited 0, skipped 1</h2>' in page_text(web)
    assert f"contact #{guest.pk}: the event was cancelled" in page_text(web)
    assert rest.status_code == 400
    assert rest.json()["fields"]["contact"] == ["This event was cancelled: no one can be invited."]
    assert Invitation.objects.exists() is False
