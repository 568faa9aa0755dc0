"""The Celery application: configured from Django settings (the CELERY_ names); its worker
and beat log through settings.LOGGING, and a task started by a request logs that request's
``request_id`` (django-structlog)."""

import logging
import os

from celery import Celery
from celery.signals import setup_logging
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trackii.settings")

app = Celery("trackii")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Binds, in each task, the context its publisher sent (request_id, user_id, ip).
app.steps["worker"].add(DjangoStructLogInitStep)


@setup_logging.connect
def log_through_django_settings(**kwargs) -> None:
    """The worker and beat log as the web does (LOG_FORMAT, personal data redacted), not in
    Celery's own format; LOG_LEVEL, not ``--loglevel``, sets the level."""
    from celery.utils.log import get_multiprocessing_logger
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    # The pool's supervisor reports a pool process that died ("exited with 'signal 9'") on
    # billiard's logger, which logs nothing until created; errors only, as Celery has it.
    pool_logger = get_multiprocessing_logger()
    pool_logger.setLevel(logging.ERROR)
    pool_logger.propagate = True
