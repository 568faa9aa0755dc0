"""Prometheus metrics of Track II, served at ``/metrics`` (trackii.views.metrics).

- Requests and database statements: django-prometheus's middleware (latency by view, answers
  by status) and database wrappers (statements, errors, connections), as
  ``trackii_django_*`` (settings: ``PROMETHEUS_METRIC_NAMESPACE``).
- Celery tasks, in the worker: ``trackii_celery_task_duration_seconds``,
  ``trackii_celery_task_failures_total`` and ``trackii_celery_task_retries_total``, by task
  name (Celery's signals).
- The sweeps: ``trackii_reminders_created_total`` by reminder kind and
  ``trackii_reminders_reopened_total``, read from the sweep tasks' results.
- E-mails claimed, sent and failed, by kind: contacts.metrics.
- At each scrape, from the database: ``trackii_channels_overdue`` (active channels overdue now
  under each climate level) and ``trackii_climate_level`` (1 for the level in force).

Labels hold task names, kinds, level names, views, methods and statuses: never a contact's,
officer's or guest's name or id.

With ``PROMETHEUS_MULTIPROC_DIR`` set (prometheus_client's multiprocess mode), every process
that shares it (gunicorn's workers, the Celery worker's pool) writes its values to files
there, and a scrape of any web worker adds them all up: one directory per host, emptied
before the processes start, and each host scraped. Without it a scrape shows the answering
process alone. A host that runs a worker and no web app serves its figures from the worker
itself, on ``WORKER_METRICS_PORT`` (``serve_worker_metrics``).
"""

import hmac
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from contacts import metrics as notification_metrics
from contacts.models import Channel, Climate, Notification, Reminder
from events.models import InvitationMessage

logger = logging.getLogger(__name__)

# Tasks run from well under a second (one e-mail) to the time limit (15 minutes).
TASK_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, float("inf"))

TASK_DURATION = Histogram(
    "trackii_celery_task_duration_seconds",
    "Time a Celery task ran, whatever its outcome, by task name.",
    ["task"],
    buckets=TASK_BUCKETS,
)
TASK_FAILURES = Counter(
    "trackii_celery_task_failures", "Celery tasks that ended in failure, by task name.", ["task"]
)
TASK_RETRIES = Counter(
    "trackii_celery_task_retries", "Celery tasks that asked to be retried, by task name.", ["task"]
)
REMINDERS_CREATED = Counter(
    "trackii_reminders_created", "Reminders the sweeps created, by kind.", ["kind"]
)
REMINDERS_REOPENED = Counter(
    "trackii_reminders_reopened", "Snoozed reminders the sweep brought back."
)

# What each sweep task returns: the key of its result that counts each kind of reminder.
SWEEP_RESULTS = {
    "contacts.sweep_reminders": {
        "channel_due": Reminder.Kind.CHANNEL_DUE,
        "follow_ups": Reminder.Kind.FOLLOW_UP,
    },
    "events.sweep_event_reminders": {
        "rsvp_chase": Reminder.Kind.RSVP_CHASE,
        "event_prep": Reminder.Kind.EVENT_PREP,
        "event_follow_up": Reminder.Kind.EVENT_FOLLOW_UP,
    },
}

# Every series of a kind exists from the start, at zero, so that a rate over it is defined.
for _kinds in SWEEP_RESULTS.values():
    for _kind in _kinds.values():
        REMINDERS_CREATED.labels(kind=_kind)
for _kind in [*Notification.Kind.values, *InvitationMessage.Kind.values]:
    for _counter in (
        notification_metrics.CLAIMED,
        notification_metrics.SENT,
        notification_metrics.FAILED,
    ):
        _counter.labels(kind=_kind)


# Celery's signals, received in the worker's pool processes (trackii.apps connects them).

_started_at: dict[str, float] = {}


def note_task_start(task_id=None, task=None, **kwargs) -> None:
    _started_at[task_id] = time.monotonic()
    # The task's failure and retry series exist, at zero, once it has run.
    TASK_FAILURES.labels(task=task.name)
    TASK_RETRIES.labels(task=task.name)


def observe_task_end(task_id=None, task=None, **kwargs) -> None:
    started_at = _started_at.pop(task_id, None)
    if started_at is not None:
        TASK_DURATION.labels(task=task.name).observe(time.monotonic() - started_at)


def count_task_failure(sender=None, **kwargs) -> None:
    TASK_FAILURES.labels(task=sender.name).inc()


def count_task_retry(sender=None, **kwargs) -> None:
    TASK_RETRIES.labels(task=sender.name).inc()


