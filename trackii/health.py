"""The readiness checks behind ``/health/ready`` (django-health-check), chosen by configuration.

Each check is a django-health-check ``HealthCheck``; ``readiness_checks`` names them. Only a
``Failed`` carries a message meant for the response (ours: counts, times, task names); any
other failure is shown by its kind alone ("unavailable"), since a driver's message can hold
a host, a user or a DSN.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.contrib.celery import Ping
from health_check.contrib.redis import Redis
from health_check.exceptions import HealthCheckException, ServiceUnavailable
from kombu.exceptions import OperationalError as BrokerError
from redis.asyncio import Redis as RedisClient

from trackii import heartbeats
from trackii.celery import app as celery_app

# Seconds a Redis client may take to connect or answer before the check fails.
REDIS_TIMEOUT = 2
# Seconds to wait for a worker's answer; kombu's filesystem transport polls once a second.
PING_TIMEOUT = dt.timedelta(seconds=1)
FILESYSTEM_PING_TIMEOUT = dt.timedelta(seconds=3)
SCOPE_ALL = "all"
# This host's own dependencies only: what a load balancer should route on (README).
SCOPE_HOST = "host"
SCOPES = (SCOPE_ALL, SCOPE_HOST)


class Failed(ServiceUnavailable):
    """A failure whose message is ours and safe to answer with."""


def describe(error: HealthCheckException) -> str:
    """What the response says of a failed check: our message, or the failure's kind."""
    if isinstance(error, Failed):
        return error.message
    return error.message_type.lower()


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration on disk is applied to the database."""

    def run(self):
        try:
            # Opened and closed here: the check runs in a thread of its own.
            with connection.temporary_connection():
                executor = MigrationExecutor(connection)
                plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as error:
            raise Failed("database unavailable") from error
        if plan:
            raise Failed(f"unapplied migrations: {len(plan)}")


@dataclasses.dataclass
class TaskHeartbeat(HealthCheck):
    """A watched periodic task is scheduled and not late (trackii.heartbeats)."""

    task: str = ""

    def run(self):
        try:
            with connection.temporary_connection():
                health = heartbeats.task_health(self.task, now=timezone.now())
        except DatabaseError as error:
            raise Failed("database unavailable") from error
        if health.problem:
            raise Failed(health.problem)


@dataclasses.dataclass
class Disk(HealthCheck):
    """The file systems the app writes to are less than ``max_used_percent`` full."""

    paths: tuple[Path, ...] = ()
    max_used_percent: float = 90.0

    def run(self):
        for path in self.paths:
            usage = shutil.disk_usage(path)
            used_percent = 100 * usage.used / (usage.used + usage.free)
            if used_percent >= self.max_used_percent:
                raise Failed(f"a file system is {used_percent:.0f}% full")


@dataclasses.dataclass
class FilesystemBroker(HealthCheck):
    """The embedded default's broker folders exist and are writable."""

    folders: tuple[Path, ...] = ()

    def run(self):
        for folder in self.folders:
            if not (folder.is_dir() and _writable(folder)):
                raise Failed("a broker folder is missing or not writable")


def _writable(folder: Path) -> bool:
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


@dataclasses.dataclass
class CeleryPing(Ping):
    """django-health-check's Ping, done as soon as the first worker has answered."""

    limit: int | None = dataclasses.field(default=1, repr=False)

    def run(self):
        try:
            # One attempt first: Celery's control commands retry a lost broker for seconds.
            with self.app.connection_for_write() as broker:
                broker.ensure_connection(max_retries=0, timeout=self.timeout.total_seconds())
            super().run()
        except BrokerError as error:
            raise Failed("broker unavailable") from error
        except Failed:
            raise
        except ServiceUnavailable as error:
            # Ping's own messages name no address ("Celery workers unavailable").
            raise Failed(error.message) from error

    def check_active_queues(self, *active_workers):
        # As Ping's, but waiting for the workers that answered rather than the whole timeout.
        try:
            defined_queues = {queue.name for queue in self.app.conf.task_queues}
        except TypeError:
            defined_queues = {self.app.conf.task_default_queue}
        inspect = self.app.control.inspect(
            list(active_workers), timeout=self.timeout.total_seconds(), limit=len(active_workers)
        )
        active_queues = {
            queue.get("name")
            for queues in (inspect.active_queues() or {}).values()
            for queue in queues
        }
        if defined_queues - active_queues:
            raise Failed("no worker consumes the default queue")


def broker_check() -> HealthCheck | None:
    """The broker's own check: Redis answers PING, or the filesystem broker's folders are
    writable; None for another broker (the Celery ping still goes through it)."""
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://", "unix://")):
        return Redis(
            client_factory=functools.partial(
                RedisClient.from_url,
                url,
                socket_connect_timeout=REDIS_TIMEOUT,
                socket_timeout=REDIS_TIMEOUT,
            )
        )
    if url.startswith("filesystem://"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        folders = {options["data_folder_in"], options["data_folder_out"], options["control_folder"]}
        return FilesystemBroker(folders=tuple(Path(folder) for folder in sorted(folders)))
    return None


def disk_paths() -> tuple[Path, ...]:
    """The checkout, the embedded default's folder when it exists, and the temporary folder."""
    candidates = [settings.BASE_DIR, settings.VAR_DIR, Path(tempfile.gettempdir())]
    return tuple(path for path in dict.fromkeys(candidates) if path.exists())


def readiness_checks(*, scope: str = SCOPE_ALL) -> dict[str, HealthCheck]:
    """The checks of ``scope`` by name: with ``host``, this host's own dependencies; with
    ``all`` also a worker's answer and the watched periodic tasks' heartbeats."""
    checks: dict[str, HealthCheck] = {
        "database": Database(),
        "migrations": Migrations(),
        "cache": Cache(),
    }
    if (broker := broker_check()) is not None:
        checks["broker"] = broker
    checks["disk"] = Disk(paths=disk_paths(), max_used_percent=settings.HEALTH_DISK_MAX_PERCENT)
    if scope == SCOPE_ALL:
        filesystem = settings.CELERY_BROKER_URL.startswith("filesystem://")
        timeout = FILESYSTEM_PING_TIMEOUT if filesystem else PING_TIMEOUT
        checks["celery"] = CeleryPing(app=celery_app, timeout=timeout)
        for task in heartbeats.WATCHED_TASKS:
            checks[f"heartbeat: {task}"] = TaskHeartbeat(task=task)
    return checks
