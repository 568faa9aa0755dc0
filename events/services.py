"""Workflows of events: create and update an event, invite, answer (with capacity and
waitlist), withdraw an invitation, check in, the signed RSVP link, and the event reminders.
Keyword-only, atomic, ``now`` passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from contacts import services as contact_services
from contacts.errors import DomainError
from contacts.models import Channel, Contact, Exchange, Reminder
from contacts.querysets import contact_visible_to_user_in
from events import mail
from events.models import CalendarFeed, Event, EventReminder, Invitation, InvitationBatch, Programme

# A change to any of these must reach calendar clients (iCalendar SEQUENCE).
CALENDAR_FIELDS = frozenset(
    {"title", "starts_at", "ends_at", "timezone", "venue", "online_url", "status"}
)
RSVP_SALT = "events.rsvp"
ANSWERS = (Invitation.Status.ACCEPTED, Invitation.Status.DECLINED, Invitation.Status.TENTATIVE)


class RsvpLinkInvalid(DomainError):
    """The link was tampered with, withdrawn, replaced, or its event is over."""


@dataclass
class InviteResult:
    invited: list[Invitation] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)


# Creating and editing an event


@transaction.atomic
def create_event(
    *, event: Event, planners: Iterable = (), attending_officers: Iterable = (), by
) -> Event:
    """Save a new event (built, not yet saved, by a form or a serializer) with its planners
    and attending officers. Whoever creates it plans it when no planner is named."""
    event.save()
    event.planners.set(list(planners) or [by])
    event.attending_officers.set(attending_officers)
    return event


@transaction.atomic
def update_event(
    *, event: Event, planners: Iterable | None = None, attending_officers: Iterable | None = None
) -> Event:
    """Save an edited event, and its planners and attending officers when given. A change
    that calendar clients must notice (time, place, status) bumps its SEQUENCE once."""
    stored = Event.objects.select_for_update().get(pk=event.pk)
    # SEQUENCE is the stored one: an instance read before a concurrent bump never undoes it.
    event.sequence = stored.sequence
    event.save()
    if planners is not None:
        event.planners.set(planners)
    if attending_officers is not None:
        event.attending_officers.set(attending_officers)
    if _calendar_state(event) != _calendar_state(stored):
        bump_sequence(event)
    return event


def _calendar_state(event: Event) -> tuple:
    # A zone compares by its name: two objects may stand for the same zone.
    return tuple(
        str(event.timezone) if name == "timezone" else getattr(event, name)
        for name in sorted(CALENDAR_FIELDS)
    )


# Programmes


@transaction.atomic
def save_programme(
    *,
    programme: Programme,
    by,
    partners: Iterable | None = None,
    participants: Iterable | None = None,
    officers: Iterable | None = None,
) -> Programme:
    """Save a new or edited programme (built by a form or a serializer) and, when given,
    its partners, officers and participants. ``participants`` are those ``by`` may see and
    chose: the participants hidden from them stay linked, since they cannot have meant to
    remove what they cannot see."""
    adding = programme._state.adding
    programme.save()
    if partners is not None:
        programme.partners.set(partners)
    if officers is not None:
        programme.officers.set(officers)
    if participants is not None:
        hidden = [] if adding else list(hidden_participants(programme, by))
        programme.participants.set([*participants, *hidden])
    return programme


def hidden_participants(programme: Programme, user) -> QuerySet:
    """The programme's participants that ``user`` may not see."""
    visible = Contact.objects.visible_to(user).values("pk")
    return Contact.objects.filter(programmes=programme).exclude(pk__in=visible)


# Inviting


CANCELLED = gettext_noop("the event was cancelled")


