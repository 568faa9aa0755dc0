"""The operator's endpoints: /health/live and /health/ready (django-health-check), the
periodic tasks' heartbeats, the token and the rate limit; and readiness going 503 and back
to 200 when a real PostgreSQL or Redis under a running app is stopped and started again."""

import datetime as dt
import json
import secrets
from urllib.parse import quote

import psycopg
import pytest
import redis
import time_machine
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from contacts.tasks import record_channel_states, sweep_reminders
from tests.throwaway import AppServer, ThrowawayPostgres, ThrowawayRedis, wait_until
from tests.workers import Worker, running_worker, session_database_url, worker_environment
from trackii import health, heartbeats
from trackii.models import Heartbeat

UTC = dt.UTC
T = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SWEEP = "contacts.sweep_reminders"
NOTIFICATIONS = "contacts.send_notifications"
STATES = "contacts.record_channel_states"
# The watched tasks' schedules as the data migrations install them.
WATCHED_SCHEDULES = {
    SWEEP: ("Sweep reminders", 15, IntervalSchedule.MINUTES),
    NOTIFICATIONS: ("Send digests and escalations", 15, IntervalSchedule.MINUTES),
    STATES: ("Record channel states at month starts", 1, IntervalSchedule.HOURS),
}
HOST_CHECKS = ["database", "migrations", "cache", "broker", "disk"]
ALL_CHECKS = [*HOST_CHECKS, "celery", f"heartbeat: {SWEEP}"]
ALL_CHECKS += [f"heartbeat: {NOTIFICATIONS}", f"heartbeat: {STATES}"]
WAIT_TIMEOUT = 45


def _schedule(task: str, *, name: str, every: int, period: str) -> PeriodicTask:
    """``task`` on one enabled interval schedule, whatever an earlier test left."""
    PeriodicTask.objects.filter(task=task).delete()
    interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
    return PeriodicTask.objects.create(name=name, task=task, interval=interval, enabled=True)


def _schedule_watched_tasks() -> None:
    for task, (name, every, period) in WATCHED_SCHEDULES.items():
        _schedule(task, name=name, every=every, period=period)


def _heartbeats_installed_at(moment: dt.datetime) -> None:
    app, name = heartbeats.HEARTBEATS_MIGRATION
    assert MigrationRecorder.Migration.objects.filter(app=app, name=name).update(applied=moment)


@pytest.fixture(autouse=True)
def _no_health_token(settings):
    """A HEALTH_TOKEN in the shell that runs the tests must not turn these requests away."""
    settings.HEALTH_TOKEN = ""


@pytest.fixture
def broker_url():
    """The Redis broker this process publishes to, emptied before and after the test."""
    url = django_settings.CELERY_BROKER_URL
    assert url.startswith("redis://"), f"The worker tests need a Redis broker, got {url}"
    with redis.Redis.from_url(url) as client:
        client.flushdb()
    yield url
    with redis.Redis.from_url(url) as client:
        client.flushdb()


# /health/live


@pytest.mark.django_db
def test_live_answers_200_without_a_database_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        live = client.get("/health/live")
        older_name = client.get("/healthz")

    assert live.status_code == 200
    assert live.json() == {"status": "ok"}
    assert older_name.status_code == 200
    assert older_name.json() == {"status": "ok"}
    assert "no-store" in live["Cache-Control"]


@pytest.mark.django_db
def test_health_endpoints_answer_plain_http_while_other_pages_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/health/live").status_code == 200
    assert client.get("/health/ready?scope=host").status_code == 200
    assert client.get("/login/").status_code == 301


@pytest.mark.django_db
def test_the_network_health_page_keeps_its_address(client):
    response = client.get("/health/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/health/"
    assert client.get("/health/live/").status_code == 404


# /health/ready


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_ready_is_200_when_every_check_passes_with_a_worker_answering(client, broker_url):
    _schedule_watched_tasks()
    for task in heartbeats.WATCHED_TASKS:
        heartbeats.record_success(task=task, succeeded_at=timezone.now(), duration_seconds=0.1)

    with running_worker(environment=worker_environment(broker_url=broker_url)):
        response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "failing": [],
        "checks": dict.fromkeys(ALL_CHECKS, "ok"),
    }


