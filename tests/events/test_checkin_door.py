"""Check-in at the door: finding a guest by name, the arrived/expected counter, walk-ins (a
contact in the network or someone new, invited and checked in at once), and a page that
stays cheap with 500 guests. Check-in needs an event under way, so one is placed around
the real now.
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.errors import DomainError
from contacts.models import Contact, Exchange
from events import services
from events.models import Invitation
from tests import factories
from tests.events.pages import event_under_way, make_event
from tests.pages import page_text

HTMX = {"HTTP_HX_REQUEST": "true"}


def _rows(body) -> list[str]:
    """The guests' names on the check-in list, in order."""
    return re.findall(r'<strong class="checkin-name">([^<]*)</strong>', body)


def _counter(body) -> tuple[int, int]:
    found = re.search(
        r'<strong class="arrived">(\d+)</strong> of <strong class="expected">(\d+)</strong>', body
    )
    return int(found.group(1)), int(found.group(2))


def _guest(event, name, status=Invitation.Status.ACCEPTED, **contact_fields):
    return factories.InvitationFactory(
        event=event, contact__full_name=name, status=status, **contact_fields
    )


# Finding a guest and counting arrivals


def test_the_search_box_narrows_the_list_by_name_in_any_script(client, planner):
    event = event_under_way(planners=[planner])
    _guest(event, "Ada Lovelace")
    _guest(event, "Boris Pasternak", contact__native_name="Борис Пастернак")
    _guest(event, "Chaim Weizmann", status=Invitation.Status.ATTENDED)
    client.force_login(planner)
    url = reverse("events:checkin", args=[event.pk])

    everyone = page_text(client.get(url))
    by_latin = page_text(client.get(url, {"q": "ada"}))
    by_cyrillic = page_text(client.get(url, {"q": "Пастер"}))
    nobody = page_text(client.get(url, {"q": "Zed"}))

    assert _rows(everyone) == ["Ada Lovelace", "Boris Pasternak", "Chaim Weizmann"]
    assert 'type="search" name="q"' in everyone
    assert reverse("events:checkin", args=[event.pk]) in everyone
    assert _rows(by_latin) == ["Ada Lovelace"]
    assert _rows(by_cyrillic) == ["Boris Pasternak"]
    assert _rows(nobody) == []
    assert "No guest on the list matches “Zed”." in nobody
    # The counter counts the whole list, whatever the search shows.
    assert _counter(by_latin) == _counter(everyone) == (1, 3)
    assert 'src="/static/trackii/checkin.js"' in everyone


def test_the_counter_counts_only_guests_the_planner_may_see(client, planner, hidden_contacts):
    event = event_under_way(planners=[planner])
    _guest(event, "Ada Lovelace", status=Invitation.Status.ATTENDED)
    _guest(event, "Boris Pasternak", status=Invitation.Status.INVITED)
    _guest(event, "Dina Declined", status=Invitation.Status.DECLINED)
    for hidden in hidden_contacts:
        factories.InvitationFactory(event=event, contact=hidden, status=Invitation.Status.ATTENDED)
    client.force_login(planner)

    body = page_text(client.get(reverse("events:checkin", args=[event.pk])))

    assert _counter(body) == (1, 2)
    assert "Protectedova" not in body
    assert "Restrictedman" not in body


def test_a_check_in_answers_the_row_and_the_updated_counter(client, planner):
    event = event_under_way(planners=[planner])
    ada = _guest(event, "Ada Lovelace")
    _guest(event, "Boris Pasternak")
    client.force_login(planner)

    response = client.post(
        reverse("events:invitation_checkin", args=[ada.pk]), {"attended": "1"}, **HTMX
    )

    body = page_text(response).strip()
    assert body.startswith(f'<li class="checkin-row status-attended" id="checkin-{ada.pk}">')
    counter = re.search(r'<p id="checkin-counter"[^>]*>', body).group(0)
    assert 'hx-swap-oob="true"' in counter
    assert _counter(body) == (1, 2)


