"""Celery tasks of the wiring app: thin, idempotent, retried on transient errors."""

from celery import shared_task
from django.utils import timezone

from contacts.tasks import TASK_OPTIONS, TRANSIENT_ERRORS
from trackii import drafts


@shared_task(name="trackii.purge_drafts", autoretry_for=TRANSIENT_ERRORS, **TASK_OPTIONS)
def purge_drafts() -> int:
    """Delete the drafts too old to be offered again (see trackii.drafts)."""
    return drafts.purge_drafts(now=timezone.now())
