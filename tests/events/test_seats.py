"""Seats are a fact about the room (README, access rules): capacity counts every seated
guest, hidden ones too; planners see the seats left, guest-list counts count only the
guests the reader may see."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from contacts.models import Sensitivity
from events import services
from events.models import Invitation
from tests import factories


def _event_with_a_hidden_accepted_guest(planner, outsider):
    event = factories.EventFactory(
        planners=[planner],
        capacity=2,
        starts_at=timezone.now() + dt.timedelta(days=5),
        ends_at=timezone.now() + dt.timedelta(days=5, hours=2),
    )
    hidden = factories.ContactFactory(owner=outsider, sensitivity=Sensitivity.PROTECTED)
    visible = factories.ContactFactory(full_name="Vera Visible")
    factories.InvitationFactory(event=event, contact=hidden, status=Invitation.Status.ACCEPTED)
    factories.InvitationFactory(event=event, contact=visible, status=Invitation.Status.ACCEPTED)
    return event


def test_a_hidden_accepted_guest_takes_a_seat(planner, outsider):
    event = _event_with_a_hidden_accepted_guest(planner, outsider)
    latecomer = factories.InvitationFactory(event=event, contact=factories.ContactFactory())

    services.respond(invitation=latecomer, status=Invitation.Status.ACCEPTED, now=timezone.now())

    latecomer.refresh_from_db()
    assert latecomer.status == Invitation.Status.WAITLISTED
    assert event.seats_left() == 0


def test_planner_sees_seats_left_while_counts_show_visible_guests_only(client, planner, outsider):
    event = _event_with_a_hidden_accepted_guest(planner, outsider)
    client.force_login(planner)

    response = client.get(reverse("events:detail", args=[event.pk]))

    assert response.context["seats_left"] == 0
    assert '<dd id="seats-left">0</dd>' in response.content.decode()
    assert '<dd id="count-accepted">1</dd>' in response.content.decode()
    assert '<dd id="count-total">1</dd>' in response.content.decode()


def test_an_officer_is_not_shown_the_seats_left(client, owner, planner, outsider):
    event = _event_with_a_hidden_accepted_guest(planner, outsider)
    client.force_login(owner)

    response = client.get(reverse("events:detail", args=[event.pk]))

    assert response.context["seats_left"] is None
    assert "seats-left" not in response.content.decode()


def test_a_withdrawn_guest_frees_the_seat(planner, outsider):
    event = _event_with_a_hidden_accepted_guest(planner, outsider)

    services.withdraw_invitation(
        invitation=event.invitations.get(contact__full_name="Vera Visible"), now=timezone.now()
    )

    assert event.seats_left() == 1
    assert event.invitations.seated().count() == 1