@pytest.mark.django_db
def test_ready_scope_host_checks_this_hosts_dependencies_only(client):
    response = client.get("/health/ready?scope=host")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "failing": [],
        "checks": dict.fromkeys(HOST_CHECKS, "ok"),
    }


@pytest.mark.django_db
def test_an_unknown_scope_is_a_400(client):
    response = client.get("/health/ready?scope=everything")

    assert response.status_code == 400
    assert response.json() == {"status": "bad request", "scope": "One of all, host."}


@pytest.mark.django_db
def test_ready_is_503_naming_the_failing_checks_and_no_address_or_password(client, settings):
    # Nothing listens on port 1; the URLs carry a password that must not come back.
    unreachable = "redis://:hunter2-secret@127.0.0.1:1/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": unreachable,
        }
    }
    settings.CELERY_BROKER_URL = unreachable

    response = client.get("/health/ready?scope=host")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["cache", "broker"]
    assert body["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "cache": "unexpected result",
        "broker": "unavailable",
        "disk": "ok",
    }
    text = response.content.decode()
    for secret in ("hunter2", "127.0.0.1", "redis://", ":1/"):
        assert secret not in text


@pytest.mark.django_db
def test_a_full_disk_fails_ready(client, settings):
    settings.HEALTH_DISK_MAX_PERCENT = 0.0

    response = client.get("/health/ready?scope=host")

    assert response.status_code == 503
    assert response.json()["failing"] == ["disk"]
    assert response.json()["checks"]["disk"].startswith("a file system is ")


def test_the_embedded_default_checks_its_broker_folders_not_redis(settings, tmp_path):
    folders = {name: tmp_path / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir()
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
    }

    checks = health.readiness_checks()
    folders["control"].rmdir()
    broker = checks["broker"]

    assert isinstance(broker, health.FilesystemBroker)
    assert broker.folders == (folders["control"], folders["queue"])
    assert checks["celery"].timeout == health.FILESYSTEM_PING_TIMEOUT
    with pytest.raises(health.Failed, match="a broker folder is missing or not writable"):
        broker.run()
    folders["control"].mkdir()
    broker.run()


@pytest.mark.django_db(transaction=True)
def test_a_late_sweep_makes_ready_503_naming_its_heartbeat(client):
    _schedule_watched_tasks()
    later = timezone.now() + dt.timedelta(days=1)
    last_sweep = later - dt.timedelta(minutes=31)
    heartbeats.record_success(task=SWEEP, succeeded_at=last_sweep, duration_seconds=1.0)
    for task in (NOTIFICATIONS, STATES):
        heartbeats.record_success(task=task, succeeded_at=later, duration_seconds=1.0)

    # A day on, so that the heartbeats, not the installation, are the latest news.
    with time_machine.travel(later, tick=True):
        response = client.get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert f"heartbeat: {SWEEP}" in body["failing"]
    due_by = (last_sweep + dt.timedelta(minutes=30)).isoformat(timespec="seconds")
    last = last_sweep.isoformat(timespec="seconds")
    assert body["checks"][f"heartbeat: {SWEEP}"] == (
        f"late: last success {last}, next was due by {due_by}"
    )
    assert body["checks"][f"heartbeat: {NOTIFICATIONS}"] == "ok"
    assert body["checks"][f"heartbeat: {STATES}"] == "ok"


# Heartbeats: when a watched task is late (time passed in).


@pytest.mark.django_db
def test_a_new_install_is_not_late_before_two_intervals_have_passed():
    _schedule(SWEEP, name="Sweep reminders", every=15, period=IntervalSchedule.MINUTES)
    _heartbeats_installed_at(T)

    on_time = heartbeats.task_health(SWEEP, now=T + dt.timedelta(minutes=30))
    late = heartbeats.task_health(SWEEP, now=T + dt.timedelta(minutes=30, seconds=1))

    assert on_time.late is False
    assert on_time.problem is None
    assert late.late is True
    assert late.problem == "late: no successful run yet, one was due by 2026-03-02T09:30:00+00:00"