@transaction.atomic
def invite(
    *,
    event: Event,
    contact_ids: Iterable[int],
    role: str,
    by,
    now,
    batch: InvitationBatch | None = None,
) -> InviteResult:
    """Invite contacts one at a time or in bulk. Contacts already invited are skipped, and
    so are ids that are unknown or name a contact ``by`` may not see (reported alike, so a
    report never confirms that a hidden contact exists). ``batch``: the bulk invitation
    they belong to."""
    wanted = list(dict.fromkeys(contact_ids))
    result = InviteResult()
    if event.status == Event.Status.CANCELLED:
        # Reported as skipped, like any other reason, on every surface that invites.
        result.skipped = [(f"contact #{pk}", CANCELLED) for pk in wanted]
        return result
    # Erased contacts are kept only as counts: nobody invites them any more.
    visible = Contact.objects.visible_to(by).filter(pk__in=wanted, erased_at__isnull=True).in_bulk()
    already = set(
        Invitation.objects.filter(event=event, contact_id__in=visible).values_list(
            "contact_id", flat=True
        )
    )
    for contact_id in wanted:
        contact = visible.get(contact_id)
        if contact is None:
            result.skipped.append((f"contact #{contact_id}", gettext_noop("not found")))
        elif contact_id in already:
            result.skipped.append((contact.full_name, gettext_noop("already invited")))
        else:
            result.invited.append(
                Invitation(
                    event=event,
                    contact=contact,
                    role=role,
                    invited_by=by,
                    created_at=now,
                    batch=batch,
                )
            )
    # ignore_conflicts: a concurrent invitation of the same contact is a duplicate too.
    Invitation.objects.bulk_create(result.invited, ignore_conflicts=True)
    return result


def invite_matching(*, event: Event, by, role: str, now, **criteria) -> InviteResult:
    """Invite every contact ``by`` may see that matches category, organization, tag and
    layer (those given)."""
    ids = matching_contacts(by=by, **criteria).values_list("pk", flat=True)
    return invite(event=event, contact_ids=list(ids), role=role, by=by, now=now)


def matching_contacts(*, by, **criteria) -> QuerySet:
    """Contacts ``by`` may see, not erased, that match category, organization, tag and
    layer (those given), by name."""
    filters = {
        "category": criteria.get("category"),
        "organization_id": criteria.get("organization"),
        "tags__name": criteria.get("tag"),
        "layer": criteria.get("layer"),
    }
    contacts = Contact.objects.visible_to(by).filter(
        erased_at__isnull=True, **{key: value for key, value in filters.items() if value}
    )
    return contacts.order_by("full_name", "pk").distinct()


# Answers, capacity and the waiting list


@transaction.atomic
def respond(*, invitation: Invitation, status: str, now) -> Invitation:
    """Record a guest's answer. An acceptance beyond capacity is waitlisted; a decline of
    a seat gives it to the earliest waitlisted guest. The event row is locked, so two
    acceptances at once never overfill it."""
    if status not in ANSWERS:
        raise DomainError(_("Answer accepted, declined or tentative."), field="status")
    event = Event.objects.select_for_update().get(pk=invitation.event_id)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _check_open_for_answers(event, invitation, now)
    held_seat = invitation.holds_seat()
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
    if status == Invitation.Status.ACCEPTED and not held_seat:
        mail.queue_guest_mail(invitation=invitation, kind=mail.Kind.ACCEPTANCE, now=now)
    if held_seat and status != Invitation.Status.ACCEPTED:
        _promote_from_waitlist(event, now)
    return invitation


def _check_open_for_answers(event, invitation, now) -> None:
    # A guest reads these on their answer page, in their language (events.views.rsvp).
    if invitation.revoked_at:
        raise DomainError(_("This invitation was withdrawn."))
    if not event.is_open_for_answers(now):
        cancelled = event.status == Event.Status.CANCELLED
        raise DomainError(_("This event was cancelled.") if cancelled else _("This event is over."))
    if invitation.status in (Invitation.Status.ATTENDED, Invitation.Status.NO_SHOW):
        raise DomainError(_("Attendance is recorded already."))


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
    mail.queue_guest_mail(invitation=waiting, kind=mail.Kind.SEAT, now=now)
    return waiting


@transaction.atomic
def withdraw_invitation(*, invitation: Invitation, now) -> Invitation:
    """Withdraw an invitation: its RSVP link stops working and its seat is given on. An
    invitation withdrawn already stays as it was."""
    event = Event.objects.select_for_update().get(pk=invitation.event_id)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.revoked_at:
        return invitation
    held_seat = invitation.holds_seat()
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
        raise RsvpLinkInvalid(_("This invitation link is not valid.")) from error
    if invitation.revoked_at or not invitation.event.is_open_for_answers(now):
        raise RsvpLinkInvalid(_("This invitation link is not valid."))
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
        raise DomainError(_("This invitation was withdrawn."))
    if now < invitation.event.starts_at - dt.timedelta(hours=12):
        raise DomainError(_("Check-in opens on the day of the event."))
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


