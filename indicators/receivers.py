"""A change of the climate, however made (the admin, the API, a service), moves every part
of the network-health figures on (indicators.0006): once it commits, the task that reads
the parts shared by every reader again is queued, so that the leads and analysts who open
``/health/`` next find them read (the five-minute schedule would, later)."""

import logging

from celery import current_app
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from kombu.exceptions import OperationalError as BrokerError

from contacts.models import Climate
from indicators.tasks import REFRESH_HEALTH_PARTS

logger = logging.getLogger(__name__)


@receiver(post_save, sender=Climate)
@receiver(post_delete, sender=Climate)
def refresh_health_parts_after_commit(sender, **kwargs) -> None:
    transaction.on_commit(_queue_refresh)


def _queue_refresh() -> None:
    try:
        # No retries: the change is committed; a broker down costs the next reader a
        # slower first page, never the change's own request.
        current_app.send_task(REFRESH_HEALTH_PARTS, retry=False)
    except (BrokerError, OSError):
        logger.warning("Could not queue %s after a change of climate", REFRESH_HEALTH_PARTS)