@pytest.mark.django_db
def test_a_task_is_late_after_twice_its_interval_without_a_success():
    _schedule(STATES, name="Record states", every=1, period=IntervalSchedule.HOURS)
    _heartbeats_installed_at(T - dt.timedelta(days=30))
    heartbeats.record_success(task=STATES, succeeded_at=T, duration_seconds=2.5)

    on_time = heartbeats.task_health(STATES, now=T + dt.timedelta(hours=2))
    late = heartbeats.task_health(STATES, now=T + dt.timedelta(hours=2, seconds=1))

    assert on_time.late is False
    assert late.late is True
    assert late.last_success_at == T
    assert late.problem == (
        "late: last success 2026-03-02T09:00:00+00:00, next was due by 2026-03-02T11:00:00+00:00"
    )


@pytest.mark.django_db
def test_a_crontab_task_is_late_once_its_second_run_after_the_last_success_has_passed():
    PeriodicTask.objects.filter(task=NOTIFICATIONS).delete()
    daily = CrontabSchedule.objects.create(minute="0", hour="3", timezone="UTC")
    PeriodicTask.objects.create(name="Daily digest", task=NOTIFICATIONS, crontab=daily)
    _heartbeats_installed_at(T - dt.timedelta(days=30))
    heartbeats.record_success(task=NOTIFICATIONS, succeeded_at=T, duration_seconds=1.0)

    # Due on the 3rd and the 4th at 03:00: late once the second of those has passed.
    on_time = heartbeats.task_health(NOTIFICATIONS, now=dt.datetime(2026, 3, 4, 3, 0, tzinfo=UTC))
    late = heartbeats.task_health(NOTIFICATIONS, now=dt.datetime(2026, 3, 4, 3, 1, tzinfo=UTC))

    assert on_time.late is False
    assert late.late is True
    assert late.due_by == dt.datetime(2026, 3, 4, 3, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_the_most_frequent_of_a_tasks_schedules_sets_its_deadline():
    _schedule(SWEEP, name="Sweep reminders", every=15, period=IntervalSchedule.MINUTES)
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.create(name="Sweep hourly too", task=SWEEP, interval=hourly)
    _heartbeats_installed_at(T - dt.timedelta(days=30))
    heartbeats.record_success(task=SWEEP, succeeded_at=T, duration_seconds=1.0)

    health = heartbeats.task_health(SWEEP, now=T + dt.timedelta(minutes=31))

    assert health.due_by == T + dt.timedelta(minutes=30)
    assert health.late is True


@pytest.mark.django_db
def test_a_watched_task_without_an_enabled_schedule_is_a_problem():
    task = _schedule(SWEEP, name="Sweep reminders", every=15, period=IntervalSchedule.MINUTES)
    task.enabled = False
    task.save()

    health = heartbeats.task_health(SWEEP, now=T)

    assert health.scheduled is False
    assert health.problem == "not scheduled (no enabled interval or crontab schedule)"


# Heartbeats: recorded by the worker.


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_run_sent_by_beat_records_its_heartbeat_and_a_manual_run_does_not(broker_url):
    before = timezone.now()

    with running_worker(environment=worker_environment(broker_url=broker_url)) as worker:
        manual = record_channel_states.delay()
        worker.wait_for_task(record_channel_states.name, manual.id)
        # What django-celery-beat (and the admin's "Run selected tasks") put in the message.
        by_beat = sweep_reminders.apply_async(headers={"periodic_task_name": "Sweep reminders"})
        worker.wait_for_task(sweep_reminders.name, by_beat.id)

    heartbeat = Heartbeat.objects.get(task=SWEEP)
    assert heartbeat.succeeded_at >= before
    assert heartbeat.duration_seconds is not None
    assert heartbeat.duration_seconds >= 0
    assert Heartbeat.objects.filter(task=STATES).exists() is False


# The token and the rate limit.


@pytest.mark.django_db
def test_ready_requires_the_bearer_token_when_one_is_set(client, settings):
    settings.HEALTH_TOKEN = "operator-token-1"

    missing = client.get("/health/ready?scope=host")
    wrong = client.get("/health/ready?scope=host", HTTP_AUTHORIZATION="Bearer operator-token-2")
    in_query = client.get("/health/ready?scope=host&token=operator-token-1")
    right = client.get("/health/ready?scope=host", HTTP_AUTHORIZATION="Bearer operator-token-1")

    for refused in (missing, wrong, in_query):
        assert refused.status_code == 401
        assert refused.json() == {"status": "unauthorized"}
        assert refused["WWW-Authenticate"] == 'Bearer realm="health"'
    assert right.status_code == 200
    assert client.get("/health/live").status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_throttle_counts")
def test_the_health_endpoints_are_rate_limited_per_address(client, settings):
    rates = {**django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "health": "2/minute"}
    settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    first = client.get("/health/live")
    second = client.get("/health/ready?scope=host")
    third = client.get("/health/live")
    other_address = client.get("/health/live", REMOTE_ADDR="10.0.0.9")

    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 429]
    assert third.json() == {"status": "throttled"}
    assert int(third["Retry-After"]) > 0
    assert other_address.status_code == 200


