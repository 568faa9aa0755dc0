"""The event page's guest list at any size (events/guest_list.py): its figures counted in SQL
over every guest the reader sees, its rows a slice at a time with "Show more" and "Show
all", and a guest answered for past the first rows found again on the page.

The slice is lowered for the tests (``GUEST_ROWS``)."""

import datetime as dt
import itertools
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Sensitivity
from events import guest_list, mail
from events.models import Invitation, InvitationMessage
from tests import factories
from tests.events.pages import guest_count, make_event
from tests.pages import page_text

Status, Kind = InvitationMessage.Status, InvitationMessage.Kind
_keys = itertools.count()


def _guest_ids(body) -> list[str]:
    return re.findall(r'<tr id="(guest-\d+)">', body)


def _message(invitation, status, *, to=None, kind=Kind.INVITATION, minutes_ago=0):
    return InvitationMessage.objects.create(
        invitation=invitation,
        kind=kind,
        key=f"k{next(_keys)}",
        to=to if to is not None else invitation.contact.email,
        status=status,
        created_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )


@pytest.fixture
def mailed_guests(planner, outsider):
    """Guests in every e-mail state: none yet, sent, failed, bounced from their address or
    from an old one, a newer message over an older one, no address, not mailable, withdrawn,
    and a hidden guest."""
    event = make_event(planners=[planner])

    def guest(name, email="guest@example.org", **fields):
        contact = factories.ContactFactory(full_name=name, email=email)
        return factories.InvitationFactory(event=event, contact=contact, **fields)

    guest("Ada Unsent")
    _message(guest("Ben Sent"), Status.SENT)
    _message(guest("Cy Failed"), Status.FAILED)
    _message(guest("Di Bounced"), Status.BOUNCED)
    _message(guest("Ed Moved", email="new@example.org"), Status.BOUNCED, to="OLD@example.org")
    _message(guest("Fay Same Case", email="fay@example.org"), Status.BOUNCED, to="FAY@example.org")
    resent = guest("Gil Resent")
    _message(resent, Status.FAILED, minutes_ago=10)
    _message(resent, Status.SENT)
    _message(guest("Hal Chased"), Status.SENT, kind=Kind.CHASER)
    guest("Ida No Address", email="")
    guest("Jo Declined", status=Invitation.Status.DECLINED)
    guest("Kim Attended", status=Invitation.Status.ATTENDED)
    guest("Lu Accepted", email="", status=Invitation.Status.ACCEPTED)
    guest("Mo Withdrawn", revoked_at=timezone.now())
    hidden = factories.ContactFactory(owner=outsider, sensitivity=Sensitivity.PROTECTED)
    factories.InvitationFactory(event=event, contact=hidden)
    return event


def test_the_mail_figures_in_sql_are_those_counted_over_each_guest(planner, mailed_guests):
    visible = Invitation.objects.visible_to(planner).filter(event=mailed_guests)
    standing = list(
        visible.filter(revoked_at__isnull=True)
        .select_related("contact")
        .prefetch_related(mail.MESSAGES_PREFETCH)
    )

    figures = guest_list.guest_figures(visible, with_mail=True)

    assert figures.mail == mail.guest_list_mail(standing)
    # To chase: those not answered an invitation e-mail sent to them (Ben, Gil).
    assert figures.mail == mail.GuestListMail(unsent=5, to_chase=2, by_hand=2)
    assert (figures.guests, figures.withdrawn) == (12, 1)
    assert figures.by_status == {
        "invited": 9,
        "accepted": 1,
        "tentative": 0,
        "declined": 1,
        "waitlisted": 0,
        "attended": 1,
        "no_show": 0,
    }


def test_without_the_mail_figures_there_are_none(planner, mailed_guests):
    visible = Invitation.objects.visible_to(planner).filter(event=mailed_guests)

    assert guest_list.guest_figures(visible, with_mail=False).mail is None


@pytest.fixture
def long_list(planner, outsider, monkeypatch):
    """Five guests the planner sees (named so that they sort A to E), one hidden; the page
    shows two at a time."""
    monkeypatch.setattr("events.guest_list.GUEST_ROWS", 2)
    event = make_event(planners=[planner])
    guests = [
        factories.InvitationFactory(event=event, contact__full_name=f"{letter} Guest")
        for letter in "ECADB"
    ]
    hidden = factories.ContactFactory(owner=outsider, sensitivity=Sensitivity.PROTECTED)
    factories.InvitationFactory(event=event, contact=hidden)
    return event, sorted(guests, key=lambda invitation: invitation.contact.full_name)


def test_the_page_shows_the_first_guests_and_counts_them_all(client, planner, long_list):
    event, guests = long_list
    client.force_login(planner)

    body = page_text(client.get(reverse("events:detail", args=[event.pk])))

    assert _guest_ids(body) == [f"guest-{guests[0].pk}", f"guest-{guests[1].pk}"]
    assert guest_count(body, "total") == 5
    assert guest_count(body, "invited") == 5
    assert "2 of 5 shown." in body
    url = reverse("events:detail", args=[event.pk])
    assert f'<a href="{url}?limit=4">Show 2 more</a>' in body
    assert f'<a href="{url}?all=1">Show all 5</a>' in body


def test_the_page_shows_more_then_all(client, planner, long_list):
    event, guests = long_list
    client.force_login(planner)
    url = reverse("events:detail", args=[event.pk])

    more = page_text(client.get(url, {"limit": "4"}))
    everything = page_text(client.get(url, {"all": "1"}))

    assert _guest_ids(more) == [f"guest-{guest.pk}" for guest in guests[:4]]
    assert "4 of 5 shown." in more
    assert _guest_ids(everything) == [f"guest-{guest.pk}" for guest in guests]
    assert "shown." not in everything


def test_the_waiting_and_withdrawn_lists_are_cut_too(client, planner, long_list):
    event, guests = long_list
    now = timezone.now()
    for invitation in guests[:3]:
        invitation.status, invitation.waitlisted_at = Invitation.Status.WAITLISTED, now
        invitation.save()
    Invitation.objects.filter(pk__in=[guests[3].pk, guests[4].pk]).update(revoked_at=now)
    factories.InvitationFactory(event=event, contact__full_name="F Guest", revoked_at=now)
    client.force_login(planner)

    body = page_text(client.get(reverse("events:detail", args=[event.pk])))

    waiting = body[body.index('id="waitlist"') : body.index('id="withdrawn"')]
    withdrawn = body[body.index('id="withdrawn"') :]
    assert waiting.count("<li>") == 2
    assert '<p class="show-more" id="waitlist-more">' in waiting
    assert "2 of 3 shown." in waiting
    assert withdrawn.count("<li>") == 2
    assert "2 of 3 shown." in withdrawn
    assert guest_count(body, "total") == 3
    assert guest_count(body, "waitlisted") == 3


def test_answering_for_a_guest_past_the_first_rows_comes_back_to_their_row(
    client, planner, long_list
):
    event, guests = long_list
    client.force_login(planner)
    url = reverse("events:detail", args=[event.pk])

    first = client.post(
        reverse("events:invitation_respond", args=[guests[1].pk]), {"status": "accepted"}
    )
    last = client.post(
        reverse("events:invitation_respond", args=[guests[4].pk]), {"status": "accepted"}
    )

    assert first["Location"] == f"{url}#guest-{guests[1].pk}"
    assert last["Location"] == f"{url}?limit=6#guest-{guests[4].pk}"
    assert f'id="guest-{guests[4].pk}"' in page_text(client.get(url, {"limit": "6"}))