@transaction.atomic
def check_in_walk_in(
    *, event: Event, by, now, contact: Contact | None = None, full_name: str = "", email: str = ""
) -> Invitation:
    """Invite and check in, in one step, a guest who came without being on the list: a
    contact ``by`` may see, or someone new (``full_name``, optional ``email``) added to the
    network as a standard contact that ``by`` owns. A contact invited already is checked in
    on that invitation. Nothing is written when the check-in is refused."""
    if event.status == Event.Status.CANCELLED:
        raise DomainError(_("This event was cancelled."))
    if contact is None:
        contact = _walk_in_contact(event=event, by=by, full_name=full_name, email=email)
    elif not Contact.objects.visible_to(by).filter(pk=contact.pk, erased_at__isnull=True).exists():
        # The same answer for a hidden contact as for one that does not exist.
        raise DomainError(_("No such contact."), field="contact")
    invitation = Invitation.objects.filter(event=event, contact=contact).first()
    if invitation is None:
        invite(event=event, contact_ids=[contact.pk], role=Invitation.Role.GUEST, by=by, now=now)
        invitation = Invitation.objects.get(event=event, contact=contact)
    return check_in(invitation=invitation, attended=True, by=by, now=now)


def _walk_in_contact(*, event: Event, by, full_name: str, email: str) -> Contact:
    full_name, email = full_name.strip(), email.strip()
    if not full_name:
        raise DomainError(_("Give the guest's name."), field="full_name")
    # Someone ``by`` already sees under this name or e-mail is chosen, not added again (a
    # contact hidden from them is not looked at: that would tell of it).
    same = Q(full_name__iexact=full_name) | Q(native_name__iexact=full_name)
    if email:
        same |= Q(email__iexact=email)
    known = (
        Contact.objects.visible_to(by).filter(same, erased_at__isnull=True).order_by("pk").first()
    )
    if known is not None:
        raise DomainError(
            _(
                "%(name)s is already in the network: choose them under “Someone in the "
                "network” (someone else of that name is added as a new contact first)."
            )
            % {"name": known.full_name},
            field="full_name",
        )
    return Contact.objects.create(
        full_name=full_name,
        email=email.strip(),
        category=Contact.Category.OTHER,
        layer=event.layer,
        owner=by,
    )


# Event reminders


@dataclass(frozen=True)
class EventSweepResult:
    rsvp_chase: int
    event_prep: int
    event_follow_up: int


def sweep_event_reminders(*, now) -> EventSweepResult:
    """Create the due event reminders, each once per (event, kind, recipient), in
    set-based SQL: ``rsvp_chase`` to planners who may see an invitation still unanswered
    RSVP_CHASE_DAYS before, ``event_prep`` to planners the day before, ``event_follow_up``
    to officers who hold an active channel with a guest who attended and whom they may
    see, once the event is over. A guest the recipient may not see never causes a
    reminder. Idempotent, and safe to run twice at once: the unique constraint on
    (event, kind, recipient) refuses a second one."""
    kinds = (
        (Reminder.Kind.RSVP_CHASE, _rsvp_chase_rows(now)),
        (Reminder.Kind.EVENT_PREP, _event_prep_rows(now)),
        (Reminder.Kind.EVENT_FOLLOW_UP, _event_follow_up_rows(now)),
    )
    created = []
    for kind, rows in kinds:
        with transaction.atomic():
            created.append(_insert_event_reminders(rows, kind=kind, now=now))
    return EventSweepResult(*created)


def _rsvp_chase_rows(now) -> QuerySet:
    # One filter() call: the unanswered invitation and the guest the planner may see are
    # the same row of the join.
    chase = dt.timedelta(days=settings.RSVP_CHASE_DAYS)
    seen = contact_visible_to_user_in("user", prefix="event__invitations__contact__")
    planners = Event.planners.through.objects.filter(
        seen,
        event__in=_live_events().filter(starts_at__gt=now, starts_at__lte=now + chase),
        event__invitations__status=Invitation.Status.INVITED,
        event__invitations__revoked_at__isnull=True,
    )
    return planners.annotate(r_event_id=F("event_id"), r_recipient_id=F("user_id"))


def _event_prep_rows(now) -> QuerySet:
    tomorrow = _live_events().filter(starts_at__gt=now, starts_at__lte=now + dt.timedelta(days=1))
    planners = Event.planners.through.objects.filter(event__in=tomorrow)
    return planners.annotate(r_event_id=F("event_id"), r_recipient_id=F("user_id"))


