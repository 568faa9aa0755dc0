"""Retention: how long each kind of row is kept, what the nightly prune would delete
(``plan``) and the prune itself, in bounded batches (``prune``).

Each kind has a setting in days (``RETENTION_*_DAYS``; 0 keeps forever); a row of that
kind older than ``now`` minus those days may go, except the rows something still relies on:

- history: each object's newest version is kept, however old (it is the object's state in
  the admin's history; for an erased contact it is the erasure, naming who erased). Only
  versions that a later version superseded go. Erasure anonymised every version in place,
  so what is kept stays anonymised: pruning deletes rows, it never writes one.
- notifications: only sent ones. The record that a lead was told of a reminder
  (``reminder:<id>``) is kept while that reminder is pending, or the lead would be told
  again. Guest e-mails go once sent (or bounced) and their event ended before the cutoff.
- reminders: only resolved or dismissed ones, by the time they were closed. A follow-up's
  reminder is kept while its exchange has a follow-up date, and an event's reminder until
  its event is past the follow-up window: the sweeps would otherwise create them again.
- sign-ins: django-axes' attempts, sign-in log and failure log, and the security audit
  trail (``SecurityEvent``); a lockout is never lifted early (``AXES_COOLOFF_TIME``).

Rows go oldest first, at most ``RETENTION_BATCH_SIZE`` per transaction, so the prune never
holds long locks, and a prune cut short keeps what it did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as SignInLog
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import BigIntegerField, Case, Exists, Min, OuterRef, Q, When
from django.db.models.functions import Cast, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_celery_beat.models import PeriodicTask
from simple_history.models import HistoricalChanges

from contacts.models import AccessLog, Notification, Reminder
from events.models import InvitationMessage
from trackii.models import SecurityEvent

PRUNE_TASK = "trackii.prune_retention"
# The setting of each kind, and how the retention page names the kind.
KINDS = {
    "access_log": ("RETENTION_ACCESS_LOG_DAYS", _lazy("Access log of protected contacts")),
    "history": ("RETENTION_HISTORY_DAYS", _lazy("Change history")),
    "notifications": ("RETENTION_NOTIFICATIONS_DAYS", _lazy("E-mails sent")),
    "reminders": ("RETENTION_REMINDERS_DAYS", _lazy("Closed reminders")),
    "signins": ("RETENTION_SIGNINS_DAYS", _lazy("Sign-in records")),
}
ESCALATION_MARKER = "reminder:"


@dataclass(frozen=True)
class Target:
    """One table pruned under one kind's setting, its rows aged by ``date_field``: those
    dated before the cutoff may go, or those ``rule(cutoff, now)`` returns."""

    kind: str
    label: str
    model: type[models.Model]
    date_field: str
    rule: Callable[[dt.datetime, dt.datetime], models.QuerySet] | None = None

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    def prunable(self, cutoff: dt.datetime, now: dt.datetime) -> models.QuerySet:
        """The rows that may go at ``now`` when the cutoff is ``cutoff``."""
        if self.rule is not None:
            return self.rule(cutoff, now)
        return self.model._base_manager.filter(**{f"{self.date_field}__lt": cutoff})


@dataclass(frozen=True)
class PlanRow:
    """What the prune would do to one table at a moment: counts and dates only."""

    kind: str
    setting: str
    label: str
    key: str
    days: int
    cutoff: dt.datetime | None
    count: int
    oldest: dt.datetime | None


@dataclass
class PruneResult:
    """Rows deleted and batches run per table (``Target.key``)."""

    deleted: dict[str, int] = field(default_factory=dict)
    batches: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def days_kept(kind: str) -> int:
    """The kind's setting: days its rows are kept, 0 for ever."""
    return getattr(settings, KINDS[kind][0])


def cutoff_for(kind: str, *, now: dt.datetime) -> dt.datetime | None:
    """Rows of ``kind`` dated before this may go; None when the kind is kept forever."""
    days = days_kept(kind)
    return now - dt.timedelta(days=days) if days else None


def targets() -> list[Target]:
    """Every table the prune reaches, grouped by kind in the order of ``KINDS``."""
    history = [
        Target(
            "history",
            _("History of %(things)s") % {"things": model.instance_type._meta.verbose_name_plural},
            model,
            "history_date",
            _superseded_versions(model),
        )
        for model in historical_models()
    ]
    return [
        Target("access_log", _("Views of protected contacts"), AccessLog, "viewed_at"),
        *history,
        Target(
            "notifications", _("Digests and escalations"), Notification, "sent_at", _sent_digests
        ),
        Target("notifications", _("E-mails to guests"), InvitationMessage, "sent_at", _guest_mail),
        Target("reminders", _("Resolved or dismissed reminders"), Reminder, "closed_at", _closed),
        Target("signins", _("Lockout counters"), AccessAttempt, "attempt_time", _lockout_counters),
        Target("signins", _("Sign-ins"), SignInLog, "attempt_time"),
        Target("signins", _("Failed sign-ins"), AccessFailureLog, "attempt_time"),
        Target("signins", _("Security events"), SecurityEvent, "at"),
    ]


