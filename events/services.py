"""Workflows of events: invite, answer (with capacity and waitlist), revoke, check in,
the signed RSVP link, and the event reminders. Keyword-only, atomic, ``now`` passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef

from contacts import services as contact_services
from contacts.errors import DomainError
from contacts.models import Channel, Contact, Exchange, Reminder
from events.models import CalendarFeed, Event, EventReminder, Invitation

# A change to any of these must reach calendar clients (iCalendar SEQUENCE).
CALENDAR_FIELDS = frozenset(
    {"title", "starts_at", "ends_at", "timezone", "venue", "online_url", "status"}
)
RSVP_SALT = "events.rsvp"
ANSWERS = (Invitation.Status.ACCEPTED, Invitation.Status.DECLINED, Invitation.Status.TENTATIVE)
SEATED = (Invitation.Status.ACCEPTED, Invitation.Status.ATTENDED)


class RsvpLinkInvalid(DomainError):
    """The link was tampered with, revoked, replaced, or its event is over."""


@dataclass
class InviteResult:
    invited: list[Invitation] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)


# Inviting


@transaction.atomic
def invite(*, event: Event, contact_ids: Iterable[int], role: str, by, now) -> InviteResult:
    """Invite contacts one at a time or in bulk. Contacts already invited are skipped, and
    so are ids that are unknown or name a contact ``by`` may not see (reported alike, so a
    report never confirms that a hidden contact exists)."""
    wanted = list(dict.fromkeys(contact_ids))
    # Erased contacts are kept only as counts: nobody invites them any more.
    visible = Contact.objects.visible_to(by).filter(pk__in=wanted, erased_at__isnull=True).in_bulk()
    already = set(
        Invitation.objects.filter(event=event, contact_id__in=visible).values_list(
            "contact_id", flat=True
        )
    )
    result = InviteResult()
    for contact_id in wanted:
        contact = visible.get(contact_id)
        if contact is None:
            result.skipped.append((f"contact #{contact_id}", "not found"))
        elif contact_id in already:
            result.skipped.append((contact.full_name, "already invited"))
        else:
            result.invited.append(
                Invitation(event=event, contact=contact, role=role, invited_by=by, created_at=now)
            )
    # ignore_conflicts: a concurrent invitation of the same contact is a duplicate too.
    Invitation.objects.bulk_create(result.invited, ignore_conflicts=True)
    return result


def invite_matching(*, event: Event, by, role: str, now, **criteria) -> InviteResult:
    """Invite every contact ``by`` may see that matches category, organization, tag and
    layer (those given)."""
    filters = {
        "category": criteria.get("category"),
        "organization_id": criteria.get("organization"),
        "tags__name": criteria.get("tag"),
        "layer": criteria.get("layer"),
    }
    contacts = Contact.objects.visible_to(by).filter(
        erased_at__isnull=True, **{key: value for key, value in filters.items() if value}
    )
    ids = contacts.order_by("full_name", "pk").values_list("pk", flat=True).distinct()
    return invite(event=event, contact_ids=list(ids), role=role, by=by, now=now)


# Answers, capacity and the waiting list


@transaction.atomic
def respond(*, invitation: Invitation, status: str, now) -> Invitation:
    """Record a guest's answer. An acceptance beyond capacity is waitlisted; a decline of
    a seat gives it to the earliest waitlisted guest. The event row is locked, so two
    acceptances at once never overfill it."""
    if status not in ANSWERS:
        raise DomainError("Answer accepted, declined or tentative.", field="status")
    event = Event.objects.select_for_update().get(pk=invitation.event_id)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _check_open_for_answers(event, invitation, now)
    held_seat = invitation.status in SEATED
    if status == Invitation.Status.ACCEPTED and not held_seat:
        status = _seat_or_waitlist(event)
    invitation.status = status
    invitation.responded_at = now
    # A waitlisted guest answering again keeps their place in the queue.
    if status == Invitation.Status.WAITLISTED:
        invitation.waitlisted_at = invitation.waitlisted_at or now
    else:
        invitation.waitlisted_at = None
    invitation.save(update_fields=["status", "responded_at", "waitlisted_at", "updated_at"])
    if held_seat and status != Invitation.Status.ACCEPTED:
        _promote_from_waitlist(event, now)
    return invitation


def _check_open_for_answers(event, invitation, now) -> None:
    if invitation.revoked_at:
        raise DomainError("This invitation was withdrawn.")
    if event.status == Event.Status.CANCELLED:
        raise DomainError("This event was cancelled.")
    if now >= event.ends_at:
        raise DomainError("This event is over.")
    if invitation.status in (Invitation.Status.ATTENDED, Invitation.Status.NO_SHOW):
        raise DomainError("Attendance is recorded already.")


def _seat_or_waitlist(event: Event) -> str:
    if event.capacity is None:
        return Invitation.Status.ACCEPTED
    return Invitation.Status.ACCEPTED if event.seats_left() else Invitation.Status.WAITLISTED


def _promote_from_waitlist(event: Event, now) -> Invitation | None:
    """Give a free seat to the earliest waitlisted guest (the event row is locked)."""
    if _seat_or_waitlist(event) != Invitation.Status.ACCEPTED:
        return None
    waiting = (
        event.invitations.filter(status=Invitation.Status.WAITLISTED, revoked_at__isnull=True)
        .order_by("waitlisted_at", "pk")
        .first()
    )
    if waiting is None:
        return None
    waiting.status = Invitation.Status.ACCEPTED
    waiting.waitlisted_at = None
    waiting.save(update_fields=["status", "waitlisted_at", "updated_at"])
    return waiting


@transaction.atomic
def revoke(*, invitation: Invitation, now) -> Invitation:
    """Withdraw an invitation: its RSVP link stops working and its seat is given on."""
    event = Event.objects.select_for_update().get(pk=invitation.event_id)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    held_seat = invitation.status in SEATED
    invitation.revoked_at = now
    invitation.save(update_fields=["revoked_at", "updated_at"])
    if held_seat:
        _promote_from_waitlist(event, now)
    return invitation


# The signed RSVP link


def rsvp_token(invitation: Invitation) -> str:
    """A signed token naming the invitation and its current nonce (no login needed)."""
    return signing.dumps([invitation.pk, invitation.rsvp_nonce], salt=RSVP_SALT, compress=True)


def invitation_for_token(token: str, *, now) -> Invitation:
    """The invitation a link names, if the link is genuine, current and its event not
    over; otherwise RsvpLinkInvalid (one message for every reason)."""
    try:
        pk, nonce = signing.loads(token, salt=RSVP_SALT)
        invitation = Invitation.objects.select_related("event", "contact").get(
            pk=pk, rsvp_nonce=nonce
        )
    except (signing.BadSignature, ValueError, TypeError, Invitation.DoesNotExist) as error:
        raise RsvpLinkInvalid("This invitation link is not valid.") from error
    if invitation.revoked_at or now >= invitation.event.ends_at:
        raise RsvpLinkInvalid("This invitation link is not valid.")
    if invitation.event.status == Event.Status.CANCELLED:
        raise RsvpLinkInvalid("This invitation link is not valid.")
    return invitation


# Check-in: attendance is a touch


@transaction.atomic
def check_in(*, invitation: Invitation, attended: bool, by, now) -> Invitation:
    """Mark a guest attended or no_show on the day. An attendance records an exchange of
    kind ``event`` with the guest and the officers who attended or planned the event, so
    the keep-in-touch engine counts it as a touch for their channels."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("event", "contact")
        .get(pk=invitation.pk)
    )
    if invitation.revoked_at:
        raise DomainError("This invitation was withdrawn.")
    if now < invitation.event.starts_at - dt.timedelta(hours=12):
        raise DomainError("Check-in opens on the day of the event.")
    previous = invitation.attendance_exchange
    invitation.status = Invitation.Status.ATTENDED if attended else Invitation.Status.NO_SHOW
    invitation.checked_in_at = now if attended else None
    if attended and previous is None:
        invitation.attendance_exchange = _record_attendance(invitation, by=by, now=now)
    elif not attended:
        invitation.attendance_exchange = None
    invitation.save(update_fields=["status", "checked_in_at", "attendance_exchange", "updated_at"])
    if not attended and previous is not None:
        officer_ids = list(previous.officers.values_list("pk", flat=True))
        previous.delete()
        contact_services.record_touches(
            contact_ids=[invitation.contact_id], officer_ids=officer_ids, now=now
        )
    return invitation


