"""Celery tasks of the indicators: thin, idempotent, retried on transient errors."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from contacts.tasks import TASK_OPTIONS, TRANSIENT_ERRORS
from indicators import cache

REFRESH_HEALTH_PARTS = "indicators.refresh_health_parts"
# The schedule runs it every 15 seconds (indicators.0009): the parts that would stop
# serving within the next few runs are read again now.
AHEAD = dt.timedelta(minutes=1)


@shared_task(name=REFRESH_HEALTH_PARTS, autoretry_for=TRANSIENT_ERRORS, **TASK_OPTIONS)
def refresh_health_parts() -> int:
    """Read the network-health parts shared by every reader that are missing or about to
    stop serving, under every climate level (see indicators.cache.refresh_health_parts):
    how many."""
    return cache.refresh_health_parts(now=timezone.now(), ahead=AHEAD)
