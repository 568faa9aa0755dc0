"""E-mail from the keep-in-touch engine: each officer's daily digest, and escalations of
long-overdue key channels to the officer's leads.

Every e-mail is first claimed as a ``Notification`` row under a unique natural key
(kind, recipient, key) in its own committed transaction, then sent. A retried or
duplicated task finds the claim and sends nothing: delivery is at most once. A send that
fails with an SMTP or connection error releases its claim, so the retry sends it.
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
from django.template.loader import render_to_string

from contacts.access import Role
from contacts.models import Channel, Notification, OfficerProfile, Reminder

logger = logging.getLogger(__name__)

DEFAULT_DIGEST_HOUR = 8
# A claim is dated at its task's start, and contacts.tasks kills a task after 11 minutes:
# an unsent claim older than this was made by a task that is gone.
CLAIM_EXPIRES = dt.timedelta(minutes=12)
# Names and titles are typed by people: a line break in a header would end it (Django then
# refuses to send), and SMTP servers refuse bare CRs and control characters in a body.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


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


def send_due_digests(*, now: dt.datetime) -> int:
    """Send each officer whose digest hour it is, in their zone, one digest of their open
    reminders, most overdue first; nothing to an officer with none. Returns how many."""
    sent = 0
    recipients = (
        get_user_model()
        .objects.filter(is_active=True, reminders__status=Reminder.Status.OPEN)
        .distinct()
    )
    for user in recipients.order_by("pk"):
        zone, hour = _digest_preferences(user)
        local_now = now.astimezone(zone)
        if local_now.hour != hour:
            continue
        reminders = list(
            Reminder.objects.visible_to(user)
            .filter(recipient=user, status=Reminder.Status.OPEN)
            .select_related("channel__contact", "exchange")
            .order_by("due_at", "pk")
        )
        if reminders and _send_digest(user, reminders, local_now.date(), now):
            sent += 1
    return sent


def _digest_preferences(user) -> tuple[zoneinfo.ZoneInfo, int]:
    try:
        profile = user.profile
    except OfficerProfile.DoesNotExist:
        return zoneinfo.ZoneInfo(settings.TIME_ZONE), DEFAULT_DIGEST_HOUR
    return zoneinfo.ZoneInfo(str(profile.timezone)), profile.digest_hour


def _send_digest(user, reminders, day: dt.date, now) -> bool:
    subject = f"Track II: {len(reminders)} open reminder{'s' if len(reminders) != 1 else ''}"
    context = {"user": user, "reminders": reminders, "day": day, "now": now}
    sent = _claim_and_send(
        kind=Notification.Kind.DIGEST,
        recipient=user,
        key=day.isoformat(),
        subject=subject,
        template="contacts/email/digest",
        context=context,
        reminder_count=len(reminders),
        now=now,
    )
    if sent:
        Reminder.objects.filter(pk__in=[r.pk for r in reminders]).update(notified_at=now)
    return sent


def send_escalations(*, now: dt.datetime) -> int:
    """Tell the leads of an officer about each key channel overdue beyond the escalation
    threshold, once per reminder and lead, if the lead may see that channel."""
    escalated = Channel.objects.escalated(now).values("pk")
    reminders = (
        Reminder.objects.filter(
            kind=Reminder.Kind.CHANNEL_DUE,
            status=Reminder.Status.OPEN,
            channel__in=escalated,
        )
        .select_related("recipient", "channel__contact")
        .order_by("due_at", "pk")
    )
    sent = 0
    for reminder in reminders:
        for lead in leads_of(reminder.recipient):
            if not Reminder.objects.visible_to(lead).filter(pk=reminder.pk).exists():
                continue
            sent += _claim_and_send(
                kind=Notification.Kind.ESCALATION,
                recipient=lead,
                key=f"reminder:{reminder.pk}",
                subject=f"Track II: key channel overdue — {reminder.recipient}",
                template="contacts/email/escalation",
                context={"lead": lead, "reminder": reminder, "now": now},
                reminder_count=1,
                now=now,
            )
    return sent


def leads_of(officer):
    """Active users with the lead role in any of the officer's teams (not the officer)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.LEAD, teams__members=officer)
        .exclude(pk=officer.pk)
        .distinct()
        .order_by("pk")
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
