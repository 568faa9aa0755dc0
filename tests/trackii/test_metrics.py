"""Prometheus metrics (trackii.metrics) at ``/metrics``: off without METRICS_TOKEN, refused
without the bearer token, and, with it, the requests' latency by view, the database
statements, the overdue channels under each climate level, and (from a real Celery worker
sharing PROMETHEUS_MULTIPROC_DIR with the web) the tasks' durations and failures, the sweep's
reminders and the e-mails claimed and sent. No label holds a contact's name or id."""

import datetime as dt
import socket
import time
import urllib.error
import urllib.request

import pytest
from celery import current_app
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from contacts.models import Channel, Climate, OfficerProfile
from contacts.tasks import send_notifications, sweep_reminders
from events.tasks import sweep_event_reminders
from tests import factories
from tests.events.test_tasks import broker_url  # noqa: F401 (the fixture)
from tests.workers import running_worker, worker_environment

TOKEN = "scrape-0123456789-abcdefghij"
# Ids far from any the test database's sequences hand out, so that a label equal to one
# could only be that contact's.
CONTACT_IDS = (987_654_321, 987_654_322)
NAMES = ("Yael Ben-Ami", "Omar Haddad")


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN
    return settings


def _scrape(**headers) -> dict[tuple[str, tuple], float]:
    """Every sample of one scrape: ``{(name, ((label, value), ...)): value}``."""
    response = Client().get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return _parse(response.content.decode())


