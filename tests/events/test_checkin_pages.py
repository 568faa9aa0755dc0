"""Check-in at the door: the list of guests still expected, and recording attendance with
htmx or without. Check-in needs an event under way, so that one is placed around the real now.
"""

from django.urls import reverse

from contacts.models import Exchange
from events.models import Invitation
from tests import factories
from tests.events.pages import event_under_way, make_event
from tests.pages import page_text


def test_check_in_lists_visible_guests_still_expected(client, planner, hidden_contacts):
    event = event_under_way(planners=[planner])
    factories.InvitationFactory(
        event=event, contact__full_name="Ada Accepted", status=Invitation.Status.ACCEPTED
    )
    factories.InvitationFactory(
        event=event, contact__full_name="Boris Declined", status=Invitation.Status.DECLINED
    )
    factories.InvitationFactory(
        event=event, contact=hidden_contacts[0], status=Invitation.Status.ACCEPTED
    )
    client.force_login(planner)

    body = page_text(client.get(reverse("events:checkin", args=[event.pk])))

    assert "Ada Accepted" in body
    assert "Boris Declined" not in body
    assert "Zofia Protectedova" not in body
    assert body.count('class="checkin-row') == 1


def test_check_in_with_htmx_returns_the_row_and_records_the_attendance(client, planner):
    event = event_under_way(planners=[planner])
    guest = factories.ContactFactory(full_name="Ada Guest")
    invitation = factories.InvitationFactory(
        event=event, contact=guest, status=Invitation.Status.ACCEPTED
    )
    client.force_login(planner)

    response = client.post(
        reverse("events:invitation_checkin", args=[invitation.pk]),
        {"attended": "1"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    body = page_text(response).strip()
    assert body.startswith(f'<li class="checkin-row status-attended" id="checkin-{invitation.pk}">')
    assert "<html" not in body
    assert '<span class="badge status-attended">Attended</span>' in body
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ATTENDED
    exchange = Exchange.objects.get(kind=Exchange.Kind.EVENT)
    assert list(exchange.contacts.all()) == [guest]
    assert list(exchange.officers.all()) == [planner]
    assert invitation.attendance_exchange == exchange


def test_check_in_without_htmx_redirects_back_with_a_message(client, planner):
    event = event_under_way(planners=[planner])
    invitation = factories.InvitationFactory(
        event=event, contact__full_name="Ada Guest", status=Invitation.Status.TENTATIVE
    )
    client.force_login(planner)

    response = client.post(
        reverse("events:invitation_checkin", args=[invitation.pk]), {"attended": "0"}
    )

    assert response.status_code == 302
    checkin_url = reverse("events:checkin", args=[event.pk])
    assert response["Location"] == f"{checkin_url}#checkin-{invitation.pk}"
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.NO_SHOW
    assert "Ada Guest: no show." in page_text(client.get(checkin_url))
    assert Exchange.objects.exists() is False


def test_check_in_before_the_day_shows_the_reason_in_the_row(client, planner):
    event = make_event(planners=[planner])
    invitation = factories.InvitationFactory(
        event=event, contact__full_name="Ada Guest", status=Invitation.Status.ACCEPTED
    )
    client.force_login(planner)

    response = client.post(
        reverse("events:invitation_checkin", args=[invitation.pk]),
        {"attended": "1"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert '<p class="checkin-error" role="alert">Check-in opens on the day of the event.</p>' in (
        page_text(response)
    )
    invitation.refresh_from_db()
    assert (invitation.status, invitation.checked_in_at) == (Invitation.Status.ACCEPTED, None)
    assert Exchange.objects.exists() is False


def test_check_in_needs_attended_one_or_zero(client, planner):
    event = event_under_way(planners=[planner])
    invitation = factories.InvitationFactory(event=event, status=Invitation.Status.ACCEPTED)
    client.force_login(planner)

    response = client.post(
        reverse("events:invitation_checkin", args=[invitation.pk]), {"attended": "yes"}
    )

    assert response.status_code == 400
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
