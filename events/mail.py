"""E-mail to guests: invitations (the event's own text), chasers, confirmations of a seat
with the event's ``.ics``, and the bounces reported afterwards.

Each message is first queued as an ``InvitationMessage`` row under its natural key
(invitation, kind, key), then sent by a Celery task that claims the row with one
conditional UPDATE (queued or failed → sending). A retried or duplicated task finds the
row claimed or sent and sends nothing. A failed send is recorded on the row, shown on the
guest list, and retried by the task when the error is transient. A message is written in
the guest's language (``contacts.languages.guest_language``): the default invitation text,
chasers, confirmations, the date and the subject.

Only planners queue invitations and chasers, and only for guests they may see; a
confirmation is queued by the answer itself (events.services).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass, field

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext, gettext_lazy, gettext_noop, pgettext
from kombu.exceptions import OperationalError as BrokerError

from contacts import metrics
from contacts.errors import DomainError
from contacts.languages import guest_language, guest_name
from contacts.models import Reminder
from contacts.notifications import CLAIM_EXPIRES, one_line, plain
from events import calendar, mail_templates, services
from events.models import Event, Invitation, InvitationMessage

logger = logging.getLogger(__name__)

SEND_TASK = "events.send_invitation_message"
Kind, Status = InvitationMessage.Kind, InvitationMessage.Status
# Guests whose attendance is recorded are past inviting or chasing.
MAILABLE_STATUSES = (
    Invitation.Status.INVITED,
    Invitation.Status.TENTATIVE,
    Invitation.Status.ACCEPTED,
    Invitation.Status.DECLINED,
    Invitation.Status.WAITLISTED,
)
ERROR_LENGTH = 500
# A message still queued this long after it was queued never reached a worker (the broker
# did not answer, or lost it): the periodic nudge sends it on again.
STUCK_AFTER = dt.timedelta(minutes=10)
NUDGES_PER_RUN = 500


@dataclass
class QueueResult:
    """What a send action did: messages queued, guests to reach by hand, others skipped."""

    queued: int = 0
    by_hand: list[Invitation] = field(default_factory=list)
    already: int = 0


def rsvp_link(invitation: Invitation) -> str:
    """The guest's own absolute RSVP link (SITE_URL, no login needed)."""
    return settings.SITE_URL + reverse("events:rsvp", args=[services.rsvp_token(invitation)])


# Queueing


def queue_invitations(
    *, event: Event, by, now: dt.datetime, invitation_ids: list[int] | None = None
) -> QueueResult:
    """Queue the invitation e-mail to the guests named (all guests when None) that ``by``
    may see and that have not been sent it; a failed or bounced one goes again. Guests
    without an e-mail address are returned to be reached by hand."""
    guests = _mailable_guests(event=event, by=by, now=now)
    if invitation_ids is not None:
        guests = guests.filter(pk__in=invitation_ids)
    return _queue_each(guests, kind=Kind.INVITATION, key="invitation", by=by, now=now)


def queue_chasers(*, event: Event, by, now: dt.datetime) -> QueueResult:
    """Queue one chaser a day to each guest ``by`` may see who has not answered, and close
    ``by``'s RSVP-chase reminder of the event: the chase is done."""
    guests = _to_chase(_mailable_guests(event=event, by=by, now=now))
    with transaction.atomic():
        result = _queue_each(guests, kind=Kind.CHASER, key=now.date().isoformat(), by=by, now=now)
        Reminder.objects.filter(
            event_link__event=event,
            event_link__kind=Reminder.Kind.RSVP_CHASE,
            recipient=by,
            status__in=[Reminder.Status.OPEN, Reminder.Status.SNOOZED],
        ).update(status=Reminder.Status.RESOLVED, closed_at=now)
    return result


def queue_guest_mail(*, invitation: Invitation, kind: str, now: dt.datetime) -> None:
    """Queue a confirmation (acceptance, or a seat from the waiting list) of this answer,
    when the guest has an e-mail address. Called inside the answer's transaction."""
    if invitation.contact.email:
        _queue(invitation, kind=kind, key=now.isoformat(), by=None, now=now)


def chase_count(*, event: Event, by, now: dt.datetime) -> int:
    """Guests ``by`` may see who have not answered and have an e-mail address."""
    guests = _to_chase(_mailable_guests(event=event, by=by, now=now))
    return guests.exclude(contact__email="").count()


