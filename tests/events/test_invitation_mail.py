"""Invitations by e-mail: queued from the guest list, sent once by the Celery task (called
directly), failures and bounces shown on the guest list, guests without an address sent
their link by hand, chasers, and the confirmations of a seat with the event's .ics."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail as outbox
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from contacts.models import Reminder
from events import mail as event_mail
from events import services
from events.models import Event, EventReminder, Invitation, InvitationMessage
from events.tasks import send_invitation_message
from tests import factories
from tests.events.pages import make_event
from tests.pages import messages_of, page_text

pytestmark = pytest.mark.django_db
Status = InvitationMessage.Status


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _guest(event, name, email="", **fields):
    contact = factories.ContactFactory(full_name=name, email=email)
    return factories.InvitationFactory(event=event, contact=contact, **fields)


def _send_all(client, event):
    """Send to all not yet sent (the task is not run: the test's transaction never commits)."""
    return client.post(reverse("events:mail_send", args=[event.pk]), {"everyone": "1"})


def _send_queued() -> list[str]:
    queued = InvitationMessage.objects.filter(status=Status.QUEUED).order_by("pk")
    return [send_invitation_message(message_id=pk) for pk in queued.values_list("pk", flat=True)]


def test_sending_to_all_queues_each_guest_once_and_a_retried_task_sends_nothing(
    client, planner, django_capture_on_commit_callbacks
):
    event = make_event(planners=[planner], title="Media forum")
    ada = _guest(event, "Ada Guest", "ada@example.org")
    _guest(event, "Boris Offline")
    client.force_login(planner)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _send_all(client, event)

    message = InvitationMessage.objects.get()
    assert (message.invitation, message.kind, message.status, message.to) == (
        ada,
        InvitationMessage.Kind.INVITATION,
        Status.QUEUED,
        "ada@example.org",
    )
    assert len(callbacks) == 1  # the task is enqueued once the transaction commits
    assert messages_of(response) == [
        "Sending 1 invitation by e-mail.",
        "No e-mail address, send their link by hand (see the guest list): Boris Offline.",
    ]

    assert send_invitation_message(message_id=message.pk) == Status.SENT
    assert send_invitation_message(message_id=message.pk) == "claimed already"
    again = _send_all(client, event)

    assert len(outbox.outbox) == 1
    sent = outbox.outbox[0]
    assert (sent.to, sent.subject) == (["ada@example.org"], "Invitation: Media forum")
    link = re.search(r"^http\S+$", sent.body, re.MULTILINE).group(0)
    assert link.startswith(f"{settings.SITE_URL}/rsvp/")
    assert "Dear Ada Guest," in sent.body
    assert f'href="{link}"' in sent.alternatives[0][0]
    assert sent.alternatives[0][1] == "text/html"
    assert InvitationMessage.objects.get().status == Status.SENT
    assert "Sending 0 invitations by e-mail. 1 sent or under way already." in messages_of(again)
    guest_page = client.get(link.removeprefix(settings.SITE_URL))
    assert "Dear Ada Guest," in page_text(guest_page)


def test_the_guest_list_shows_send_by_hand_with_the_link_and_the_mail_state(client, planner):
    event = make_event(planners=[planner])
    offline = _guest(event, "Boris Offline")
    ada = _guest(event, "Ada Guest", "ada@example.org")
    InvitationMessage.objects.create(
        invitation=ada,
        kind=InvitationMessage.Kind.INVITATION,
        key="invitation",
        to="ada@example.org",
        status=Status.SENT,
        created_at=timezone.now(),
        sent_at=timezone.now(),
    )
    client.force_login(planner)

    body = page_text(client.get(reverse("events:detail", args=[event.pk])))

    by_hand = re.search(rf'id="by-hand-{offline.pk}" class="copy" readonly value="([^"]+)"', body)
    assert by_hand.group(1).startswith("http://testserver/rsvp/")
    assert '<span class="badge status-sent">Invitation: sent</span>' in body
    assert f'value="{ada.pk}" id="choose-{ada.pk}"' not in body  # sent: not offered again


def test_choosing_one_guest_sends_to_that_guest_only(
    client, planner, django_capture_on_commit_callbacks
):
    event = make_event(planners=[planner])
    ada = _guest(event, "Ada Guest", "ada@example.org")
    _guest(event, "Boris Guest", "boris@example.org")
    client.force_login(planner)

    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("events:mail_send", args=[event.pk]), {"invitation": [ada.pk]})

    assert list(InvitationMessage.objects.values_list("invitation", flat=True)) == [ada.pk]


