"""The public RSVP page: a signed link, no account; it shows the event and the guest and
nothing else, and stops working when the invitation closes.

The views read the clock (``timezone.now()``), so events sit at fixed dates far in the
future, and time passes by moving an event to a fixed date in the past.
"""

import datetime as dt
import html

import pytest
from django.core import signing
from django.urls import reverse

from events import services
from events.mail import zone_label
from events.models import Event, Invitation, new_nonce
from tests import factories
from tests.events.pages import PAST_STARTS_AT, STARTS_AT, make_event

INVALID = "This invitation link is not valid"


def _rsvp_url(invitation_or_token):
    token = (
        invitation_or_token
        if isinstance(invitation_or_token, str)
        else services.rsvp_token(invitation_or_token)
    )
    return reverse("events:rsvp", args=[token])


def _state(invitation):
    invitation.refresh_from_db()
    return (invitation.status, invitation.responded_at, invitation.updated_at)


@pytest.fixture
def invitation(db):
    planner = factories.UserFactory(username="planner-quetzalcoatl")
    event = make_event(title="Spring Poetry Evening", planners=[planner])
    guest = factories.ContactFactory(
        full_name="Miriam Guestova", email="miriam@private.example", notes="Prefers tea."
    )
    return factories.InvitationFactory(event=event, contact=guest, invited_by=planner)


def test_the_rsvp_page_shows_the_event_and_the_guest_and_nothing_else(client, invitation):
    event = invitation.event
    other_guest = factories.InvitationFactory(
        event=event, contact__full_name="Yehoshafat Otherguest"
    ).contact
    officer = factories.UserFactory(username="officer-xylophone")
    event.attending_officers.add(officer)
    factories.ChannelFactory(contact=invitation.contact, officer=officer)
    factories.ExchangeFactory(
        contacts=[invitation.contact, other_guest],
        officers=[officer],
        summary="Marzipan accord on the harbour",
    )

    response = client.get(_rsvp_url(invitation))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Spring Poetry Evening" in body
    assert "Miriam Guestova" in body
    for secret in (
        "Yehoshafat Otherguest",
        "planner-quetzalcoatl",
        "officer-xylophone",
        "Marzipan accord",
        "miriam@private.example",
        "Prefers tea.",
        invitation.contact.owner.username,
    ):
        assert secret not in body
    assert "/admin/" not in body


def test_the_rsvp_page_says_when_in_the_events_zone_with_the_days_it_spans(client, invitation):
    # STARTS_AT is 19:00 in Jerusalem; the event's factory zone is Asia/Jerusalem.
    page = html.unescape(client.get(_rsvp_url(invitation)).content.decode())
    assert "Monday 1 June 2099, 19:00\u00a0\u2013\u2060\u00a021:00" in page
    # The zone by its offset then (summer time) and its city, not as "Asia/Jerusalem".
    assert '(<bdi dir="ltr">UTC+03:00, Jerusalem</bdi>)' in page
    assert "Asia/Jerusalem" not in page

    event = invitation.event
    event.ends_at = STARTS_AT + dt.timedelta(days=1)  # the next day, 19:00
    event.save()
    page = html.unescape(client.get(_rsvp_url(invitation)).content.decode())
    assert "Monday 1 June 2099, 19:00\u00a0\u2013\u2060\u00a0Tuesday 2 June 2099, 19:00" in page


@pytest.mark.parametrize(
    ("zone", "starts_at", "label"),
    [
        ("Asia/Jerusalem", dt.datetime(2099, 1, 5, 17, 0, tzinfo=dt.UTC), "UTC+02:00, Jerusalem"),
        ("America/New_York", dt.datetime(2099, 1, 5, 17, 0, tzinfo=dt.UTC), "UTC-05:00, New York"),
        ("Asia/Kolkata", dt.datetime(2099, 1, 5, 17, 0, tzinfo=dt.UTC), "UTC+05:30, Kolkata"),
        ("UTC", dt.datetime(2099, 1, 5, 17, 0, tzinfo=dt.UTC), "UTC"),
        ("Europe/London", dt.datetime(2099, 1, 5, 17, 0, tzinfo=dt.UTC), "UTC, London"),
        # A reviewer's findings: Etc/ zones name no city, nor contradict their offset; a
        # zone of the 19th century had seconds in its offset.
        ("Etc/GMT+3", dt.datetime(2099, 1, 5, 17, 0, tzinfo=dt.UTC), "UTC-03:00"),
        ("Etc/UTC", dt.datetime(2099, 1, 5, 17, 0, tzinfo=dt.UTC), "UTC"),
        ("Asia/Kathmandu", dt.datetime(2099, 1, 5, 17, 0, tzinfo=dt.UTC), "UTC+05:45, Kathmandu"),
        (
            "America/Argentina/Buenos_Aires",
            dt.datetime(2099, 1, 5, 17, 0, tzinfo=dt.UTC),
            "UTC-03:00, Buenos Aires",
        ),
        ("Europe/Amsterdam", dt.datetime(1900, 6, 1, 12, 0, tzinfo=dt.UTC), "UTC+00:20, Amsterdam"),
    ],
)
def test_an_events_zone_reads_as_its_offset_and_city(zone, starts_at, label):
    event = factories.EventFactory.build(
        timezone=zone, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2)
    )
    assert zone_label(event) == label