def _event_follow_up_rows(now) -> QuerySet:
    # As for the chase: the attendance and the guest the officer may see are one row.
    window = dt.timedelta(days=settings.EVENT_FOLLOW_UP_DAYS)
    recent = _live_events().filter(ends_at__lte=now, ends_at__gt=now - window)
    seen = contact_visible_to_user_in("officer", prefix="contact__")
    channels = Channel.objects.active().filter(
        seen,
        contact__invitations__status=Invitation.Status.ATTENDED,
        contact__invitations__event__in=recent,
    )
    return channels.annotate(
        r_event_id=F("contact__invitations__event_id"), r_recipient_id=F("officer_id")
    )


def _live_events() -> QuerySet:
    return Event.objects.exclude(status=Event.Status.CANCELLED)


def _insert_event_reminders(rows: QuerySet, *, kind: str, now) -> int:
    """Insert a reminder and its EventReminder link for each distinct (event, recipient)
    of ``rows`` that has no link of ``kind`` yet. Returns the reminders inserted.

    The link goes in first, ``ON CONFLICT DO NOTHING``, with an id drawn for its reminder;
    only the links inserted get a reminder, so a sweep that loses a race to a concurrent
    one leaves nothing behind. The link's foreign key to its reminder is checked at commit
    (Django creates it deferrable)."""
    candidates = rows.values("r_event_id", "r_recipient_id").distinct()
    # A fixed order: two sweeps at once meet each other's rows in the same order.
    ordered = candidates.order_by("r_event_id", "r_recipient_id")
    select_sql, select_params = ordered.query.sql_with_params()
    insert = _insert_on_postgresql if connection.vendor == "postgresql" else _insert_on_sqlite
    with connection.cursor() as cursor:
        insert(cursor, select_sql, [kind, *select_params], [kind, now, Reminder.Status.OPEN, now])
        return cursor.rowcount


def _insert_on_postgresql(cursor, select_sql: str, link_params: list, reminder_params: list):
    # One statement: the reminders are those of the links this statement inserted.
    next_id = "nextval(pg_get_serial_sequence(%s, 'id'))"
    linked = _insert_links_sql(select_sql, next_id) + " RETURNING reminder_id, recipient_id"
    sql = f"WITH linked AS ({linked}) " + _insert_reminders_sql("linked")
    cursor.execute(sql, [Reminder._meta.db_table, *link_params, *reminder_params])


def _insert_on_sqlite(cursor, select_sql: str, link_params: list, reminder_params: list):
    # SQLite, the embedded default, writes one transaction at a time and has no
    # data-modifying WITH: ids follow the highest one, and the links of this kind still
    # without a reminder are this transaction's.
    reminders, links = _quoted_table(Reminder), _quoted_table(EventReminder)
    next_id = f"(SELECT COALESCE(MAX(id), 0) FROM {reminders}) + ROW_NUMBER() OVER ()"  # noqa: S608
    cursor.execute(_insert_links_sql(select_sql, next_id), link_params)
    unlinked = (
        f"{links} AS link WHERE kind = %s AND NOT EXISTS (SELECT 1 FROM {reminders} "  # noqa: S608
        "AS reminder WHERE reminder.id = link.reminder_id)"
    )
    cursor.execute(_insert_reminders_sql(unlinked), [*reminder_params, link_params[0]])


def _quoted_table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# Only quoted identifiers, SQL written here and Django's compiled SQL are interpolated
# below; values travel as parameters.


def _insert_links_sql(select_sql: str, next_id: str) -> str:
    # WHERE 1 = 1 lets SQLite parse ON CONFLICT after a SELECT.
    insert = (
        f"INSERT INTO {_quoted_table(EventReminder)} (reminder_id, event_id, kind, recipient_id) "
    )
    select = f"SELECT {next_id}, r_event_id, %s, r_recipient_id FROM ({select_sql}) AS candidates "  # noqa: S608
    return insert + select + "WHERE 1 = 1 ON CONFLICT DO NOTHING"


def _insert_reminders_sql(links: str) -> str:
    columns = "id, kind, recipient_id, due_at, status, created_at"
    insert = f"INSERT INTO {_quoted_table(Reminder)} ({columns}) "
    return insert + f"SELECT reminder_id, %s, recipient_id, %s, %s, %s FROM {links}"  # noqa: S608


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