def _parse(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _sample(samples: dict, name: str, **labels) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def _label_values(samples: dict) -> set[str]:
    return {value for _name, labels in samples for _label, value in labels}


def _fixture_contacts() -> list:
    return [
        factories.ContactFactory(pk=pk, full_name=name, email=f"{pk}@press.example")
        for pk, name in zip(CONTACT_IDS, NAMES, strict=True)
    ]


def _assert_no_label_names_a_contact(samples: dict, contacts: list) -> None:
    values = _label_values(samples)
    for contact in contacts:
        for value in values:
            assert contact.full_name not in value
            assert contact.email not in value
        assert str(contact.pk) not in values


# The endpoint


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_metrics_are_off_while_no_token_is_set(client, db, settings, debug):
    settings.DEBUG = debug
    settings.METRICS_TOKEN = ""

    response = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 404
    assert b"trackii_" not in response.content


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Token {TOKEN}", TOKEN],
    ids=["none", "empty", "longer", "shorter", "other-scheme", "no-scheme"],
)
def test_metrics_refuse_a_missing_or_wrong_token(client, db, metrics_on, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = client.get(reverse("metrics"), **headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"trackii_" not in response.content


def test_metrics_answer_get_only(client, db, metrics_on):
    response = client.post(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 405


# In this process (no PROMETHEUS_MULTIPROC_DIR): requests and statements


def test_a_request_is_timed_by_view_and_its_statements_counted(client, owner, metrics_on):
    contact = factories.ContactFactory(owner=owner)
    client.force_login(owner)
    latency = "trackii_django_http_requests_latency_seconds_by_view_method_count"
    by_view = {"view": "contacts:detail", "method": "GET"}
    statements = {"alias": "default", "vendor": "postgresql"}
    timed_before = REGISTRY.get_sample_value(latency, by_view) or 0
    executed_before = REGISTRY.get_sample_value("trackii_django_db_execute_total", statements)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("contacts:detail", args=[contact.pk]))

    assert response.status_code == 200
    assert REGISTRY.get_sample_value(latency, by_view) == timed_before + 1
    executed = REGISTRY.get_sample_value("trackii_django_db_execute_total", statements)
    assert executed - executed_before == len(queries) > 0
    samples = _scrape()
    assert _sample(samples, latency, **by_view) >= timed_before + 1
    assert _sample(samples, "trackii_django_db_execute_total", **statements) >= executed
    answered = "trackii_django_http_responses_total_by_status_view_method_total"
    assert _sample(samples, answered, status="200", **by_view) >= 1


def test_overdue_channels_are_counted_under_each_climate_level(db, metrics_on):
    now = timezone.now()
    factories.ClimateFactory(level=Climate.Level.HIGH, started_at=now - dt.timedelta(days=1))
    # Informal, 30 days, untouched for 20: overdue once the climate halves its cadence.
    factories.ChannelFactory(created_at=now - dt.timedelta(days=20))
    # Formal, 30 days, untouched for 40: overdue whatever the climate.
    factories.ChannelFactory(kind=Channel.Kind.FORMAL, created_at=now - dt.timedelta(days=40))
    # Informal, untouched for 25 days: overdue from elevated (22.5 days) up.
    factories.ChannelFactory(created_at=now - dt.timedelta(days=25))
    factories.ChannelFactory(created_at=now - dt.timedelta(days=10))  # overdue under crisis
    factories.ChannelFactory(
        created_at=now - dt.timedelta(days=90), status=Channel.Status.PAUSED
    )  # never

    samples = _scrape()

    overdue = {
        level: _sample(samples, "trackii_channels_overdue", climate_level=level)
        for level in Climate.Level.values
    }
    assert overdue == {"normal": 1, "elevated": 2, "high": 3, "crisis": 4}
    assert Channel.objects.overdue(timezone.now()).count() == overdue["high"]
    assert {
        level: _sample(samples, "trackii_climate_level", climate_level=level)
        for level in Climate.Level.values
    } == {"normal": 0, "elevated": 0, "high": 1, "crisis": 0}


def test_overdue_counts_take_one_statement(db, django_assert_num_queries):
    factories.ChannelFactory(created_at=timezone.now() - dt.timedelta(days=40))

    with django_assert_num_queries(1):
        counts = Channel.objects.overdue_counts_by_level(timezone.now())

    assert counts == {"normal": 1, "elevated": 1, "high": 1, "crisis": 1}


def test_no_label_names_a_contact_after_their_pages_are_read(client, owner, metrics_on):
    contacts = _fixture_contacts()
    for contact in contacts:
        factories.ChannelFactory(contact=contact, officer=owner)
    client.force_login(owner)

    for contact in contacts:
        assert client.get(reverse("contacts:detail", args=[contact.pk])).status_code == 200
        assert client.get(reverse("contacts:list"), {"q": contact.full_name}).status_code == 200

    _assert_no_label_names_a_contact(_scrape(), contacts)


# A real worker writing to the folder the web reads (PROMETHEUS_MULTIPROC_DIR)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _scrape_worker(port: int, token: str | None) -> tuple[int, str]:
    """The worker's own exporter (WORKER_METRICS_PORT): its status and text."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _hour_clear_of_its_end() -> dt.datetime:
    """Now in UTC, after waiting out the last seconds of an hour if need be, so that the
    worker's digest run falls in the same hour as the test's set-up."""
    now = timezone.now()
    next_hour = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    if next_hour - now < dt.timedelta(seconds=30):
        time.sleep((next_hour - now).total_seconds() + 1)
        now = timezone.now()
    return now


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_workers_sweep_tasks_and_mail_are_served_by_the_web(
    broker_url,  # noqa: F811 (the fixture imported above)
    metrics_on,
    tmp_path,
):
    folder = tmp_path / "metrics"
    folder.mkdir()
    metrics_on.PROMETHEUS_MULTIPROC_DIR = str(folder)
    officer = factories.UserFactory(username="officer", roles=["officer"])
    contacts = _fixture_contacts()
    long_ago = timezone.now() - dt.timedelta(days=40)
    for contact in contacts:
        factories.ChannelFactory(contact=contact, officer=officer, created_at=long_ago)
    reader = factories.UserFactory(username="reader", roles=["officer"])
    now = _hour_clear_of_its_end()
    OfficerProfile.objects.create(user=reader, timezone="UTC", digest_hour=now.hour)
    # The officer's digest (of the sweep's two reminders) falls at another hour: without a
    # profile it would fall at the default hour (8 UTC), and the test counted two digests
    # when it ran then.
    OfficerProfile.objects.create(user=officer, timezone="UTC", digest_hour=(now.hour + 12) % 24)
    factories.ReminderFactory(channel__officer=reader, due_at=now)
    port = _free_port()
    environment = worker_environment(
        broker_url=broker_url,
        PROMETHEUS_MULTIPROC_DIR=str(folder),
        EMAIL_URL=f"filemail:///{tmp_path / 'mail'}",
        METRICS_TOKEN=TOKEN,
        WORKER_METRICS_PORT=str(port),
    )

    with running_worker(environment=environment) as worker:
        for task in (sweep_reminders, sweep_event_reminders, send_notifications):
            worker.wait_for_task(task.name, task.delay().id)
        broken = current_app.send_task(
            "events.send_invitation_message", kwargs={"message_id": "not-a-number"}
        )
        worker.wait_for(f"[{broken.id}] raised", timeout=30)
        # A host without the web app: the worker serves the same figures itself.
        refused, _ = _scrape_worker(port, token=None)
        served, text = _scrape_worker(port, token=TOKEN)

    assert (refused, served) == (401, 200)
    from_worker = _parse(text)
    assert _sample(from_worker, "trackii_reminders_created_total", kind="channel_due") == 2
    samples = _scrape()
    created = {
        kind: _sample(samples, "trackii_reminders_created_total", kind=kind)
        for kind in ("channel_due", "follow_up", "rsvp_chase", "event_prep", "event_follow_up")
    }
    assert created == {
        "channel_due": 2,
        "follow_up": 0,
        "rsvp_chase": 0,
        "event_prep": 0,
        "event_follow_up": 0,
    }
    assert _sample(samples, "trackii_reminders_reopened_total") == 0
    duration = "trackii_celery_task_duration_seconds_count"
    failures = "trackii_celery_task_failures_total"
    for task in (sweep_reminders, sweep_event_reminders, send_notifications):
        assert _sample(samples, duration, task=task.name) == 1
        assert _sample(samples, failures, task=task.name) == 0
    assert _sample(samples, duration, task="events.send_invitation_message") == 1
    assert _sample(samples, failures, task="events.send_invitation_message") == 1
    mailed = {
        outcome: _sample(samples, f"trackii_notifications_{outcome}_total", kind="digest")
        for outcome in ("claimed", "sent", "failed")
    }
    assert mailed == {"claimed": 1, "sent": 1, "failed": 0}
    assert _sample(samples, "trackii_notifications_sent_total", kind="invitation") == 0
    # Read by the web at the scrape: the two channels the sweep reminded are overdue.
    assert _sample(samples, "trackii_channels_overdue", climate_level="normal") == 2
    _assert_no_label_names_a_contact(samples, contacts)