# Readiness under a real outage: throwaway PostgreSQL and Redis, the app under gunicorn.


def _status(server: AppServer, token: str) -> tuple[int, dict]:
    status, body = server.get("/health/ready", headers={"Authorization": f"Bearer {token}"})
    return status, json.loads(body) if status in (200, 503) else {"raw": body}


def _wait_for(server: AppServer, token: str, status: int, failing: list[str] | None = None):
    """Poll /health/ready until it answers ``status`` (and names ``failing`` among the
    failing checks); return the body."""

    def answered():
        got, body = _status(server, token)
        if got == status and all(name in body.get("failing", []) for name in failing or []):
            return body
        return None

    return wait_until(answered, timeout=WAIT_TIMEOUT, what=f"/health/ready to answer {status}")


@pytest.mark.slow
def test_ready_goes_503_when_postgresql_or_redis_stops_and_200_when_it_is_back(tmp_path, db):
    postgres, cache = ThrowawayPostgres(), ThrowawayRedis()
    token = secrets.token_urlsafe(24)
    environment = {
        **worker_environment(broker_url=cache.url),
        "DATABASE_URL": postgres.url,
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "HEALTH_TOKEN": token,
        "TRACKII_VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    (tmp_path / "static").mkdir()
    server = AppServer(environment=environment)
    worker = None
    try:
        postgres.create()
        # The test session's database as built: every migration applied (the readiness
        # check's "migrations" passes), as a fresh `migrate` would leave it.
        postgres.copy_from(session_database_url())
        # Applied now, as by a fresh `migrate`: the heartbeats count from then (a database
        # kept from an earlier run, --reuse-db, would find every task late).
        with psycopg.connect(postgres.url, autocommit=True) as copy:
            copy.execute("UPDATE django_migrations SET applied = now()")
        cache.start()
        server.start()
        worker = Worker.start(environment=environment)
        worker.wait_until_ready()
        ready = _wait_for(server, token, 200)
        assert ready["checks"] == dict.fromkeys(ALL_CHECKS, "ok")

        cache.stop()
        down = _wait_for(server, token, 503, ["cache", "broker", "celery"])
        assert down["checks"]["database"] == "ok"
        cache.start()
        _wait_for(server, token, 200)

        postgres.stop()
        down = _wait_for(server, token, 503, ["database", "migrations"])
        assert down["checks"]["cache"] == "ok"
        assert down["checks"][f"heartbeat: {SWEEP}"] == "database unavailable"
        postgres.start()
        back = _wait_for(server, token, 200)
        assert back["failing"] == []

        # Over plain HTTP with DEBUG off (no redirect), and nothing of the services' URLs.
        _status_code, text = server.get(
            "/health/ready", headers={"Authorization": f"Bearer {token}"}
        )
        for secret in (f":{postgres.port}", f":{cache.port}", quote(token), "postgres://"):
            assert secret not in text
    finally:
        if worker is not None:
            worker.stop()
        server.stop()
        cache.stop()
        postgres.remove()