def test_a_failed_smtp_send_is_recorded_shown_and_sent_by_the_retry(client, planner, settings):
    event = make_event(planners=[planner])
    ada = _guest(event, "Ada Guest", "ada@example.org")
    client.force_login(planner)
    _send_all(client, event)
    message = InvitationMessage.objects.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    with pytest.raises(ConnectionRefusedError):
        send_invitation_message(message_id=message.pk)

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 1)
    assert message.error.startswith("ConnectionRefusedError:")
    body = page_text(client.get(reverse("events:detail", args=[event.pk])))
    assert '<span class="badge status-failed">Invitation: failed</span>' in body
    assert f'value="{ada.pk}" id="choose-{ada.pk}"' in body  # offered again

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_invitation_message(message_id=message.pk) == Status.SENT
    assert len(outbox.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.error, message.attempts) == (Status.SENT, "", 2)


def test_a_bounce_is_recorded_shown_and_sent_again_only_to_a_new_address(
    client, planner, django_capture_on_commit_callbacks
):
    event = make_event(planners=[planner])
    ada = _guest(event, "Ada Guest", "ada@example.org")
    client.force_login(planner)
    _send_all(client, event)
    _send_queued()

    call_command("mark_bounced", "ADA@example.org", stdout=_Sink())

    message = InvitationMessage.objects.get()
    assert message.status == Status.BOUNCED
    body = page_text(client.get(reverse("events:detail", args=[event.pk])))
    assert '<span class="badge status-bounced">Invitation: bounced</span>' in body
    _send_all(client, event)
    assert InvitationMessage.objects.get().status == Status.BOUNCED
    ada.contact.email = "ada@new.example.org"
    ada.contact.save(update_fields=["email"])
    _send_all(client, event)
    assert _send_queued() == [Status.SENT]
    assert [sent.to for sent in outbox.outbox] == [["ada@example.org"], ["ada@new.example.org"]]


class _Sink:
    def write(self, text):
        pass

    def flush(self):
        pass


def test_the_text_boxes_take_their_texts_direction_on_a_hebrew_page(client, planner):
    """An English default text on a Hebrew page reads left to right, a Hebrew one right to
    left: the boxes follow what is typed, not the page."""
    event = make_event(planners=[planner])
    client.force_login(planner)

    response = client.get(reverse("events:mail", args=[event.pk]), HTTP_ACCEPT_LANGUAGE="he")

    body = response.content.decode()
    assert '<html lang="he" dir="rtl">' in body
    (text,) = re.findall(r'<textarea[^>]*name="invitation_text"[^>]*>', body)
    (subject,) = re.findall(r'<input[^>]*name="invitation_subject"[^>]*>', body)
    assert 'dir="auto"' in text
    assert 'dir="auto"' in subject


def test_placeholders_are_checked_and_a_bad_text_changes_nothing(client, planner):
    event = make_event(planners=[planner])
    client.force_login(planner)
    url = reverse("events:mail", args=[event.pk])

    for text, error in [
        ("Dear {nmae}", "Unknown placeholder {nmae}."),
        ("Dear {name.__class__}", "Unknown placeholder {name.__class__}."),
        ("Dear {name!r}", "Unknown placeholder {name!r}."),
        ("Dear {name", "A brace is not closed."),
    ]:
        response = client.post(url, {"invitation_subject": "Hi", "invitation_text": text})
        assert response.status_code == 200
        assert error in page_text(response)
    event.refresh_from_db()
    assert event.invitation_subject == "Invitation: {event}"

    saved = client.post(
        url, {"invitation_subject": "{event}", "invitation_text": "Hello {name}: {rsvp_link}"}
    )
    assert saved.status_code == 302
    event.refresh_from_db()
    assert (event.invitation_subject, event.invitation_text) == (
        "{event}",
        "Hello {name}: {rsvp_link}",
    )