def historical_models() -> list[type[models.Model]]:
    """django-simple-history's tables, one per model with a history, by label."""
    found = [model for model in apps.get_models() if issubclass(model, HistoricalChanges)]
    return sorted(found, key=lambda model: model._meta.label_lower)


def plan(*, now: dt.datetime) -> list[PlanRow]:
    """Per table: its kind's setting, the cutoff at ``now``, how many rows a prune at
    ``now`` would delete, and its oldest row's date."""
    rows = []
    for target in targets():
        cutoff = cutoff_for(target.kind, now=now)
        table = target.model._base_manager.all()
        rows.append(
            PlanRow(
                kind=target.kind,
                setting=KINDS[target.kind][0],
                label=target.label,
                key=target.key,
                days=days_kept(target.kind),
                cutoff=cutoff,
                count=target.prunable(cutoff, now).count() if cutoff else 0,
                oldest=table.aggregate(oldest=Min(target.date_field))["oldest"],
            )
        )
    return rows


def prune(*, now: dt.datetime, batch_size: int | None = None) -> PruneResult:
    """Delete every row the settings say has aged out at ``now``, table by table, oldest
    first, at most ``batch_size`` (``RETENTION_BATCH_SIZE``) rows per transaction."""
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    result = PruneResult()
    for target in targets():
        cutoff = cutoff_for(target.kind, now=now)
        if cutoff is None:
            continue
        deleted, batches = _prune_table(target.prunable(cutoff, now), target, batch_size)
        result.deleted[target.key] = deleted
        result.batches[target.key] = batches
    return result


def _prune_table(rows: models.QuerySet, target: Target, batch_size: int) -> tuple[int, int]:
    """Delete ``rows`` in batches; the rows deleted and the batches that deleted any."""
    deleted = batches = 0
    while True:
        with transaction.atomic():
            batch = list(
                rows.order_by(target.date_field, "pk").values_list("pk", flat=True)[:batch_size]
            )
            if not batch:
                break
            # The same conditions again: a row that changed since it was read stays.
            _, per_model = rows.filter(pk__in=batch).delete()
        deleted += per_model.get(target.model._meta.label, 0)
        batches += 1
        if len(batch) < batch_size:
            break
    return deleted, batches


def next_run_at(*, now: dt.datetime) -> dt.datetime | None:
    """When beat next starts the nightly prune; None when it is not scheduled."""
    task = PeriodicTask.objects.filter(task=PRUNE_TASK, enabled=True).order_by("pk").first()
    if task is None:
        return None
    # The schedule counts from its own clock, a moment later than ``now``: to the second.
    estimate = now + task.schedule.remaining_estimate(now) + dt.timedelta(milliseconds=500)
    return estimate.replace(microsecond=0)


# What may go, per table


def _superseded_versions(model) -> Callable:
    object_id = model.instance_type._meta.pk.attname

    def prunable(cutoff, now):
        later = model._base_manager.filter(
            Q(history_date__gt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), pk__gt=OuterRef("pk")),
            **{object_id: OuterRef(object_id)},
        )
        return model._base_manager.filter(Exists(later), history_date__lt=cutoff)

    return prunable


def _sent_digests(cutoff, now):
    told_of = Case(
        When(
            key__startswith=ESCALATION_MARKER,
            then=Cast(Substr("key", len(ESCALATION_MARKER) + 1), BigIntegerField()),
        ),
        output_field=BigIntegerField(),
    )
    pending = Reminder.objects.pending().filter(pk=OuterRef("told_of"))
    return (
        Notification._base_manager.alias(told_of=told_of)
        .filter(sent_at__lt=cutoff)
        .filter(~Exists(pending))
    )


def _guest_mail(cutoff, now):
    return InvitationMessage._base_manager.filter(
        status__in=[InvitationMessage.Status.SENT, InvitationMessage.Status.BOUNCED],
        sent_at__lt=cutoff,
        invitation__event__ends_at__lt=cutoff,
    )


def _closed(cutoff, now):
    # An event's reminders are made once per (event, kind, recipient) up to
    # EVENT_FOLLOW_UP_DAYS after it ended; a follow-up's for as long as its exchange has
    # a follow-up date (the reminder is how the sweep knows it reminded).
    event_window = now - dt.timedelta(days=settings.EVENT_FOLLOW_UP_DAYS)
    return (
        Reminder._base_manager.filter(
            status__in=[Reminder.Status.RESOLVED, Reminder.Status.DISMISSED],
            closed_at__lt=cutoff,
        )
        .exclude(kind=Reminder.Kind.FOLLOW_UP, exchange__follow_up_on__isnull=False)
        .filter(
            Q(event_link__isnull=True) | Q(event_link__event__ends_at__lt=min(cutoff, event_window))
        )
    )


def _lockout_counters(cutoff, now):
    return AccessAttempt._base_manager.filter(
        attempt_time__lt=min(cutoff, now - settings.AXES_COOLOFF_TIME)
    )
