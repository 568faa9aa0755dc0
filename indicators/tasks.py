"""Celery tasks of the indicators: thin, idempotent, retried on transient errors."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from contacts.tasks import TASK_OPTIONS, TRANSIENT_ERRORS
from indicators import cache, tally

REFRESH_HEALTH_PARTS = "indicators.refresh_health_parts"
# The schedule runs it every 15 seconds (indicators.0009): the parts that would stop
# serving within the next few runs are read again now.
AHEAD = dt.timedelta(minutes=1)


@shared_task(name=REFRESH_HEALTH_PARTS, autoretry_for=TRANSIENT_ERRORS, **TASK_OPTIONS)
def refresh_health_parts() -> int:
    """Fold the network-health tally's rows (or read it anew after the cadence factors
    changed: indicators.tally.keep_up), then read the parts shared by every reader that
    are missing or about to stop serving, under every climate level (see
    indicators.cache.refresh_health_parts): how many parts were read."""
    now = timezone.now()
    tally.keep_up(now=now)
    return cache.refresh_health_parts(now=now, ahead=AHEAD)