def test_the_invitation_text_is_the_events_own(client, planner, django_capture_on_commit_callbacks):
    event = make_event(
        planners=[planner],
        title="Poetry evening",
        invitation_subject="{name}, join us",
        invitation_text="{name}: {event} on {when} at {venue}. {{literal}} {rsvp_link}",
    )
    _guest(event, "Ada Guest", "ada@example.org")
    client.force_login(planner)
    _send_all(client, event)
    _send_queued()

    sent = outbox.outbox[0]
    assert sent.subject == "Ada Guest, join us"
    assert sent.body.startswith(
        "Ada Guest: Poetry evening on Monday 1 June 2099, 19:00–21:00 (UTC+03:00, Jerusalem) "
        "at Residence. {literal} http://127.0.0.1:8000/rsvp/"
    )


def test_a_chaser_goes_to_guests_who_have_not_answered_and_closes_the_chase_reminder(
    client, planner, django_capture_on_commit_callbacks
):
    event = make_event(planners=[planner], title="Round-table")
    ada = _guest(event, "Ada Silent", "ada@example.org")
    _guest(event, "Boris Answered", "boris@example.org", status=Invitation.Status.ACCEPTED)
    # A user's finding: a guest never sent the invitation was "reminded" of it.
    _guest(event, "Cleo Unsent", "cleo@example.org")
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False):
        event_mail.queue_invitations(event=event, by=planner, now=now, invitation_ids=[ada.pk])
    assert _send_queued() == [Status.SENT]
    outbox.outbox.clear()
    reminder = Reminder.objects.create(
        kind=Reminder.Kind.RSVP_CHASE, recipient=planner, due_at=now, created_at=now
    )
    EventReminder.objects.create(
        reminder=reminder, event=event, kind=Reminder.Kind.RSVP_CHASE, recipient=planner
    )
    client.force_login(planner)
    detail = page_text(client.get(reverse("events:detail", args=[event.pk])))
    assert "Send chaser to 1 not answered" in detail

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("events:mail_chase", args=[event.pk]))

    assert messages_of(response) == ["Sending 1 chaser by e-mail."]
    assert _send_queued() == [Status.SENT]
    assert [(sent.to, sent.subject) for sent in outbox.outbox] == [
        (["ada@example.org"], "Reminder: Round-table")
    ]
    assert "We have not heard from you yet about Round-table." in outbox.outbox[0].body
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.RESOLVED


STAFF_ONLY = "Staff only: seat the editor away from the ministry's people."


def test_an_acceptance_is_confirmed_by_email_with_the_events_ics(
    client, django_capture_on_commit_callbacks
):
    event = make_event(title="Gala", description=STAFF_ONLY)
    ada = _guest(event, "Ada Guest", "ada@example.org")
    rsvp = reverse("events:rsvp", args=[services.rsvp_token(ada)])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(rsvp, {"status": "accepted"})

    assert len(callbacks) == 1
    assert _send_queued() == [Status.SENT]
    sent = outbox.outbox[0]
    assert (sent.to, sent.subject) == (["ada@example.org"], "Confirmed: Gala")
    [(name, content, mimetype)] = sent.attachments
    assert (name, mimetype) == (f"event-{event.pk}.ics", "text/calendar; method=PUBLISH")
    assert content.startswith("BEGIN:VCALENDAR")
    assert f"UID:event-{event.pk}@track-ii" in content
    # The description is the staff's text about the event: never in a guest's calendar.
    assert "DESCRIPTION" not in content
    assert STAFF_ONLY not in content
    assert STAFF_ONLY not in sent.body
    assert all(STAFF_ONLY not in body for body, _type in sent.alternatives)


