"""Heartbeats: each periodic task's last successful run, and whether a watched one is late.

A run counts when beat sent it (django-celery-beat names the schedule in the message's
``periodic_task_name`` header; the admin's "Run selected tasks" does too) and it succeeded,
so a fresh heartbeat shows that beat, the broker and a worker all did their part. A manual
``delay()`` from a shell proves none of that and records nothing.

A watched task is late when its second scheduled run after the later of its last success
and the installation of heartbeats (the applied time of migration ``trackii.0002``) has
passed: twice its interval for an interval schedule. A new install, or one just upgraded,
is therefore not late before two intervals have passed, and never because it is new.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Iterable

from celery import schedules
from django.db import DatabaseError
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from trackii.models import Heartbeat

logger = logging.getLogger(__name__)

# The jobs that make reminders go out: the readiness check fails when one of them is late.
WATCHED_TASKS = (
    "contacts.sweep_reminders",
    "contacts.send_notifications",
    "contacts.record_channel_states",
)
# Late once this many scheduled runs have passed without a success.
MISSED_RUNS = 2
HEARTBEATS_MIGRATION = ("trackii", "0002_heartbeats")
PERIODIC_HEADER = "periodic_task_name"

# Task id -> monotonic start time, in the worker process that runs the task.
_started: dict[str, float] = {}


# Recording, in the worker (Celery signals, connected in TrackiiConfig.ready).


def _sent_by_beat(task) -> bool:
    return bool(getattr(task.request, PERIODIC_HEADER, None))


def note_start(sender=None, task_id=None, task=None, **kwargs) -> None:
    """task_prerun: remember when a run sent by beat started, for its duration."""
    if task is not None and task_id and _sent_by_beat(task):
        _started[task_id] = time.monotonic()


def forget_start(sender=None, task_id=None, **kwargs) -> None:
    """task_postrun: drop the start time, whatever the outcome."""
    _started.pop(task_id, None)


def note_success(sender=None, **kwargs) -> None:
    """task_success: record the heartbeat of a run sent by beat. A failure to record is
    logged, never raised: the task itself did its work."""
    if sender is None or not _sent_by_beat(sender):
        return
    started = _started.get(sender.request.id)
    duration = time.monotonic() - started if started is not None else None
    try:
        record_success(task=sender.name, succeeded_at=timezone.now(), duration_seconds=duration)
    except DatabaseError:
        logger.exception("Could not record the heartbeat of %s", sender.name)


def record_success(*, task: str, succeeded_at: dt.datetime, duration_seconds: float | None):
    """Insert or update ``task``'s heartbeat in one statement (two workers may race)."""
    Heartbeat.objects.bulk_create(
        [Heartbeat(task=task, succeeded_at=succeeded_at, duration_seconds=duration_seconds)],
        update_conflicts=True,
        unique_fields=["task"],
        update_fields=["succeeded_at", "duration_seconds"],
    )


# Reading, for the readiness check.


@dataclasses.dataclass(frozen=True)
class TaskHealth:
    """Where one watched task stands at ``now``."""

    task: str
    scheduled: bool
    last_success_at: dt.datetime | None = None
    due_by: dt.datetime | None = None
    late: bool = False

    @property
    def problem(self) -> str | None:
        """A short reason for the operator (times only, nothing else), or None when fine."""
        if not self.scheduled:
            return "not scheduled (no enabled interval or crontab schedule)"
        if not self.late:
            return None
        if self.last_success_at is None:
            return f"late: no successful run yet, one was due by {_utc(self.due_by)}"
        return (
            f"late: last success {_utc(self.last_success_at)}, next was due by {_utc(self.due_by)}"
        )


def next_due(schedule, after: dt.datetime) -> dt.datetime | None:
    """The first time strictly after ``after`` at which ``schedule`` runs its task; None for a
    schedule that does not repeat on a clock (solar, clocked)."""
    if isinstance(schedule, schedules.crontab):
        start, delta, _now = schedule.remaining_delta(after)
        return start + delta
    if type(schedule) is schedules.schedule:
        return after + schedule.run_every
    return None


def deadline(schedule, since: dt.datetime) -> dt.datetime | None:
    """When a task on ``schedule`` that last succeeded at ``since`` becomes late."""
    due = since
    for _run in range(MISSED_RUNS):
        due = next_due(schedule, due)
        if due is None:
            return None
    return due


def heartbeats_installed_at() -> dt.datetime | None:
    """When migration trackii.0002 (the Heartbeat table) was applied here."""
    app, name = HEARTBEATS_MIGRATION
    return (
        MigrationRecorder.Migration.objects.filter(app=app, name=name)
        .values_list("applied", flat=True)
        .first()
    )


def task_health(task: str, *, now: dt.datetime) -> TaskHealth:
    """Whether ``task`` is scheduled, and late, at ``now``; with several enabled schedules
    for one task the most frequent one sets the deadline."""
    periodic = PeriodicTask.objects.filter(task=task, enabled=True, one_off=False)
    beat_schedules = [
        entry.schedule
        for entry in periodic.select_related("interval", "crontab").order_by("pk")
        if entry.interval_id or entry.crontab_id
    ]
    if not beat_schedules:
        return TaskHealth(task=task, scheduled=False)
    last_success_at = (
        Heartbeat.objects.filter(task=task).values_list("succeeded_at", flat=True).first()
    )
    since = max(_known([last_success_at, heartbeats_installed_at()]), default=now)
    due_by = min(_known(deadline(schedule, since) for schedule in beat_schedules), default=None)
    return TaskHealth(
        task=task,
        scheduled=due_by is not None,
        last_success_at=last_success_at,
        due_by=due_by,
        late=due_by is not None and now > due_by,
    )


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _known(values: Iterable[dt.datetime | None]) -> list[dt.datetime]:
    return [value for value in values if value is not None]
