"""Throwaway PostgreSQL and Redis servers, and the app served by gunicorn, in subprocesses.

For the tests that stop a service under a running app and start it again: they never touch
the shared PostgreSQL and Redis that other test processes use. PostgreSQL is a fresh cluster
(``initdb`` and ``pg_ctl`` from Debian's ``/usr/lib/postgresql/<version>/bin``) in a temporary
folder; it refuses to run as root, so as root it runs as the ``postgres`` user (``runuser``).
Redis keeps nothing on disk (``--save "" --appendonly no``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import suppress
from pathlib import Path

import psycopg
import redis

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30
STOP_TIMEOUT = 15
POLL_SECONDS = 0.2


def free_port() -> int:
    """A TCP port nobody listens on at this moment (the kernel's choice)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str):
    """Call ``condition`` until it returns something true; return that. Fail on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = condition()
        if outcome:
            return outcome
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up after {timeout} s waiting for {what}")
        time.sleep(POLL_SECONDS)


def postgres_bin() -> Path:
    """The folder of initdb and pg_ctl: Debian's newest, else the ones on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl is None:
        raise AssertionError("pg_ctl is not installed (Debian: apt-get install postgresql)")
    return Path(pg_ctl).parent


def _version_key(path: str) -> int:
    version = Path(path).parents[1].name
    return int(version) if version.isdigit() else 0


class ThrowawayRedis:
    """redis-server on its own port, started and stopped at will."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            # A fixed list, no shell.
            [  # noqa: S607
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=START_TIMEOUT, what=f"Redis on port {self.port}")

    def _answers(self) -> bool:
        try:
            with redis.Redis(port=self.port, socket_connect_timeout=1) as client:
                return client.ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=STOP_TIMEOUT)
        self.process = None


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own in a temporary folder, on its own port."""

    def __init__(self, database: str = "trackii"):
        self.port = free_port()
        self.database = database
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/{database}"
        self.bin = postgres_bin()
        self.folder = Path(tempfile.mkdtemp(prefix="trackii-pg-"))
        self.data = self.folder / "data"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            # initdb refuses root: the cluster belongs to the postgres user.
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as error:
                raise AssertionError("Running as root needs a 'postgres' user") from error
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)

    def _run(self, *command: str) -> None:
        if self._as_root:
            command = ("runuser", "-u", "postgres", "--", *command)
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")

    def create(self) -> None:
        """initdb (trust, no fsync), start, and create the empty database."""
        self._run(
            str(self.bin / "initdb"),
            "--pgdata",
            str(self.data),
            "--auth",
            "trust",
            "--username",
            "postgres",
            "--no-sync",
        )
        self.start()
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')

    def copy_from(self, database_url: str) -> None:
        """Fill the database ``create`` made with a copy of another's tables, rows and
        triggers (``pg_dump`` into ``psql``): from the test session's database, what a
        fresh ``migrate`` makes, in a second or two instead of seventeen."""
        dump = subprocess.run(
            [str(self.bin / "pg_dump"), "--no-owner", "--no-privileges", "--dbname", database_url],
            capture_output=True,
            check=False,
        )
        if dump.returncode != 0:
            raise AssertionError(f"pg_dump failed:\n{dump.stderr.decode()}")
        loaded = subprocess.run(
            [str(self.bin / "psql"), "--quiet", "--set", "ON_ERROR_STOP=1", "--dbname", self.url],
            input=dump.stdout,
            capture_output=True,
            check=False,
        )
        if loaded.returncode != 0:
            raise AssertionError(f"psql failed:\n{loaded.stderr.decode()}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -F"
        self._run(
            str(self.bin / "pg_ctl"),
            "--pgdata",
            str(self.data),
            "--options",
            options,
            "--log",
            str(self.folder / "postgres.log"),
            "--wait",
            "start",
        )

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "--pgdata", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        """Stop the server if it runs, and delete the cluster."""
        if (self.data / "postmaster.pid").exists():
            with suppress(AssertionError):
                self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class AppServer:
    """The app under gunicorn (the repository's gunicorn.conf.py) on its own port."""

    def __init__(self, *, environment: dict[str, str]):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.environment = environment
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "trackii.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
            ],
            cwd=REPO,
            env=self.environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(
            lambda: self.get("/health/live")[0] == 200,
            timeout=START_TIMEOUT,
            what=f"gunicorn on port {self.port}",
        )

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        """GET ``path``: the status and the body; (0, reason) when nothing answers."""
        request = urllib.request.Request(self.base_url + path, headers=headers or {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except (urllib.error.URLError, ConnectionError) as error:
            return 0, str(error)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=STOP_TIMEOUT)
        self.process = None