def _to_chase(guests):
    """Those who have not answered an invitation e-mail sent to them (their latest): a
    chaser says "we have not had your answer yet", so none goes to a guest never sent the
    invitation (a user's finding) or whose invitation failed or is still on its way. The
    guest list counts them by the same annotation (``events.guest_list``)."""
    return with_latest_invitation_mail(guests).filter(
        status=Invitation.Status.INVITED, mail_status=Status.SENT
    )


def with_latest_invitation_mail(invitations):
    """Annotate ``mail_status`` and ``mail_to`` (in lower case): those of the guest's newest
    invitation e-mail (None without one); and ``address``, the guest's in lower case."""
    latest = InvitationMessage.objects.filter(
        invitation=OuterRef("pk"), kind=Kind.INVITATION
    ).order_by("-created_at", "-pk")
    return invitations.annotate(
        mail_status=Subquery(latest.values("status")[:1]),
        mail_to=Lower(Subquery(latest.values("to")[:1])),
        address=Lower("contact__email"),
    )


def _mailable_guests(*, event: Event, by, now: dt.datetime):
    if not event.is_open_for_answers(now):
        raise DomainError(gettext("This event is over or cancelled: guests can no longer answer."))
    return (
        Invitation.objects.visible_to(by)
        .filter(event=event, revoked_at__isnull=True, status__in=MAILABLE_STATUSES)
        .select_related("contact")
        .order_by("contact__full_name", "pk")
    )


def _queue_each(guests, *, kind: str, key: str, by, now: dt.datetime) -> QueueResult:
    result = QueueResult()
    for invitation in guests:
        if not invitation.contact.email:
            result.by_hand.append(invitation)
        elif _queue(invitation, kind=kind, key=key, by=by, now=now):
            result.queued += 1
        else:
            result.already += 1
    return result


@transaction.atomic
def _queue(invitation: Invitation, *, kind: str, key: str, by, now: dt.datetime) -> bool:
    """Queue one message, or queue again one that failed (or bounced from an address the
    guest no longer has); nudge the task on commit. False when it is sent or under way."""
    address = invitation.contact.email
    try:
        with transaction.atomic():
            message = InvitationMessage.objects.create(
                invitation=invitation, kind=kind, key=key, to=address, queued_by=by, created_at=now
            )
    except IntegrityError:
        # Queued before: queued again only if it went wrong (a conditional UPDATE, so that
        # two planners clicking at once queue it once).
        again = Q(status=Status.FAILED) | Q(status=Status.BOUNCED) & ~Q(to__iexact=address)
        rows = InvitationMessage.objects.filter(invitation=invitation, kind=kind, key=key)
        message = rows.first()
        if message is not None and message.status == Status.QUEUED:
            # Still queued (its task lost, say, to a broker that did not answer): nudge again.
            transaction.on_commit(lambda: _nudge(message.pk))
            return False
        if message is None or not rows.filter(again).update(
            status=Status.QUEUED, to=address, error="", queued_by=by
        ):
            return False
    transaction.on_commit(lambda: _nudge(message.pk))
    return True


def _nudge(message_id: int) -> None:
    # The row is the work: a broker that does not answer leaves it queued, and sending
    # again from the event page nudges it once more.
    try:
        current_app.send_task(SEND_TASK, kwargs={"message_id": message_id})
    except (BrokerError, OSError):
        logger.exception("Could not enqueue invitation message %s", message_id)


def nudge_stuck(*, now: dt.datetime) -> list[int]:
    """Queue again the messages still queued ``STUCK_AFTER`` after they were queued (the
    periodic task ``events.nudge_stuck_messages``). Sending claims a message once, so one
    nudged while a worker holds it still leaves once. Returns the ids nudged."""
    stuck = list(
        InvitationMessage.objects.filter(status=Status.QUEUED, created_at__lte=now - STUCK_AFTER)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:NUDGES_PER_RUN]
    )
    for message_id in stuck:
        _nudge(message_id)
    return stuck


# Sending


def send_message(*, message_id: int, now: dt.datetime) -> str:
    """Send one queued message if this call claims it; record the outcome on the row and
    return it. A transient SMTP or connection error is recorded and raised again, so that
    the task retries; a refused address is recorded and not retried."""
    if not _claim(message_id, now):
        return "claimed already"
    message = InvitationMessage.objects.select_related(
        "invitation__event", "invitation__contact", "queued_by"
    ).get(pk=message_id)
    metrics.count(metrics.CLAIMED, message.kind)
    reason = _reason_not_to_send(message, now)
    if reason:
        _record(message, status=Status.SKIPPED, error=reason)
        return Status.SKIPPED
    message.to = message.invitation.contact.email
    try:
        compose(message, now=now).send()
    except smtplib.SMTPRecipientsRefused as error:
        _record(message, status=Status.FAILED, error=_describe(error))
        metrics.count(metrics.FAILED, message.kind)
        return Status.FAILED
    except (smtplib.SMTPException, OSError) as error:
        _record(message, status=Status.FAILED, error=_describe(error))
        metrics.count(metrics.FAILED, message.kind)
        raise
    _record(message, status=Status.SENT, sent_at=now)
    metrics.count(metrics.SENT, message.kind)
    logger.info("Sent invitation message %s", message.pk)
    return Status.SENT


