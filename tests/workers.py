"""A real Celery worker in a subprocess, for the tests of paths that only a worker exercises.

The worker runs ``python -m celery -A trackii worker`` in a process group of its own, against
the pytest-django test database and a Redis broker the test names; its log is collected
line by line so that a test can wait for "ready", "received" or a task's outcome.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

from django.db import connection

REPO = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT = 60
STOP_TIMEOUT = 15


def session_database_url() -> str:
    """The DATABASE_URL of the database this test session runs on (``test_<name>``)."""
    database = connection.settings_dict
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "localhost"
    port = f":{database['PORT']}" if database["PORT"] else ""
    at = "@" if credentials else ""
    return f"postgres://{credentials}{at}{host}{port}/{quote(database['NAME'], safe='')}"


def worker_environment(*, broker_url: str, **overrides: str) -> dict[str, str]:
    """The test process's environment, pointed at the test database and ``broker_url``."""
    environment = dict(os.environ)
    environment.update(
        DATABASE_URL=session_database_url(),
        REDIS_URL=broker_url,
        CELERY_BROKER_URL=broker_url,
        CONN_MAX_AGE="0",
        PYTHONUNBUFFERED="1",
        **overrides,
    )
    return environment


class Worker:
    """One worker process (and its pool processes), with its merged stdout and stderr."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def start(cls, *, environment: dict[str, str], concurrency: int = 1) -> Worker:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "trackii",
            "worker",
            f"--concurrency={concurrency}",
            "--pool=prefork",
            "--loglevel=INFO",
            f"--hostname=trackii-test-{uuid.uuid4().hex[:8]}@%h",
            # No other worker to synchronise with: start faster.
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ]
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # A process group of its own, so that the pool processes die with it.
            start_new_session=True,
        )
        return cls(process)

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._changed:
                self._lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self._lines)

    def wait_for(self, text: str, *, timeout: float, failure: str | None = None) -> str:
        """Wait for a log line containing ``text`` and return it; fail on timeout, on a
        line containing ``failure``, or when the worker exits first."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for line in self._lines[seen:]:
                    if text in line:
                        return line
                    if failure and failure in line:
                        raise AssertionError(f"Worker logged {line!r}:\n{''.join(self._lines)}")
                seen = len(self._lines)
                remaining = deadline - time.monotonic()
                exited = self.process.poll() is not None and not self._reader.is_alive()
                if remaining <= 0 or exited:
                    raise AssertionError(
                        f"Worker never logged {text!r} within {timeout} s "
                        f"(exit code {self.process.poll()}):\n{''.join(self._lines)}"
                    )
                self._changed.wait(timeout=min(remaining, 0.5))

    def wait_until_ready(self) -> None:
        self.wait_for(" ready.", timeout=STARTUP_TIMEOUT)

    def wait_for_task(self, name: str, task_id: str, *, timeout: float = 30) -> str:
        """Wait until the worker reports that task ``task_id`` succeeded; return that line."""
        return self.wait_for(
            f"Task {name}[{task_id}] succeeded", timeout=timeout, failure=f"[{task_id}] raised"
        )

    def pool_process_ids(self) -> list[int]:
        """The process ids of the worker's pool processes (its children; Linux only)."""
        tasks = Path(f"/proc/{self.process.pid}/task")
        return sorted(
            int(pid) for task in tasks.iterdir() for pid in (task / "children").read_text().split()
        )

    def kill(self) -> None:
        """SIGKILL the whole process group: the worker and its pool processes, at once."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)
        self._reader.join(timeout=STOP_TIMEOUT)

    def stop(self) -> None:
        """Ask for a warm shutdown, then SIGKILL whatever of the group is left."""
        if self.process.poll() is None:
            self.process.terminate()
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT)
        self.kill()


@contextmanager
def running_worker(*, environment: dict[str, str], concurrency: int = 1) -> Iterator[Worker]:
    """A ready worker, always torn down (process group killed) when the block ends."""
    worker = Worker.start(environment=environment, concurrency=concurrency)
    try:
        worker.wait_until_ready()
        yield worker
    finally:
        worker.stop()