def test_a_waitlisted_guest_is_told_by_email_when_they_get_a_seat():
    event = make_event(title="Gala", capacity=1, description=STAFF_ONLY)
    ada = _guest(event, "Ada Seated", "ada@example.org")
    boris = _guest(event, "Boris Waiting", "boris@example.org")
    now = timezone.now()
    services.respond(invitation=ada, status=Invitation.Status.ACCEPTED, now=now)
    services.respond(invitation=boris, status=Invitation.Status.ACCEPTED, now=now)
    assert Invitation.objects.get(pk=boris.pk).status == Invitation.Status.WAITLISTED

    services.respond(
        invitation=ada, status=Invitation.Status.DECLINED, now=now + dt.timedelta(minutes=1)
    )

    seat = InvitationMessage.objects.get(kind=InvitationMessage.Kind.SEAT)
    assert seat.invitation == boris
    assert send_invitation_message(message_id=seat.pk) == Status.SENT
    sent = outbox.outbox[-1]
    assert (sent.to, sent.subject) == (["boris@example.org"], "A seat for you: Gala")
    assert sent.attachments[0][0] == f"event-{event.pk}.ics"
    assert "DESCRIPTION" not in sent.attachments[0][1]


def test_a_message_for_a_withdrawn_invitation_is_not_sent(client, planner):
    event = make_event(planners=[planner])
    ada = _guest(event, "Ada Guest", "ada@example.org")
    client.force_login(planner)
    _send_all(client, event)
    services.withdraw_invitation(invitation=ada, now=timezone.now())

    assert _send_queued() == [Status.SKIPPED]
    assert outbox.outbox == []


def test_a_hidden_guest_is_never_listed_nor_sent_to(client, planner, owner, hidden_contacts):
    event = make_event(planners=[planner])
    protected = hidden_contacts[0]
    protected.email = "zofia@example.org"
    protected.save(update_fields=["email"])
    hidden = factories.InvitationFactory(event=event, contact=protected)
    client.force_login(planner)

    everyone = client.post(reverse("events:mail_send", args=[event.pk]), {"everyone": "1"})
    chosen = client.post(reverse("events:mail_send", args=[event.pk]), {"invitation": [hidden.pk]})
    page = page_text(client.get(reverse("events:detail", args=[event.pk])))

    assert InvitationMessage.objects.exists() is False
    assert "Zofia" not in " ".join(messages_of(everyone) + messages_of(chosen)) + page
    assert "0 not sent yet" in page


def test_only_planners_send_and_others_are_refused_with_nothing_queued(client, owner):
    event = make_event()
    _guest(event, "Ada Guest", "ada@example.org")
    client.force_login(owner)

    responses = [
        client.post(reverse("events:mail_send", args=[event.pk]), {"everyone": "1"}),
        client.post(reverse("events:mail_chase", args=[event.pk])),
        client.get(reverse("events:mail", args=[event.pk])),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403]
    assert InvitationMessage.objects.exists() is False
    assert "E-mail" not in page_text(client.get(reverse("events:detail", args=[event.pk])))


def test_nothing_is_sent_for_a_cancelled_event(client, planner):
    event = make_event(planners=[planner], status=Event.Status.CANCELLED)
    _guest(event, "Ada Guest", "ada@example.org")
    client.force_login(planner)

    response = client.post(reverse("events:mail_send", args=[event.pk]), {"everyone": "1"})

    assert messages_of(response) == [
        "This event is over or cancelled: guests can no longer answer."
    ]
    assert InvitationMessage.objects.exists() is False


def test_the_rsvp_chase_reminder_offers_send_chaser_to_planners_only(client, planner, owner):
    event = make_event(planners=[planner, owner])
    now = timezone.now()
    for user in (planner, owner):
        reminder = Reminder.objects.create(
            kind=Reminder.Kind.RSVP_CHASE, recipient=user, due_at=now, created_at=now
        )
        EventReminder.objects.create(
            reminder=reminder, event=event, kind=Reminder.Kind.RSVP_CHASE, recipient=user
        )
    chase = f'href="{reverse("events:detail", args=[event.pk])}#chase">Send chaser</a>'

    client.force_login(planner)
    assert chase in page_text(client.get(reverse("today")))
    client.force_login(owner)  # an officer, who may not send e-mail to guests
    today = page_text(client.get(reverse("today")))
    assert event.title in today
    assert chase not in today