# Walk-ins


def test_a_walk_in_from_the_network_is_invited_and_checked_in_at_once(client, planner):
    event = event_under_way(planners=[planner])
    walker = factories.ContactFactory(full_name="Wanda Walker")
    client.force_login(planner)

    response = client.post(reverse("events:walk_in", args=[event.pk]), {"contact": walker.pk})

    invitation = Invitation.objects.get(event=event, contact=walker)
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('events:checkin', args=[event.pk])}#checkin-{invitation.pk}"
    )
    assert (invitation.status, invitation.invited_by) == (Invitation.Status.ATTENDED, planner)
    assert invitation.checked_in_at is not None
    exchange = Exchange.objects.get(kind=Exchange.Kind.EVENT)
    assert invitation.attendance_exchange == exchange
    assert list(exchange.contacts.all()) == [walker]
    body = page_text(client.get(response["Location"]))
    assert "Wanda Walker: invited and checked in." in body
    assert _counter(body) == (1, 1)


def test_a_walk_in_who_had_declined_is_checked_in_on_their_invitation(client, planner):
    event = event_under_way(planners=[planner])
    declined = _guest(event, "Dina Declined", status=Invitation.Status.DECLINED)
    client.force_login(planner)

    client.post(reverse("events:walk_in", args=[event.pk]), {"contact": declined.contact_id})

    invitation = Invitation.objects.get(event=event)
    assert invitation.pk == declined.pk
    assert invitation.status == Invitation.Status.ATTENDED


def test_a_new_walk_in_becomes_a_contact_the_planner_owns(client, planner):
    event = event_under_way(planners=[planner])
    client.force_login(planner)

    response = client.post(
        reverse("events:walk_in", args=[event.pk]),
        {"full_name": "  Nadia New  ", "email": "nadia@example.org"},
    )

    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.full_name, contact.email, contact.owner) == (
        "Nadia New",
        "nadia@example.org",
        planner,
    )
    assert (contact.category, contact.sensitivity, contact.layer) == (
        Contact.Category.OTHER,
        "standard",
        event.layer,
    )
    invitation = Invitation.objects.get()
    assert (invitation.event, invitation.contact, invitation.status) == (
        event,
        contact,
        Invitation.Status.ATTENDED,
    )


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choose someone in the network, or give a new name."),
        ({"full_name": "   "}, "Choose someone in the network, or give a new name."),
        ({"full_name": "Nadia New", "email": "not an address"}, "Enter a valid email address."),
        ({"full_name": "x" * 201}, "Ensure this value has at most 200 characters"),
        ({"contact": "not a number"}, "Select a valid choice."),
    ],
)
def test_a_walk_in_with_bad_input_shows_the_error_and_writes_nothing(client, planner, data, error):
    event = event_under_way(planners=[planner])
    client.force_login(planner)

    response = client.post(reverse("events:walk_in", args=[event.pk]), data)

    assert response.status_code == 200
    body = page_text(response)
    assert error in body
    assert '<details class="walk-in" id="walk-in" open>' in body
    assert Contact.objects.exists() is False
    assert Invitation.objects.exists() is False


def test_a_walk_in_before_the_day_is_refused_and_no_contact_is_left_behind(client, planner):
    event = make_event(planners=[planner])  # in 2099
    client.force_login(planner)

    response = client.post(reverse("events:walk_in", args=[event.pk]), {"full_name": "Early Eva"})

    assert response.status_code == 200
    assert "Check-in opens on the day of the event." in page_text(response)
    assert Contact.objects.exists() is False
    assert Invitation.objects.exists() is False


def test_a_protected_contact_the_planner_may_not_see_cannot_walk_in(
    client, planner, hidden_contacts
):
    event = event_under_way(planners=[planner])
    client.force_login(planner)

    answers = [
        client.post(reverse("events:walk_in", args=[event.pk]), {"contact": hidden.pk})
        for hidden in hidden_contacts
    ]

    for response in answers:
        assert response.status_code == 200
        body = page_text(response)
        assert "Select a valid choice." in body
        assert "Protectedova" not in body
        assert "Restrictedman" not in body
    assert Invitation.objects.exists() is False
    assert Exchange.objects.exists() is False