def _claim(message_id: int, now: dt.datetime) -> bool:
    # A claim left in "sending" by a task that is gone (killed, timed out) is taken over.
    claimable = Q(status__in=InvitationMessage.CLAIMABLE) | Q(
        status=Status.SENDING, claimed_at__lt=now - CLAIM_EXPIRES
    )
    rows = InvitationMessage.objects.filter(claimable, pk=message_id)
    return rows.update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1) == 1


def _reason_not_to_send(message: InvitationMessage, now: dt.datetime) -> str:
    # Stored in English; the guest list shows it in the reader's language.
    invitation = message.invitation
    if invitation.revoked_at:
        return gettext_noop("The invitation was withdrawn.")
    if not invitation.event.is_open_for_answers(now):
        return gettext_noop("The event is over or cancelled.")
    if invitation.contact.erased_at or not invitation.contact.email:
        return gettext_noop("The guest has no e-mail address.")
    if message.kind == Kind.CHASER and invitation.status != Invitation.Status.INVITED:
        return gettext_noop("The guest has answered.")
    if message.kind in (Kind.ACCEPTANCE, Kind.SEAT) and not invitation.holds_seat():
        return gettext_noop("The guest no longer holds a seat.")
    return ""


def _record(message: InvitationMessage, *, status: str, error: str = "", sent_at=None) -> None:
    InvitationMessage.objects.filter(pk=message.pk).update(
        status=status, error=error[:ERROR_LENGTH], sent_at=sent_at, to=message.to
    )


def _describe(error: Exception) -> str:
    return one_line(f"{type(error).__name__}: {error}") or type(error).__name__


# Composing


SUBJECTS = {
    Kind.CHASER: gettext_lazy("Reminder: {event}"),
    Kind.ACCEPTANCE: gettext_lazy("Confirmed: {event}"),
    Kind.SEAT: gettext_lazy("A seat for you: {event}"),
}


def compose(message: InvitationMessage, *, now: dt.datetime) -> EmailMultiAlternatives:
    """The e-mail of a message, plain text and HTML, in the guest's language; a
    confirmation carries the .ics."""
    with translation.override(guest_language(message.invitation.contact)):
        return _compose(message, now=now)


