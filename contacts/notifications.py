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
to the app at ``settings.SITE_URL``; each has a plain-text and an HTML part, in the
recipient's own language (``contacts.languages.officer_language``).
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
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, ngettext

from contacts import metrics
from contacts.access import Role, roles_of
from contacts.languages import officer_language
from contacts.models import AccessLog, Channel, Notification, OfficerProfile, Reminder
from contacts.people import display_name
from contacts.querysets import contact_visible_to_user_in, exchange_readable_by_user_in

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
# (lead, reminder) pairs recorded as told per statement on SQLite (500 SELECTs at most in
# a UNION there); PostgreSQL takes them all in one (arrays).
TOLD_BATCH = 400
# What an escalation e-mail shows of each reminder (and the contact's sensitivity, for the
# access log of those it names).
ESCALATION_FIELDS = (
    "due_at",
    "recipient__username",
    "recipient__first_name",
    "recipient__last_name",
    "channel__contact__full_name",
    "channel__contact__sensitivity",
)


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


def _digest_subject(reminders, escalations) -> str:
    """The digest's subject in the active language ("Track II: 2 open reminders, 1 key
    channel of your officers overdue")."""
    parts = []
    if reminders:
        count = len(reminders)
        parts.append(
            ngettext("%(count)d open reminder", "%(count)d open reminders", count)
            % {"count": count}
        )
    if escalations:
        count = len(escalations)
        parts.append(
            ngettext(
                "%(count)d key channel of your officers overdue",
                "%(count)d key channels of your officers overdue",
                count,
            )
            % {"count": count}
        )
    return gettext("Track II: %(summary)s") % {"summary": ", ".join(parts)}


def _send_digest(user, reminders, escalations, *, zone, day: dt.date, now) -> bool:
    with translation.override(officer_language(user)):
        return _send_digest_in_language(user, reminders, escalations, zone=zone, day=day, now=now)


