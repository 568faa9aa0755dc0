"""Celery tasks of the keep-in-touch engine: thin, idempotent, retried on transient errors.

The periodic schedule is stored by django-celery-beat (a data migration installs it; it is
editable in the admin under "Periodic tasks").
"""

import smtplib

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from contacts import notifications, services, states

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
    """Create the due reminders and bring snoozed ones back (see services.sweep_reminders)."""
    result = services.sweep_reminders(now=timezone.now())
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