def _record_attendance(invitation: Invitation, *, by, now) -> Exchange:
    event = invitation.event
    officers = {*event.planners.all(), *event.attending_officers.all()}
    return contact_services.log_exchange(
        occurred_at=min(now, event.ends_at),
        kind=Exchange.Kind.EVENT,
        contacts=[invitation.contact],
        officers=sorted(officers, key=lambda officer: officer.pk) or [by],
        summary=f"Attended {event.title}.",
        topics=[event.kind],
        created_by=by,
        now=now,
    )


# Event reminders


@dataclass(frozen=True)
class EventSweepResult:
    rsvp_chase: int
    event_prep: int
    event_follow_up: int


def sweep_event_reminders(*, now) -> EventSweepResult:
    """Create the due event reminders, each once per (event, kind, recipient):
    ``rsvp_chase`` to planners who may see an invitation still unanswered RSVP_CHASE_DAYS
    before, ``event_prep`` to planners the day before, ``event_follow_up`` to officers who
    hold an active channel with a guest who attended and whom they may see, once the event
    is over. A guest the recipient may not see never causes a reminder."""
    live = Event.objects.exclude(status=Event.Status.CANCELLED)
    unanswered = Invitation.objects.filter(
        status=Invitation.Status.INVITED, revoked_at__isnull=True
    )
    chased = live.filter(
        starts_at__gt=now,
        starts_at__lte=now + dt.timedelta(days=settings.RSVP_CHASE_DAYS),
        pk__in=unanswered.values("event_id"),
    )
    tomorrow = live.filter(starts_at__gt=now, starts_at__lte=now + dt.timedelta(days=1))
    attended = Invitation.objects.filter(status=Invitation.Status.ATTENDED)
    recent = live.filter(
        ends_at__lte=now,
        ends_at__gt=now - dt.timedelta(days=settings.EVENT_FOLLOW_UP_DAYS),
        pk__in=attended.values("event_id"),
    )
    return EventSweepResult(
        rsvp_chase=_remind_planners(chased, Reminder.Kind.RSVP_CHASE, now, guests=unanswered),
        event_prep=_remind_planners(tomorrow, Reminder.Kind.EVENT_PREP, now),
        event_follow_up=_remind_follow_up(recent, attended, now),
    )


