"""The indicators acting on what the contacts app signals.

After many contacts were written at once (an import, or its revert), the network-health
parts shared by every reader are read again by the task at once, once the writes are
committed, rather than at its next run (every 15 seconds): so that the first reader after a
large import finds them read, unless they come within the task's own run (about 1.5 s at
130,000 channels, under every climate level). On PostgreSQL with a cache every process
reads (Redis) only: the embedded default (SQLite) keeps no parts, and what a worker keeps
in its own memory no web process reads.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import connection, transaction
from django.dispatch import receiver
from kombu.exceptions import OperationalError as BrokerError

from contacts.signals import contacts_written_in_bulk
from indicators import cache
from indicators.tasks import REFRESH_HEALTH_PARTS

logger = logging.getLogger(__name__)


@receiver(contacts_written_in_bulk)
def read_health_parts_again(sender, **kwargs) -> None:
    if connection.vendor == "postgresql" and cache.shared_between_processes():
        transaction.on_commit(_queue_refresh)


def _queue_refresh() -> None:
    try:
        current_app.send_task(REFRESH_HEALTH_PARTS)
    except (BrokerError, OSError):
        # The schedule's next run reads them; the first reader meanwhile reads them itself.
        logger.warning("Could not queue %s after a bulk write", REFRESH_HEALTH_PARTS)