def test_posting_an_answer_records_it_and_redirects_to_the_same_page(client, invitation):
    url = _rsvp_url(invitation)

    response = client.post(url, {"status": "accepted"})

    assert response.status_code == 302
    assert response["Location"] == url
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.responded_at is not None
    page = client.get(url).content.decode()
    assert "Thank you, your answer is recorded." in page
    assert "Your answer so far: <strong>Accepted</strong>" in page


def _one_character_changed(token):
    middle = len(token) // 2
    while not token[middle].isalnum():
        middle += 1
    replacement = "b" if token[middle] == "a" else "a"
    return token[:middle] + replacement + token[middle + 1 :]


@pytest.mark.parametrize("tampering", ["one character", "another salt", "another invitation"])
def test_a_tampered_link_answers_404_and_changes_nothing(client, invitation, tampering):
    other = factories.InvitationFactory(event=invitation.event)
    if tampering == "one character":
        token = _one_character_changed(services.rsvp_token(invitation))
    elif tampering == "another salt":
        token = signing.dumps(
            [invitation.pk, invitation.rsvp_nonce], salt="events.other", compress=True
        )
    else:
        token = signing.dumps(
            [other.pk, invitation.rsvp_nonce], salt=services.RSVP_SALT, compress=True
        )
    before = (_state(invitation), _state(other))

    shown = client.get(_rsvp_url(token))
    posted = client.post(_rsvp_url(token), {"status": "accepted"})

    for response in (shown, posted):
        assert response.status_code == 404
        assert INVALID in response.content.decode()
        assert "Spring Poetry Evening" not in response.content.decode()
    assert (_state(invitation), _state(other)) == before


def _end_the_event(invitation):
    Event.objects.filter(pk=invitation.event_id).update(
        starts_at=PAST_STARTS_AT, ends_at=PAST_STARTS_AT + dt.timedelta(hours=2)
    )


def _withdraw(invitation):
    services.withdraw_invitation(invitation=invitation, now=dt.datetime(2099, 5, 1, tzinfo=dt.UTC))


def _renew_the_nonce(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(rsvp_nonce=new_nonce())


def _cancel_the_event(invitation):
    Event.objects.filter(pk=invitation.event_id).update(status=Event.Status.CANCELLED)


@pytest.mark.parametrize(
    "close",
    [_end_the_event, _withdraw, _renew_the_nonce, _cancel_the_event],
    ids=lambda f: f.__name__,
)
def test_the_link_stops_working_when_the_invitation_closes(client, invitation, close):
    url = _rsvp_url(invitation)
    assert client.get(url).status_code == 200
    close(invitation)
    before = _state(invitation)

    shown = client.get(url)
    posted = client.post(url, {"status": "accepted"})

    for response in (shown, posted):
        assert response.status_code == 404
        assert INVALID in response.content.decode()
    assert _state(invitation) == before


def test_a_new_nonce_gives_a_new_link_that_works(client, invitation):
    old_url = _rsvp_url(invitation)
    _renew_the_nonce(invitation)
    invitation.refresh_from_db()

    assert client.get(_rsvp_url(invitation)).status_code == 200
    assert client.get(old_url).status_code == 404


@pytest.mark.parametrize("status", ["maybe", "attended", "waitlisted", ""])
def test_an_invalid_answer_shows_an_error_and_changes_nothing(client, invitation, status):
    url = _rsvp_url(invitation)
    before = _state(invitation)

    response = client.post(url, {"status": status})

    assert response.status_code == 302
    assert _state(invitation) == before
    page = client.get(url).content.decode()
    assert "Answer accepted, declined or tentative." in page
    assert "Your answer so far: <strong>No answer yet</strong>" in page


def test_an_answer_the_rules_refuse_shows_the_reason(client, invitation):
    url = _rsvp_url(invitation)
    services.check_in(invitation=invitation, attended=False, by=None, now=STARTS_AT)
    before = _state(invitation)

    client.post(url, {"status": "accepted"})

    assert _state(invitation) == before
    assert "Attendance is recorded already." in client.get(url).content.decode()
