"""Celery tasks of events: the event reminders (scheduled by django-celery-beat) and the
e-mails to guests (queued by events.mail)."""

import smtplib

from celery import shared_task
from django.utils import timezone

from contacts.tasks import TASK_OPTIONS, TRANSIENT_ERRORS
from events import mail, services


@shared_task(name="events.sweep_event_reminders", autoretry_for=TRANSIENT_ERRORS, **TASK_OPTIONS)
def sweep_event_reminders() -> dict:
    """Create the due rsvp_chase, event_prep and event_follow_up reminders."""
    return services.sweep_event_reminders(now=timezone.now()).__dict__


@shared_task(name="events.nudge_stuck_messages", autoretry_for=TRANSIENT_ERRORS, **TASK_OPTIONS)
def nudge_stuck_messages() -> int:
    """Queue again guests' e-mails that never reached a worker."""
    return len(mail.nudge_stuck(now=timezone.now()))


@shared_task(
    name=mail.SEND_TASK,
    autoretry_for=(*TRANSIENT_ERRORS, smtplib.SMTPException, OSError),
    **TASK_OPTIONS,
)
def send_invitation_message(*, message_id: int) -> str:
    """Send one queued e-mail to a guest, once (see events.mail.send_message)."""
    return mail.send_message(message_id=message_id, now=timezone.now())
