"""Celery tasks of the wiring app: thin, idempotent, retried on transient errors."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from contacts.tasks import TASK_OPTIONS, TRANSIENT_ERRORS
from trackii import backups, drafts, retention

logger = logging.getLogger(__name__)

# A first prune of years of rows, or a large dump, takes longer than the usual limits.
LONG_TASK_OPTIONS = {**TASK_OPTIONS, "soft_time_limit": 55 * 60, "time_limit": 60 * 60}


@shared_task(name="trackii.purge_drafts", autoretry_for=TRANSIENT_ERRORS, **TASK_OPTIONS)
def purge_drafts() -> int:
    """Delete the drafts too old to be offered again (see trackii.drafts)."""
    return drafts.purge_drafts(now=timezone.now())


@shared_task(name="trackii.prune_retention", autoretry_for=TRANSIENT_ERRORS, **LONG_TASK_OPTIONS)
def prune_retention() -> dict[str, int]:
    """Delete the rows older than the retention settings say (see trackii.retention)."""
    return retention.prune(now=timezone.now()).deleted


@shared_task(name="trackii.backup", **LONG_TASK_OPTIONS)
def backup() -> str:
    """Write the nightly encrypted backup (see trackii.backups); skipped, with a warning,
    while BACKUP_GPG_PUBLIC_KEY is not set."""
    if not settings.BACKUP_GPG_PUBLIC_KEY:
        logger.warning("No backup written: BACKUP_GPG_PUBLIC_KEY is not set.")
        return "skipped"
    return str(backups.create_backup(now=timezone.now()).path)
