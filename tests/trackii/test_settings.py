"""The project boots on its embedded default and refuses an unsafe production setup.

These tests start real processes (manage.py, runserver, a Celery worker) with an
environment of their own, so they prove what a newcomer on a fresh machine gets.
"""

import ast
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICE_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "FIELD_ENCRYPTION_KEYS",
)


def _embedded_env(var_dir: Path, **overrides) -> dict:
    environment = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    environment.update(TRACKII_VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1", **overrides)
    return environment


def _manage(*args, environment, timeout=120):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, attempts: int = 60) -> tuple[int, str]:
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (local URL)
                return response.status, response.read().decode()
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} never answered")


def test_debug_off_without_secret_key_refuses_to_start(tmp_path):
    result = _manage("check", environment=_embedded_env(tmp_path, DEBUG="False"))

    assert result.returncode == 1
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_debug_off_with_the_development_key_refuses_to_start(tmp_path):
    environment = _embedded_env(
        tmp_path, DEBUG="False", SECRET_KEY="django-insecure-track-ii-local-development-only"
    )

    result = _manage("check", environment=environment)

    assert result.returncode == 1
    assert "SECRET_KEY is not set" in result.stderr


REAL_SECRET_KEY = "a" * 20 + "-real-secret-" + "b" * 30
REAL_FERNET_KEY = "ZmRzYWZkc2FmZHNhZmRzYWZkc2FmZHNhZmRzYWZkc2E="


def test_debug_off_without_encryption_keys_refuses_to_start(tmp_path):
    environment = _embedded_env(tmp_path, DEBUG="False", SECRET_KEY=REAL_SECRET_KEY)

    result = _manage("check", environment=environment)

    assert result.returncode == 1
    assert "ImproperlyConfigured: FIELD_ENCRYPTION_KEYS is not set" in result.stderr


def test_debug_off_with_a_real_key_starts(tmp_path):
    environment = _embedded_env(
        tmp_path,
        DEBUG="False",
        SECRET_KEY=REAL_SECRET_KEY,
        FIELD_ENCRYPTION_KEYS=REAL_FERNET_KEY,
    )

    result = _manage("check", environment=environment)

    assert result.returncode == 0, result.stderr


DATABASE_FILE = "trackii.sqlite3"


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory) -> Path:
    """A newcomer's first ``migrate`` on the embedded default, run once per module (and
    process): each test below starts from a copy of the database it made."""
    var_dir = tmp_path_factory.mktemp("embedded")
    migrated = _manage("migrate", "--no-input", environment=_embedded_env(var_dir))
    assert migrated.returncode == 0, migrated.stderr
    assert (var_dir / DATABASE_FILE).exists()
    return var_dir / DATABASE_FILE


def _migrated_env(var_dir: Path, database: Path) -> dict:
    shutil.copyfile(database, var_dir / DATABASE_FILE)
    return _embedded_env(var_dir)


@pytest.mark.slow
def test_embedded_default_serves_the_admin_login_without_postgres_or_redis(
    tmp_path, migrated_database
):
    environment = _migrated_env(tmp_path, migrated_database)
    assert _manage("migrate", "--check", environment=environment).returncode == 0

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=REPO,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        status, body = _get(f"http://127.0.0.1:{port}/admin/login/")
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert status == 200
    assert "Track II" in body
    # The admin signs in on the app's sign-in page (allauth's form).
    assert 'name="login"' in body


@pytest.mark.slow
def test_embedded_default_celery_worker_with_beat_starts_on_the_filesystem_broker(
    tmp_path, migrated_database
):
    environment = _migrated_env(tmp_path, migrated_database)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "trackii",
            "worker",
            "--beat",
            "--concurrency=1",
            "--loglevel=INFO",
            f"--schedule={tmp_path / 'beat-schedule'}",
        ],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = worker.stdout.readline()
            if not line:
                break
            lines.append(line)
            if " ready." in line:
                break
    finally:
        worker.terminate()
        worker.wait(timeout=20)

    output = "".join(lines)
    assert " ready." in output, output
    assert "filesystem://" in output
    assert (tmp_path / "broker" / "queue").is_dir()
    assert not (REPO / "control").exists()


@pytest.mark.slow
def test_embedded_default_seeds_the_demo_and_sweeps_on_sqlite(tmp_path, migrated_database):
    environment = _migrated_env(tmp_path, migrated_database)
    seeded = _manage("seed_demo", environment=environment)
    assert seeded.returncode == 0, seeded.stderr
    assert "contacts            300" in seeded.stdout

    first = _manage("sweep_reminders", environment=environment)
    second = _manage("sweep_reminders", environment=environment)

    assert first.returncode == 0, first.stderr
    assert "created 0 channel_due" not in first.stdout
    assert "created 0 channel_due and 0 follow_up" in second.stdout


INDICATORS_ON_SQLITE = """
import datetime as dt
from django.contrib.auth.models import User
from django.utils import timezone
from contacts.models import RecordedMonth
from indicators.measures import REGISTRY, compute_all
lead = User.objects.filter(groups__name="lead").first()
now = timezone.now()
start = (now.date().replace(day=1) - dt.timedelta(days=300)).replace(day=1)
results = compute_all(lead, start=start, end=now.date(), period="month", now=now)
print("names", sorted(r.name for r in results) == sorted(REGISTRY))
by_name = {r.name: r for r in results}
print("kept", 0 < by_name["channels_within_cadence"].total < 1)
print("breakdowns", sorted({p.by for p in by_name["channels_within_cadence"].breakdown}))
print("recorded", RecordedMonth.objects.count() >= 24)
"""


ANSWERS = {"names", "kept", "breakdowns", "recorded"}


def test_embedded_default_computes_every_indicator_on_sqlite(tmp_path, migrated_database):
    environment = _migrated_env(tmp_path, migrated_database)
    assert _manage("seed_demo", environment=environment).returncode == 0

    shell = _manage("shell", "-c", INDICATORS_ON_SQLITE, environment=environment)

    assert shell.returncode == 0, shell.stderr
    answers = [line for line in shell.stdout.splitlines() if line.split(" ")[0] in ANSWERS]
    assert answers == [
        "names True",
        "kept True",
        "breakdowns ['category', 'layer', 'officer']",
        "recorded True",
    ]


def test_without_redis_the_cache_holds_the_health_parts_of_every_climate_level(tmp_path):
    """Each process's own memory, large enough for the 64 parts under each of the four
    levels and the readers' sums, where Django's default (300 entries) would drop them."""
    printed = _manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['OPTIONS'])",
        environment=_embedded_env(tmp_path),
    )

    assert printed.returncode == 0, printed.stderr
    backend, options = printed.stdout.strip().split(" ", 1)
    assert backend == "django.core.cache.backends.locmem.LocMemCache"
    assert ast.literal_eval(options)["MAX_ENTRIES"] >= 64 * 4 * 10


@pytest.mark.django_db
def test_postgresql_sessions_run_without_jit():
    """The indicators' statements ran slower with PostgreSQL's JIT (BENCHMARKS.md)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