def test_the_service_refuses_a_hidden_contact_as_it_does_an_unknown_one(planner, hidden_contacts):
    event = event_under_way(planners=[planner])

    with pytest.raises(DomainError, match=r"^No such contact\.$"):
        services.check_in_walk_in(
            event=event, by=planner, now=timezone.now(), contact=hidden_contacts[0]
        )

    assert Invitation.objects.exists() is False


@pytest.mark.parametrize("persona", ["owner", "analyst"])
def test_only_planners_check_in_walk_ins(client, db, request, persona):
    event = event_under_way()
    walker = factories.ContactFactory()
    client.force_login(request.getfixturevalue(persona))

    page = client.get(reverse("events:checkin", args=[event.pk]))
    response = client.post(reverse("events:walk_in", args=[event.pk]), {"contact": walker.pk})
    new = client.post(reverse("events:walk_in", args=[event.pk]), {"full_name": "Nadia New"})

    assert (page.status_code, response.status_code, new.status_code) == (403, 403, 403)
    assert Invitation.objects.exists() is False
    assert Contact.objects.count() == 1


# 500 guests


def test_the_page_reads_a_bounded_number_of_queries_for_500_guests(
    client, planner, django_assert_max_num_queries
):
    event = event_under_way(planners=[planner])
    owner = factories.UserFactory()
    contacts = Contact.objects.bulk_create(
        Contact(full_name=f"Guest {number:03}", category="other", layer="political", owner=owner)
        for number in range(500)
    )
    Invitation.objects.bulk_create(
        Invitation(event=event, contact=contact, status=Invitation.Status.ACCEPTED)
        for contact in contacts
    )
    client.force_login(planner)
    # A session's first request records its activity (trackii.user_sessions, once a
    # minute): measure after it, as every later request of a signed-in user is.
    client.get(reverse("today"))

    with django_assert_max_num_queries(15):
        response = client.get(reverse("events:checkin", args=[event.pk]))

    body = page_text(response)
    assert len(_rows(body)) == 500
    assert _counter(body) == (0, 500)


def test_a_walk_in_already_in_the_network_is_not_added_again(client, planner, hidden_contacts):
    """A user's finding: "Add, invite and check in" made a new contact each time. Someone
    the planner sees under that name or e-mail is to be chosen; a hidden one is not looked
    at (the walk-in is added as for any new name)."""
    event = event_under_way(planners=[planner])
    known = factories.ContactFactory(full_name="Пётр Иванов-Смирнов", email="p@example.org")
    client.force_login(planner)
    url = reverse("events:walk_in", args=[event.pk])

    by_name = client.post(url, {"full_name": "пётр иванов-смирнов"})
    by_email = client.post(url, {"full_name": "Pyotr Ivanov", "email": "P@example.org"})
    hidden = hidden_contacts[0]
    like_hidden = client.post(url, {"full_name": hidden.full_name})

    for response in (by_name, by_email):
        assert response.status_code == 200
        assert response.context["walk_in"].errors["full_name"] == [
            "Пётр Иванов-Смирнов is already in the network: choose them under “Someone in "
            "the network” (someone else of that name is added as a new contact first)."
        ]
    assert like_hidden.status_code == 302
    assert Contact.objects.filter(full_name=hidden.full_name).count() == 2
    assert Contact.objects.filter(email__iexact="p@example.org").get() == known


def test_no_walk_in_is_checked_in_at_a_cancelled_event(client, planner):
    event = event_under_way(planners=[planner], status="cancelled")
    client.force_login(planner)

    response = client.post(reverse("events:walk_in", args=[event.pk]), {"full_name": "New Guest"})

    assert response.status_code == 200
    assert "This event was cancelled." in page_text(response)
    assert Contact.objects.filter(full_name="New Guest").exists() is False