def _remind_planners(events, kind: str, now, guests=None) -> int:
    """Remind each planner of ``events``; given ``guests`` (invitations), only of the
    events where the planner may see at least one of them."""
    created = 0
    planners = get_user_model().objects.filter(planned_events__in=events).distinct()
    for planner in planners.order_by("pk"):
        theirs = events.filter(planners=planner)
        if guests is not None:
            seen = guests.visible_to(planner).filter(event=OuterRef("pk"))
            theirs = theirs.filter(Exists(seen))
        for event in theirs.order_by("starts_at", "pk"):
            created += _create_event_reminder(event, kind, planner, now)
    return created


def _remind_follow_up(events, attended, now) -> int:
    """Remind each officer of the ``events`` where a guest they hold an active channel
    with, and may see, attended."""
    channels = Channel.objects.active().filter(
        contact__invitations__in=attended.filter(event__in=events)
    )
    created = 0
    officers = get_user_model().objects.filter(pk__in=channels.values("officer_id"))
    for officer in officers.order_by("pk"):
        kept = Channel.objects.active().filter(officer=officer).values("contact_id")
        seen = attended.visible_to(officer).filter(event=OuterRef("pk"), contact_id__in=kept)
        for event in events.filter(Exists(seen)).order_by("pk"):
            created += _create_event_reminder(event, Reminder.Kind.EVENT_FOLLOW_UP, officer, now)
    return created


def _create_event_reminder(event, kind, recipient, now) -> int:
    """Create one reminder and its link, unless the link's unique constraint says it
    exists (the savepoint undoes the reminder then)."""
    if EventReminder.objects.filter(event=event, kind=kind, recipient=recipient).exists():
        return 0
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                kind=kind, recipient=recipient, due_at=now, created_at=now
            )
            EventReminder.objects.create(
                reminder=reminder, event=event, kind=kind, recipient=recipient
            )
    except IntegrityError:
        return 0
    return 1


# Calendar sequence


def bump_sequence(event: Event) -> None:
    """A change calendar clients must notice (time, place, status): SEQUENCE + 1."""
    Event.objects.filter(pk=event.pk).update(sequence=F("sequence") + 1)
    event.refresh_from_db(fields=["sequence"])


# The private calendar feed


@transaction.atomic
def replace_calendar_feed(*, user) -> CalendarFeed:
    """Revoke a user's feed URL and issue a new one: the old token stops working at once."""
    CalendarFeed.objects.filter(user=user).delete()
    return CalendarFeed.objects.create(user=user)
