"""Celery task of the event reminders (scheduled by django-celery-beat)."""

from celery import shared_task
from django.utils import timezone

from contacts.tasks import TASK_OPTIONS, TRANSIENT_ERRORS
from events import services


@shared_task(name="events.sweep_event_reminders", autoretry_for=TRANSIENT_ERRORS, **TASK_OPTIONS)
def sweep_event_reminders() -> dict:
    """Create the due rsvp_chase, event_prep and event_follow_up reminders."""
    return services.sweep_event_reminders(now=timezone.now()).__dict__
