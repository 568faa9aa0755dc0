"""E-mail from the keep-in-touch engine: each officer's daily digest, and escalations of
long-overdue key channels to the officer's leads.

Escalations reach a lead as ``settings.ESCALATION_DELIVERY`` says: ``batched``, one e-mail
per lead per ``ESCALATION_WINDOW_MINUTES`` listing every key channel newly past the
threshold; or ``digest``, a section of the lead's daily digest (a lead who turned digests
off still gets them batched: escalations cannot be turned off).

Every e-mail is first claimed as a ``Notification`` row under a unique natural key
(kind, recipient, key) in its own committed transaction, then sent. A retried or
duplicated task finds the claim and sends nothing: delivery is at most once. A send that
fails with an SMTP or connection error releases its claim, so the retry sends it. Each
reminder told to a lead is also kept as a sent ``escalation`` row keyed ``reminder:<id>``,
so that no later e-mail tells that lead of it again.

E-mails name people by their full names, give times in the recipient's zone and link back
to the app at ``settings.SITE_URL``; each has a plain-text and an HTML part.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string

from contacts.access import Role
from contacts.models import Channel, Notification, OfficerProfile, Reminder
from contacts.people import display_name

logger = logging.getLogger(__name__)

DEFAULT_DIGEST_HOUR = 8
# A claim is dated at its task's start, and contacts.tasks kills a task after 11 minutes:
# an unsent claim older than this was made by a task that is gone.
CLAIM_EXPIRES = dt.timedelta(minutes=12)
# Names and titles are typed by people: a line break in a header would end it (Django then
# refuses to send), and SMTP servers refuse bare CRs and control characters in a body.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
# An escalation subject names at most this many officers, then "and N more".
SUBJECT_NAMES = 2


def one_line(value: str) -> str:
    """A header value: every run of line breaks and control characters is one space."""
    return HEADER_BREAKS.sub(" ", value).strip()


def plain(value: str) -> str:
    """A body: each line break one LF, no other control character."""
    return CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class NotificationResult:
    digests: int
    escalations: int


def send_notifications(*, now: dt.datetime) -> NotificationResult:
    """Send the digests due at ``now`` and the escalations not yet sent."""
    return NotificationResult(
        digests=send_due_digests(now=now), escalations=send_escalations(now=now)
    )


def _in_digests() -> bool:
    return settings.ESCALATION_DELIVERY == "digest"


def send_due_digests(*, now: dt.datetime) -> int:
    """Send each user who receives digests and whose digest hour it is, in their zone, one
    digest of their open reminders, most overdue first (and, for a lead when escalations go
    into digests, the key channels of their officers long overdue); nothing to a user with
    nothing to read. Returns how many."""
    sent = 0
    readers = Q(reminders__status=Reminder.Status.OPEN)
    if _in_digests():
        readers |= Q(groups__name=Role.LEAD)
    recipients = (
        get_user_model()
        .objects.filter(readers, is_active=True)
        .exclude(profile__receives_digests=False)
        .select_related("profile")
        .distinct()
    )
    for user in recipients.order_by("pk"):
        zone, hour = digest_preferences(user)
        local_now = now.astimezone(zone)
        if local_now.hour != hour:
            continue
        reminders = list(
            Reminder.objects.visible_to(user)
            .filter(recipient=user, status=Reminder.Status.OPEN)
            .select_related("channel__contact", "exchange", "event_link__event")
            .order_by("due_at", "pk")
        )
        escalations = list(escalations_for(user, now=now)) if _in_digests() else []
        if (reminders or escalations) and _send_digest(
            user, reminders, escalations, zone=zone, day=local_now.date(), now=now
        ):
            sent += 1
    return sent


def digest_preferences(user) -> tuple[zoneinfo.ZoneInfo, int]:
    """The user's time zone and digest hour (the server's zone and 8 without a profile)."""
    try:
        profile = user.profile
    except OfficerProfile.DoesNotExist:
        return zoneinfo.ZoneInfo(settings.TIME_ZONE), DEFAULT_DIGEST_HOUR
    return zoneinfo.ZoneInfo(str(profile.timezone)), profile.digest_hour


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _send_digest(user, reminders, escalations, *, zone, day: dt.date, now) -> bool:
    parts = [_count(len(reminders), "open reminder")] if reminders else []
    if escalations:
        parts.append(f"{_count(len(escalations), 'key channel')} of your officers overdue")
    sent = _claim_and_send(
        kind=Notification.Kind.DIGEST,
        recipient=user,
        key=day.isoformat(),
        subject=f"Track II: {', '.join(parts)}",
        template="contacts/email/digest",
        context={
            "user": user,
            "reminders": reminders,
            "escalations": escalations,
            "day": day,
            "zone": zone,
        },
        reminder_count=len(reminders) + len(escalations),
        now=now,
    )
    if sent:
        Reminder.objects.filter(pk__in=[r.pk for r in reminders]).update(notified_at=now)
        _mark_told(user, escalations, now=now)
    return sent


# Escalations


def escalations_for(lead, *, now: dt.datetime):
    """Open ``channel_due`` reminders of key channels overdue beyond the escalation
    threshold, held by the officers of ``lead``'s teams (not the lead's own), that the lead
    may see; most overdue first. None for a user without the lead role."""
    if not lead.groups.filter(name=Role.LEAD).exists():
        return Reminder.objects.none()
    officers = get_user_model().objects.filter(teams__members=lead).exclude(pk=lead.pk)
    return (
        Reminder.objects.visible_to(lead)
        .filter(
            kind=Reminder.Kind.CHANNEL_DUE,
            status=Reminder.Status.OPEN,
            channel__in=Channel.objects.escalated(now).values("pk"),
            recipient__in=officers.values("pk"),
        )
        .select_related("recipient", "channel__contact")
        .order_by("due_at", "pk")
    )


def send_escalations(*, now: dt.datetime) -> int:
    """Send each lead one e-mail listing the key channels of their officers newly overdue
    beyond the threshold (each reminder told once per lead), at most one per lead per
    escalation window. With escalations in the digests, only leads who turned digests off
    get these. Returns how many e-mails were sent."""
    escalated = Reminder.objects.filter(
        kind=Reminder.Kind.CHANNEL_DUE,
        status=Reminder.Status.OPEN,
        channel__in=Channel.objects.escalated(now).values("pk"),
    )
    leads = get_user_model().objects.filter(
        is_active=True,
        groups__name=Role.LEAD,
        teams__members__in=escalated.values("recipient_id"),
    )
    if _in_digests():
        leads = leads.filter(profile__receives_digests=False)
    sent = 0
    for lead in leads.select_related("profile").distinct().order_by("pk"):
        told = Notification.objects.filter(
            kind=Notification.Kind.ESCALATION,
            recipient=lead,
            key=Concat(Value("reminder:"), Cast(OuterRef("pk"), CharField())),
        )
        reminders = list(escalations_for(lead, now=now).exclude(Exists(told)))
        if reminders and _send_escalation(lead, reminders, now=now):
            sent += 1
    return sent


def escalation_window(now: dt.datetime) -> dt.datetime:
    """The start of the escalation window holding ``now`` (windows start at midnight UTC)."""
    minutes = max(1, settings.ESCALATION_WINDOW_MINUTES)
    midnight = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = (now - midnight) // dt.timedelta(minutes=minutes)
    return midnight + elapsed * dt.timedelta(minutes=minutes)


def _escalation_subject(reminders) -> str:
    names = list(dict.fromkeys(display_name(r.recipient) for r in reminders))
    named = ", ".join(names[:SUBJECT_NAMES])
    if len(names) > SUBJECT_NAMES:
        named += f" and {len(names) - SUBJECT_NAMES} more"
    if len(reminders) == 1:
        return f"Track II: key channel overdue — {named}"
    return f"Track II: {len(reminders)} key channels overdue — {named}"


def _send_escalation(lead, reminders, *, now) -> bool:
    zone, _ = digest_preferences(lead)
    sent = _claim_and_send(
        kind=Notification.Kind.ESCALATION,
        recipient=lead,
        key=f"window:{escalation_window(now).isoformat(timespec='minutes')}",
        subject=_escalation_subject(reminders),
        template="contacts/email/escalation",
        context={"lead": lead, "reminders": reminders, "zone": zone},
        reminder_count=len(reminders),
        now=now,
    )
    if sent:
        _mark_told(lead, reminders, now=now)
    return sent


def _mark_told(lead, reminders, *, now) -> None:
    """Record that ``lead`` was told of these escalated reminders, once each."""
    Notification.objects.bulk_create(
        [
            Notification(
                kind=Notification.Kind.ESCALATION,
                recipient=lead,
                key=f"reminder:{reminder.pk}",
                subject="(told in a batch)",
                reminder_count=1,
                created_at=now,
                sent_at=now,
            )
            for reminder in reminders
        ],
        ignore_conflicts=True,
    )


def _take_over_stale_claim(
    *, kind, recipient, key, now, subject, reminder_count
) -> Notification | None:
    """The claim of this e-mail if it was never sent and is older than CLAIM_EXPIRES, now
    renewed by this task; else None. One conditional UPDATE: of two tasks, one wins."""
    stale = Notification.objects.filter(
        kind=kind,
        recipient=recipient,
        key=key,
        sent_at__isnull=True,
        created_at__lt=now - CLAIM_EXPIRES,
    )
    claim = stale.first()
    renewed = {"created_at": now, "subject": subject, "reminder_count": reminder_count}
    if claim is None or not stale.filter(pk=claim.pk).update(**renewed):
        return None
    logger.warning("Taking over the stale claim of %s notification %s", kind, claim.pk)
    return claim


def _claim_and_send(
    *, kind, recipient, key, subject, template, context, reminder_count, now
) -> bool:
    if not recipient.email:
        return False
    subject = one_line(subject)
    try:
        with transaction.atomic():
            claim = Notification.objects.create(
                kind=kind,
                recipient=recipient,
                key=key,
                subject=subject,
                reminder_count=reminder_count,
                created_at=now,
            )
    except IntegrityError:
        # Sent already, or being sent by a concurrent task; or claimed by a task that died
        # before sending (killed, timed out): a claim older than any task may run is taken
        # over, so the e-mail goes out once more rather than never.
        claim = _take_over_stale_claim(
            kind=kind,
            recipient=recipient,
            key=key,
            now=now,
            subject=subject,
            reminder_count=reminder_count,
        )
        if claim is None:
            return False
    context = {**context, "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=subject,
        body=plain(render_to_string(f"{template}.txt", context)),
        to=[recipient.email],
    )
    message.attach_alternative(plain(render_to_string(f"{template}.html", context)), "text/html")
    try:
        message.send()
    except Exception:
        # Release the claim so that the task's retry sends it; then let the task decide.
        claim.delete()
        raise
    Notification.objects.filter(pk=claim.pk).update(sent_at=now)
    logger.info("Sent %s notification %s", kind, claim.pk)
    return True