def count_sweep_result(sender=None, result=None, **kwargs) -> None:
    """A sweep task's result (``{"channel_due": 3, ...}``) added to the reminder counters."""
    kinds = SWEEP_RESULTS.get(sender.name)
    if kinds is None or not isinstance(result, dict):
        return
    for key, kind in kinds.items():
        REMINDERS_CREATED.labels(kind=kind).inc(result.get(key, 0))
    REMINDERS_REOPENED.inc(result.get("reopened", 0))


def connect_celery_signals() -> None:
    from celery.signals import (
        task_failure,
        task_postrun,
        task_prerun,
        task_retry,
        task_success,
        worker_ready,
    )

    task_prerun.connect(note_task_start, dispatch_uid="trackii.metrics.start")
    task_postrun.connect(observe_task_end, dispatch_uid="trackii.metrics.end")
    task_failure.connect(count_task_failure, dispatch_uid="trackii.metrics.failure")
    task_retry.connect(count_task_retry, dispatch_uid="trackii.metrics.retry")
    task_success.connect(count_sweep_result, dispatch_uid="trackii.metrics.sweep")
    worker_ready.connect(serve_worker_metrics, dispatch_uid="trackii.metrics.serve")


# Read at scrape time


class ChannelsAtScrape:
    """The overdue channels under each climate level (one count statement) and the level in
    force, read from the database when Prometheus scrapes."""

    def collect(self):
        now = timezone.now()
        try:
            overdue = Channel.objects.overdue_counts_by_level(now)
            in_force = Climate.objects.level_at(now)
        except DatabaseError:
            logger.warning("metrics_database_unavailable", exc_info=True)
            return
        channels = GaugeMetricFamily(
            "trackii_channels_overdue",
            "Active channels overdue now if this climate level were in force "
            "(trackii_climate_level says which is).",
            labels=["climate_level"],
        )
        climate = GaugeMetricFamily(
            "trackii_climate_level",
            "1 for the climate level in force, 0 for the others.",
            labels=["climate_level"],
        )
        for level, count in overdue.items():
            channels.add_metric([level], count)
            climate.add_metric([level], 1 if level == in_force else 0)
        yield channels
        yield climate


class _ThisProcess:
    """The answering process's own metrics, outside multiprocess mode."""

    def collect(self):
        return REGISTRY.collect()


def scrape_registry() -> CollectorRegistry:
    """What one scrape reads: every process of the host (``PROMETHEUS_MULTIPROC_DIR``) or
    this one, and the gauges read from the database."""
    registry = CollectorRegistry()
    if settings.PROMETHEUS_MULTIPROC_DIR:
        MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        registry.register(_ThisProcess())
    registry.register(ChannelsAtScrape())
    return registry


def bearer_matches(authorization: str, token: str) -> bool:
    """Whether an ``Authorization`` header says ``Bearer <token>``, compared in constant
    time."""
    scheme, _, given = authorization.partition(" ")
    return (
        bool(token)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.strip().encode(), token.encode())
    )


# A worker's own exporter, for a host without the web app


class _WorkerMetricsHandler(BaseHTTPRequestHandler):
    """``GET /metrics`` with the bearer token: this host's figures (PROMETHEUS_MULTIPROC_DIR)."""

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != "/metrics":
            self._answer(404, b"Not found.\n", "text/plain")
        elif not bearer_matches(self.headers.get("Authorization", ""), settings.METRICS_TOKEN):
            self._answer(401, b"A bearer token is required.\n", "text/plain")
        else:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
            self._answer(200, generate_latest(registry), CONTENT_TYPE_LATEST)

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Bearer realm="metrics"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:
        """Scrapes are not logged (every 15 seconds or so, from Prometheus)."""


def serve_worker_metrics(sender=None, **kwargs) -> ThreadingHTTPServer | None:
    """When the worker is ready, with ``WORKER_METRICS_PORT`` set, serve this host's figures
    (the worker's pool processes') at ``/metrics`` on that port, behind ``METRICS_TOKEN``,
    from a thread of the worker's main process. For a host that runs no web app: where one
    runs, its ``/metrics`` already adds up the worker's figures, and both would count them."""
    port = settings.WORKER_METRICS_PORT
    if not port:
        return None
    if not (settings.METRICS_TOKEN and settings.PROMETHEUS_MULTIPROC_DIR):
        logger.warning(
            "WORKER_METRICS_PORT is set but METRICS_TOKEN or PROMETHEUS_MULTIPROC_DIR is not: "
            "the worker serves no metrics."
        )
        return None
    # Every interface: Prometheus scrapes from another host; the token guards the figures.
    server = ThreadingHTTPServer(("", port), _WorkerMetricsHandler)
    threading.Thread(target=server.serve_forever, name="trackii-metrics", daemon=True).start()
    logger.info("Serving this host's metrics on port %s", port)
    return server
