"""Celery tasks of the keep-in-touch engine: thin, idempotent, retried on transient errors.

The periodic schedule is stored by django-celery-beat (a data migration installs it; it is
editable in the admin under "Periodic tasks").
"""

import smtplib

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from contacts import duplicates, imports, notifications, services, states

TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerError)
TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
    "soft_time_limit": 10 * 60,
    "time_limit": 11 * 60,
}


@shared_task(name="contacts.sweep_reminders", autoretry_for=TRANSIENT_ERRORS, **TASK_OPTIONS)
def sweep_reminders() -> dict:
    """Create the due reminders and bring snoozed ones back (see services.sweep_reminders),
    then store the channel dates of contacts whose dates are stale (see
    services.refresh_stale_contact_dates; none, usually)."""
    result = services.sweep_reminders(now=timezone.now())
    services.refresh_stale_contact_dates()
    return result.__dict__


@shared_task(
    name="contacts.send_notifications",
    autoretry_for=(*TRANSIENT_ERRORS, smtplib.SMTPException, ConnectionError),
    **TASK_OPTIONS,
)
def send_notifications() -> dict:
    """Send the digests due now and pending escalations (see contacts.notifications)."""
    result = notifications.send_notifications(now=timezone.now())
    return result.__dict__


@shared_task(name="contacts.record_channel_states", autoretry_for=TRANSIENT_ERRORS, **TASK_OPTIONS)
def record_channel_states() -> int:
    """Record the channels' states at the month starts not recorded yet (see
    contacts.states); hourly, so a new month is recorded within the hour."""
    return states.record_missing_months(now=timezone.now())


@shared_task(name="contacts.find_duplicates", autoretry_for=TRANSIENT_ERRORS, **TASK_OPTIONS)
def find_duplicates() -> dict:
    """Fill the review queue of possible duplicates, nightly (see contacts.duplicates)."""
    result = duplicates.find_pairs(now=timezone.now())
    return result.__dict__


# Imports (contacts.imports): each task works on its batch only in the status its step set.


@shared_task(name=imports.PREVIEW_TASK, autoretry_for=TRANSIENT_ERRORS, **TASK_OPTIONS)
def preview_import(*, batch_id: int) -> None:
    """Read and check an uploaded file: the dry run (see contacts.imports.preview)."""
    imports.preview_batch(batch_id=batch_id)


@shared_task(name=imports.COMMIT_TASK, autoretry_for=TRANSIENT_ERRORS, **TASK_OPTIONS)
def commit_import(*, batch_id: int) -> None:
    """Import a confirmed batch (see contacts.imports.commit)."""
    imports.commit_batch(batch_id=batch_id, now=timezone.now())


@shared_task(name=imports.REVERT_TASK, autoretry_for=TRANSIENT_ERRORS, **TASK_OPTIONS)
def revert_import(*, batch_id: int) -> None:
    """Revert an imported batch (see contacts.imports.revert)."""
    imports.revert_batch(batch_id=batch_id, now=timezone.now())