def _send_digest_in_language(user, reminders, escalations, *, zone, day: dt.date, now) -> bool:
    sent = _claim_and_send(
        kind=Notification.Kind.DIGEST,
        recipient=user,
        key=day.isoformat(),
        subject=_digest_subject(reminders, escalations),
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
        _mark_told([(user, reminder) for reminder in escalations], now=now)
        _log_named([(user, reminder) for reminder in [*reminders, *escalations]], now=now)
    return sent


def _log_named(told, *, now) -> None:
    """The access log of the protected contacts the e-mails that left name: (recipient,
    reminder) pairs, a channel's contact by name (a follow-up names its exchange's summary,
    an event reminder its event)."""
    AccessLog.objects.record_each(
        [(user, reminder.channel.contact) for user, reminder in told if reminder.channel_id],
        surface=AccessLog.Surface.EMAIL,
        now=now,
    )


# Escalations


def escalations_for(lead, *, now: dt.datetime):
    """Open ``channel_due`` reminders of key channels overdue beyond the escalation
    threshold, held by the officers of ``lead``'s teams (not the lead's own), that the lead
    may see; most overdue first. None for a user without the lead role."""
    if Role.LEAD not in roles_of(lead):
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
    get these. Returns how many e-mails were sent.

    A constant number of statements per run, however many leads and escalations: the
    (lead, reminder) pairs still to tell are found by one statement, with each lead's
    visibility applied in SQL, and the leads' e-mails are claimed and recorded in bulk."""
    untold = _untold_escalations(now)
    if not untold:
        return 0
    key = _window_key(now)
    subjects = {}
    for lead, reminders in untold.items():
        with translation.override(officer_language(lead)):
            subjects[lead] = _escalation_subject(reminders)
    claimed = _claim_in_bulk(
        kind=Notification.Kind.ESCALATION,
        key=key,
        claims={lead.pk: (subject, len(untold[lead])) for lead, subject in subjects.items()},
        now=now,
    )
    metrics.count(metrics.CLAIMED, Notification.Kind.ESCALATION, len(claimed))
    sent = []
    try:
        for lead in sorted(untold, key=lambda lead: lead.pk):
            if lead.pk in claimed:
                zone, _ = digest_preferences(lead)
                context = {"lead": lead, "reminders": untold[lead], "zone": zone}
                with translation.override(officer_language(lead)):
                    _send_message(lead, subjects[lead], "contacts/email/escalation", context)
                sent.append(lead)
    finally:
        # Whatever happened, the e-mails that left are recorded, and the claims of those
        # that did not are released for the task's retry.
        unsent = claimed - {lead.pk for lead in sent}
        metrics.count(metrics.SENT, Notification.Kind.ESCALATION, len(sent))
        metrics.count(metrics.FAILED, Notification.Kind.ESCALATION, len(unsent))
        claims = Notification.objects.filter(kind=Notification.Kind.ESCALATION, key=key)
        if unsent:
            claims.filter(recipient_id__in=unsent, sent_at__isnull=True).delete()
        if sent:
            claims.filter(recipient__in=sent).update(sent_at=now)
            told = [(lead, reminder) for lead in sent for reminder in untold[lead]]
            _mark_told(told, now=now)
            _log_named(told, now=now)
    return len(sent)


def _untold_escalations(now: dt.datetime) -> dict:
    """Per lead to e-mail (active, with an address, holding the lead role, receiving
    escalations by e-mail): the open ``channel_due`` reminders of key channels escalated at
    ``now``, held by an officer of one of the lead's teams, that the lead may see and was
    not told of yet; most overdue first. Three statements in all."""
    lead = "recipient__teams__members"  # each lead, a row per (reminder, lead)
    told = Notification.objects.filter(
        kind=Notification.Kind.ESCALATION,
        recipient=OuterRef(lead),
        key=Concat(Value("reminder:"), Cast(OuterRef("pk"), CharField())),
    )
    leads_wanted = Q(
        **{f"{lead}__is_active": True, f"{lead}__groups__name": Role.LEAD, f"{lead}__email__gt": ""}
    )
    if _in_digests():
        leads_wanted &= Q(**{f"{lead}__profile__receives_digests": False})
    # One filter() call, so that every condition on the lead names the same joined row;
    # the lead's sight of each reminder is Reminder.visible_to's rule, column-relative.
    pairs = Reminder.objects.filter(
        leads_wanted
        & Q(kind=Reminder.Kind.CHANNEL_DUE, status=Reminder.Status.OPEN)
        & Q(channel__in=Channel.objects.escalated(now).values("pk"))
        & contact_visible_to_user_in(lead, prefix="channel__contact__")
        & (Q(exchange__isnull=True) | exchange_readable_by_user_in(lead, prefix="exchange__"))
        & ~Exists(told)
    )
    rows = set(pairs.values_list(lead, "pk", "recipient_id").order_by())
    # A lead's own channels are not escalated to them.
    rows = {(lead_id, pk) for lead_id, pk, recipient_id in rows if lead_id != recipient_id}
    if not rows:
        return {}
    reminders = Reminder.objects.filter(pk__in={pk for _, pk in rows})
    # Only what the e-mails show (not the contacts' encrypted notes, one decryption each).
    reminders = (
        reminders.select_related("recipient", "channel__contact")
        .only(*ESCALATION_FIELDS)
        .order_by("due_at", "pk")
    )
    leads = get_user_model().objects.filter(pk__in={lead_id for lead_id, _ in rows})
    leads = {user.pk: user for user in leads.select_related("profile")}
    leads_of: dict[int, list[int]] = {}
    for lead_id, pk in sorted(rows):
        leads_of.setdefault(pk, []).append(lead_id)
    untold: dict = {}
    for reminder in reminders:
        for lead_id in leads_of[reminder.pk]:
            untold.setdefault(leads[lead_id], []).append(reminder)
    return untold


def _window_key(now: dt.datetime) -> str:
    return f"window:{escalation_window(now).isoformat(timespec='minutes')}"


def _claim_in_bulk(*, kind, key, claims: dict[int, tuple[str, int]], now) -> set[int]:
    """Claim the e-mail ``key`` of ``kind`` for each recipient id of ``claims`` (its
    subject and reminder count) by one ``INSERT ... ON CONFLICT DO NOTHING``; the ids
    claimed, including stale claims taken over (see ``_claim_and_send``)."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = ["kind", "recipient_id", "key", "subject", "reminder_count", "created_at"]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    created_at = connection.ops.adapt_datetimefield_value(now)
    rows, params = [], []
    for recipient_id, (subject, count) in claims.items():
        rows.append("(%s, %s, %s, %s, %s, %s)")
        params += [kind, recipient_id, key, one_line(subject), count, created_at]
    # Only quoted identifiers and placeholders are interpolated; values are parameters.
    sql = (
        f"INSERT INTO {table} ({quoted}) VALUES {', '.join(rows)} "  # noqa: S608
        "ON CONFLICT DO NOTHING RETURNING recipient_id"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        claimed = {row[0] for row in cursor.fetchall()}
    # Claims held already: sent, being sent by a concurrent task, or left by a dead task.
    held = set(claims) - claimed
    stale = Notification.objects.filter(
        kind=kind,
        key=key,
        recipient_id__in=held,
        sent_at__isnull=True,
        created_at__lt=now - CLAIM_EXPIRES,
    )
    for recipient_id in stale.values_list("recipient_id", flat=True) if held else []:
        subject, count = claims[recipient_id]
        if _take_over_stale_claim(
            kind=kind,
            recipient=recipient_id,
            key=key,
            now=now,
            subject=one_line(subject),
            reminder_count=count,
        ):
            claimed.add(recipient_id)
    return claimed


def escalation_window(now: dt.datetime) -> dt.datetime:
    """The start of the escalation window holding ``now`` (windows start at midnight UTC)."""
    minutes = max(1, settings.ESCALATION_WINDOW_MINUTES)
    midnight = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = (now - midnight) // dt.timedelta(minutes=minutes)
    return midnight + elapsed * dt.timedelta(minutes=minutes)


def _escalation_subject(reminders) -> str:
    """The subject of a lead's escalation e-mail, in the active language."""
    names = list(dict.fromkeys(display_name(r.recipient) for r in reminders))
    named = ", ".join(names[:SUBJECT_NAMES])
    if len(names) > SUBJECT_NAMES:
        more = len(names) - SUBJECT_NAMES
        named = gettext("%(names)s and %(count)d more") % {"names": named, "count": more}
    if len(reminders) == 1:
        return gettext("Track II: key channel overdue — %(names)s") % {"names": named}
    return ngettext(
        "Track II: %(count)d key channel overdue — %(names)s",
        "Track II: %(count)d key channels overdue — %(names)s",
        len(reminders),
    ) % {"count": len(reminders), "names": named}


def _mark_told(pairs, *, now) -> None:
    """Record that each (lead, reminder) of ``pairs`` was told, once each: one ``INSERT ...
    SELECT ... ON CONFLICT DO NOTHING`` over the pairs (a run after a long outage tells
    thousands; building as many model instances cost more than the run's queries)."""
    told = [(lead.pk, f"reminder:{reminder.pk}") for lead, reminder in pairs]
    if not told:
        return
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = ["kind", "recipient_id", "key", "subject", "reminder_count", "created_at", "sent_at"]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    at = connection.ops.adapt_datetimefield_value(now)
    fixed = [Notification.Kind.ESCALATION, "(told in a batch)", at, at]
    insert = f"INSERT INTO {table} ({quoted}) SELECT %s, recipient, told_key, %s, 1, %s, %s "
    with transaction.atomic(), connection.cursor() as cursor:
        # Only quoted identifiers and placeholders are interpolated; values are parameters.
        if connection.vendor == "postgresql":
            recipients, keys = zip(*told, strict=True)
            sql = insert + (
                "FROM unnest(%s::integer[], %s::text[]) AS told (recipient, told_key) "
                "ON CONFLICT DO NOTHING"
            )
            cursor.execute(sql, [*fixed, list(recipients), list(keys)])
            return
        # Elsewhere (SQLite) a UNION of rows, at most 500 SELECTs each; WHERE 1 = 1 lets
        # SQLite parse ON CONFLICT after a SELECT.
        for start in range(0, len(told), TOLD_BATCH):
            batch = told[start : start + TOLD_BATCH]
            rows = " UNION ALL ".join(
                ["SELECT %s AS recipient, %s AS told_key"] + ["SELECT %s, %s"] * (len(batch) - 1)
            )
            sql = insert + f"FROM ({rows}) AS told WHERE 1 = 1 ON CONFLICT DO NOTHING"
            cursor.execute(sql, fixed + [value for pair in batch for value in pair])


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
    metrics.count(metrics.CLAIMED, kind)
    try:
        _send_message(recipient, subject, template, context)
    except Exception:
        # Release the claim so that the task's retry sends it; then let the task decide.
        claim.delete()
        metrics.count(metrics.FAILED, kind)
        raise
    Notification.objects.filter(pk=claim.pk).update(sent_at=now)
    metrics.count(metrics.SENT, kind)
    logger.info("Sent %s notification %s", kind, claim.pk)
    return True


def _send_message(recipient, subject: str, template: str, context: dict) -> None:
    """Render ``template`` (its .txt and .html) and send it to the recipient."""
    context = {**context, "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=one_line(subject),
        body=plain(render_to_string(f"{template}.txt", context)),
        to=[recipient.email],
    )
    message.attach_alternative(plain(render_to_string(f"{template}.html", context)), "text/html")
    message.send()