def _compose(message: InvitationMessage, *, now: dt.datetime) -> EmailMultiAlternatives:
    invitation = message.invitation
    event = invitation.event
    values = placeholder_values(invitation)
    planners_text = False
    if message.kind == Kind.INVITATION:
        subject = mail_templates.fill(mail_templates.subject_for(event), values)
        text = mail_templates.text_for(event)
        # A planner's own text may be in any language: its direction is its own.
        planners_text = text != gettext(mail_templates.DEFAULT_TEXT)
        body = mail_templates.fill(text, values)
    else:
        subject = SUBJECTS[message.kind].format(event=event.title)
        body = render_to_string(f"events/email/{message.kind}.txt", {"values": values})
    body = plain(body)
    context = {"body": body, "event": event, "values": values, "planners_text": planners_text}
    email = EmailMultiAlternatives(
        subject=one_line(subject),
        body=body,
        to=[message.to],
        reply_to=[message.queued_by.email] if message.queued_by and message.queued_by.email else [],
        headers={"Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(
        plain(render_to_string("events/email/message.html", context)), "text/html"
    )
    if message.kind in (Kind.ACCEPTANCE, Kind.SEAT):
        ics = calendar.calendar_for([event], name=event.title, now=now, for_guests=True)
        email.attach(f"event-{event.pk}.ics", ics, "text/calendar; method=PUBLISH")
    return email


def placeholder_values(invitation: Invitation) -> dict[str, str]:
    """The value of each placeholder for this guest."""
    event = invitation.event
    return {
        "name": guest_name(invitation.contact),
        "event": event.title,
        "when": event_when(event),
        "venue": event.venue or event.online_url or gettext("to be announced"),
        "rsvp_link": rsvp_link(invitation),
    }


def event_when(event: Event) -> str:
    """ "Monday 1 June 2099, 19:00–21:00 (UTC+03:00, Jerusalem)", in the event's own zone
    and the active language."""
    start, end = event_start_and_end(event)
    return f"{start}–{end} ({zone_label(event)})"


def zone_label(event: Event) -> str:
    """The event's zone as a guest reads it: its offset from UTC at the start and its city
    ("UTC+03:00, Jerusalem"; "UTC" alone for UTC), rather than its name in the time zone
    database ("Asia/Jerusalem")."""
    name = str(event.timezone)
    offset = timezone.localtime(event.starts_at, event.timezone).utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset else 0  # old zones had seconds
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    utc = f"UTC{sign}{hours:02d}:{minutes:02d}" if hours or minutes else "UTC"
    # A city: not for "UTC", nor "Etc/GMT+3" (whose sign is the reverse of its offset's).
    city = name.rsplit("/", 1)[-1].replace("_", " ") if "/" in name else ""
    if name.startswith("Etc/"):
        city = ""
    return f"{utc}, {city}" if city else utc


def event_start_and_end(event: Event) -> tuple[str, str]:
    """("Monday 1 June 2099, 19:00", "21:00") in the event's own zone and the active
    language; the end's day too when the event ends on another day."""
    starts_at = timezone.localtime(event.starts_at, event.timezone)
    ends_at = timezone.localtime(event.ends_at, event.timezone)
    day_and_time = pgettext("date format: weekday, day, month, year and time", "l j F Y, H:i")
    end_format = "H:i" if starts_at.date() == ends_at.date() else day_and_time
    return _in_running_text(date_format(starts_at, day_and_time)), _in_running_text(
        date_format(ends_at, end_format)
    )


# Languages whose weekday names are common nouns, in lower case inside a sentence ("Когда:
# понедельник, 1 июня"), where Django's catalogues give them capitalized, as on a calendar.
LOWER_CASE_WEEKDAYS = frozenset({"ru"})


def _in_running_text(formatted: str) -> str:
    if translation.get_language() in LOWER_CASE_WEEKDAYS and formatted[:1].isupper():
        return formatted[:1].lower() + formatted[1:]
    return formatted


# Bounces


@transaction.atomic
def mark_bounced(*, address: str, now: dt.datetime, event: Event | None = None) -> int:
    """Record that mail sent to ``address`` bounced (reported by the mail server, outside
    Track II): its sent messages are marked bounced. Returns how many."""
    sent = InvitationMessage.objects.filter(to__iexact=address.strip(), status=Status.SENT)
    if event is not None:
        sent = sent.filter(invitation__event=event)
    return sent.update(
        status=Status.BOUNCED, bounced_at=now, error=gettext_noop("The message bounced.")
    )


# The guest list

# Newest first: a guest's first message is their latest.
MESSAGES_PREFETCH = Prefetch(
    "mail_messages", queryset=InvitationMessage.objects.order_by("-created_at", "-pk")
)


def invitation_mail_state(invitation: Invitation) -> InvitationMessage | None:
    """The guest's invitation e-mail (from MESSAGES_PREFETCH), if any."""
    return next(
        (message for message in invitation.mail_messages.all() if message.kind == Kind.INVITATION),
        None,
    )


def needs_invitation_mail(invitation: Invitation) -> bool:
    """The guest has an address and no invitation e-mail sent or under way."""
    address = invitation.contact.email
    if not address or invitation.status not in MAILABLE_STATUSES:
        return False
    message = invitation_mail_state(invitation)
    if message is None or message.status == Status.FAILED:
        return True
    # A bounce goes again only to a new address.
    return message.status == Status.BOUNCED and message.to.lower() != address.lower()


@dataclass(frozen=True)
class GuestListMail:
    """Figures for the guest list's e-mail actions, over the guests the reader sees."""

    unsent: int
    to_chase: int
    by_hand: int


def guest_list_mail(guests: list[Invitation]) -> GuestListMail:
    """Count, among standing guests (with MESSAGES_PREFETCH), those to send, to chase and
    to reach by hand."""
    return GuestListMail(
        unsent=sum(needs_invitation_mail(guest) for guest in guests),
        to_chase=sum(
            bool(guest.contact.email)
            and guest.status == Invitation.Status.INVITED
            and getattr(invitation_mail_state(guest), "status", None) == Status.SENT
            for guest in guests
        ),
        by_hand=sum(not guest.contact.email for guest in guests),
    )
