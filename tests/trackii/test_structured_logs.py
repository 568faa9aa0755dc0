"""Structured logs (trackii.logging): one JSON object a line, each line of a request with its
``request_id``, the same ``request_id`` in the Celery task a request starts (on a real
worker), and no name, e-mail, note, search term, password or token of a fixture anywhere.

The lines are read from the handler settings.LOGGING gives the root logger, with the JSON
formatter production uses (``LOG_FORMAT=json``), written to a buffer for the test.
"""

import io
import json
import logging
import runpy
import time

import pytest
import structlog
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse

from contacts.models import Contact
from events import services as event_services
from events.models import InvitationMessage
from tests import factories
from tests.events.test_tasks import broker_url  # noqa: F401 (the fixture)
from tests.workers import running_worker, worker_environment
from trackii import embedded
from trackii.logging import RedactUrlTokens, json_formatter
from trackii.tokens import create_token

NAME = "Yael Ben-Ami"
EMAIL = "yael.benami@press.example"
NOTE = "Source on the water talks; never call her office line"
PASSWORD = "Wrong-Horse-Battery-17"
USERNAME = "m.rahimi"


@pytest.fixture
def json_log():
    """What the root logger's handler writes, rendered as in production (JSON)."""
    (handler,) = (
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(log_filter, RedactUrlTokens) for log_filter in handler.filters)
    )
    buffer = io.StringIO()
    previous_stream, previous_formatter = handler.setStream(buffer), handler.formatter
    handler.setFormatter(json_formatter())
    yield buffer
    handler.setStream(previous_stream)
    handler.setFormatter(previous_formatter)


def _lines(buffer: io.StringIO) -> list[dict]:
    """Every line written, each parsed as JSON (a line that is not JSON fails the test)."""
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def _signed_in(client, user, buffer: io.StringIO) -> None:
    """``client`` signed in as ``user``, and the lines of signing in (no request) forgotten."""
    client.force_login(user)
    buffer.seek(0)
    buffer.truncate()


def _assert_one_request_id_on_every_line(lines: list[dict]) -> str:
    (request_id,) = {line.get("request_id") for line in lines}
    assert request_id
    return request_id


def _assert_absent(text: str, *values: str) -> None:
    for value in values:
        assert value not in text, value


def _production_settings(monkeypatch, tmp_path, **environment) -> dict:
    for name, value in {
        **embedded.ensure_secrets(tmp_path),
        "DEBUG": "False",
        "TRACKII_VAR_DIR": str(tmp_path),
        **environment,
    }.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(settings.BASE_DIR / "trackii" / "settings.py"))


def test_production_logs_json_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv("LOG_FORMAT", raising=False)

    production = _production_settings(monkeypatch, tmp_path)

    assert production["LOG_FORMAT"] == "json"
    assert production["LOGGING"]["handlers"]["console"]["formatter"] == "json"
    assert production["LOGGING"]["formatters"]["json"] == {"()": "trackii.logging.json_formatter"}


def test_an_unknown_log_format_stops_start_up(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT is either json or console"):
        _production_settings(monkeypatch, tmp_path, LOG_FORMAT="xml")


def test_keys_and_text_holding_personal_data_are_redacted(json_log):
    structlog.get_logger("trackii.test").info(
        "guest_mailed",
        full_name=NAME,
        email=EMAIL,
        notes=NOTE,
        token="Ab-cd_EF0123456789",
        password=PASSWORD,
        authorization="Token 0123456789abcdef",
        invitation={"native_name": "יעל", "guest": NAME, "id": 42},
        request="GET /contacts/?q=Yael&page=2",
        message_id=42,
    )
    logging.getLogger("trackii.test").warning(
        "Mail to %s failed for /rsvp/%s/ with Bearer %s", EMAIL, "eyJ0:1vQ:Ab-cd", "0123456789ab"
    )

    structured, plain = _lines(json_log)
    assert {key: value for key, value in structured.items() if key != "timestamp"} == {
        "event": "guest_mailed",
        "full_name": "[redacted]",
        "email": "[redacted]",
        "notes": "[redacted]",
        "token": "[redacted]",
        "password": "[redacted]",
        "authorization": "[redacted]",
        "invitation": {"native_name": "[redacted]", "guest": "[redacted]", "id": 42},
        "request": "GET /contacts/?q=[redacted]&page=[redacted]",
        "message_id": 42,
        "level": "info",
        "logger": "trackii.test",
    }
    assert plain["event"] == "Mail to [email] failed for /rsvp/[redacted]/ with Bearer [redacted]"
    assert (plain["level"], plain["logger"]) == ("warning", "trackii.test")


def test_a_request_logs_json_lines_that_all_carry_its_request_id(client, db, json_log):
    invitation = factories.InvitationFactory()
    token = event_services.rsvp_token(invitation)
    invitation.delete()

    response = client.get(reverse("events:rsvp", args=[token]))

    assert response.status_code == 404
    lines = _lines(json_log)
    _assert_one_request_id_on_every_line(lines)
    # Django's own line for the 404 comes after every middleware, with the request's id too.
    assert [(line["logger"], line["event"]) for line in lines] == [
        ("django_structlog.middlewares.request", "request_started"),
        ("django_structlog.middlewares.request", "request_finished"),
        ("django.request", "Not Found: /rsvp/[redacted]/"),
    ]
    assert (lines[1]["request"], lines[1]["code"]) == ("GET /rsvp/[redacted]/", 404)
    _assert_absent(json_log.getvalue(), token)


def test_two_requests_have_two_request_ids(client, db, json_log):
    client.get("/login/")
    first = _lines(json_log)
    client.get("/login/")
    second = _lines(json_log)[len(first) :]

    assert _assert_one_request_id_on_every_line(first) != _assert_one_request_id_on_every_line(
        second
    )


def test_a_contact_created_searched_and_read_leaves_no_personal_data_in_the_log(
    client, owner, json_log
):
    _signed_in(client, owner, json_log)
    data = {
        "full_name": NAME,
        "native_name": "יעל בן-עמי",
        "category": "journalist",
        "organization": "",
        "email": EMAIL,
        "phone": "+972 52 555 0199",
        "country": "IL",
        "languages": "he, en",
        "layer": "narrative",
        "sensitivity": "protected",
        "owner": owner.pk,
        "notes": NOTE,
    }

    created = client.post(reverse("contacts:create"), data)
    searched = client.get(reverse("contacts:list"), {"q": "Ben-Ami"})
    picked = client.get(reverse("contacts:pick_contacts"), {"q": "Yael"})

    assert created.status_code == 302
    assert Contact.objects.get().notes == NOTE
    assert (searched.status_code, picked.status_code) == (200, 200)
    assert NAME in searched.content.decode()
    detail = client.get(created["Location"])
    assert detail.status_code == 200
    lines = _lines(json_log)
    assert {line["event"] for line in lines} >= {"request_started", "request_finished"}
    assert all(line["request_id"] for line in lines)
    assert "GET /contacts/?q=[redacted]" in {line.get("request") for line in lines}
    _assert_absent(
        json_log.getvalue(),
        NAME,
        "Ben-Ami",
        "Yael",
        "יעל",
        EMAIL,
        NOTE,
        "555 0199",
    )


def test_a_failed_sign_in_logs_neither_the_username_nor_the_password(db, json_log):
    factories.UserFactory(username=USERNAME, roles=["officer"])
    client = Client()

    # The sign-in page's form (its field is "login" or "username", as the page has it).
    response = client.post(
        reverse(settings.LOGIN_URL),
        {"login": USERNAME, "username": USERNAME, "password": PASSWORD},
    )
    api = client.post(
        reverse("api:token"),
        {"username": USERNAME, "password": PASSWORD},
        content_type="application/json",
    )

    assert response.status_code == 200  # the form again, with its error
    assert api.status_code == 400
    lines = _lines(json_log)
    assert "AXES: User login failed, running database handler for failure." in {
        line["event"] for line in lines
    }
    assert ("django.request", "Bad Request: /api/v1/auth/token/") in {
        (line["logger"], line["event"]) for line in lines
    }
    assert all(line["request_id"] for line in lines)
    _assert_absent(json_log.getvalue(), USERNAME, PASSWORD)


def test_tokens_in_urls_and_headers_stay_out_of_the_log(client, owner, json_log):
    feed = factories.CalendarFeedFactory(user=owner)
    invitation = factories.InvitationFactory()
    rsvp_token = event_services.rsvp_token(invitation)
    api_token = create_token(owner).key

    feed_file = client.get(reverse("events:feed", args=[feed.token]))
    rsvp_page = client.get(reverse("events:rsvp", args=[rsvp_token]))
    me = Client().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {api_token}")
    refused = Client().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {api_token[::-1]}")

    assert (feed_file.status_code, rsvp_page.status_code) == (200, 200)
    assert (me.status_code, refused.status_code) == (200, 401)
    lines = _lines(json_log)
    assert all(line["request_id"] for line in lines)
    requests = [line["request"] for line in lines if line["event"] == "request_finished"]
    assert requests == [
        "GET /calendar/[redacted].ics",
        "GET /rsvp/[redacted]/",
        "GET /api/v1/me/",
        "GET /api/v1/me/",
    ]
    # The API user is known once DRF has read the token: request_finished names their id.
    finished = [line for line in lines if line["event"] == "request_finished"]
    assert (finished[2]["user_id"], finished[3]["user_id"]) == (owner.pk, None)
    _assert_absent(json_log.getvalue(), feed.token, rsvp_token, api_token, api_token[::-1])


def _view_that_logs_a_contact(request):
    contact = factories.ContactFactory(full_name=NAME, email=EMAIL, notes=NOTE)
    structlog.get_logger("trackii.test").warning(
        "contact_checked", full_name=contact.full_name, email=contact.email, notes=contact.notes
    )
    raise ValueError(f"No mailbox at {contact.email}")


def _view_that_answers(request):
    return HttpResponse("ok")


urlpatterns = [path("checked/", _view_that_logs_a_contact), path("ok/", _view_that_answers)]


@pytest.mark.urls(__name__)
def test_a_view_that_logs_a_contact_and_fails_leaves_no_personal_data(db, json_log):
    client = Client(raise_request_exception=False)

    response = client.get("/checked/")

    assert response.status_code == 500
    lines = _lines(json_log)
    _assert_one_request_id_on_every_line(lines)
    (checked,) = [line for line in lines if line["event"] == "contact_checked"]
    assert (checked["full_name"], checked["email"], checked["notes"]) == ("[redacted]",) * 3
    (failed,) = [line for line in lines if line["event"] == "request_failed"]
    assert "ValueError: No mailbox at [email]" in failed["exception"]
    _assert_absent(json_log.getvalue(), NAME, EMAIL, NOTE)


# A real worker: the request's id in the task it starts


def _worker_json_lines(output: str) -> list[dict]:
    """The worker's log lines (its start-up banner, printed by Celery, is not a log line)."""
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _wait_for_sent(message: InvitationMessage, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while message.status != InvitationMessage.Status.SENT:
        assert time.monotonic() < deadline, f"The message is still {message.status}"
        time.sleep(0.2)
        message.refresh_from_db()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_task_started_by_a_request_logs_that_requests_id_on_a_real_worker(
    broker_url,  # noqa: F811 (the fixture imported above)
    planner,
    client,
    tmp_path,
    json_log,
):
    event = factories.EventFactory(planners=[planner], title="Media forum")
    factories.InvitationFactory(
        event=event, contact=factories.ContactFactory(full_name=NAME, email=EMAIL, notes=NOTE)
    )
    _signed_in(client, planner, json_log)
    environment = worker_environment(
        broker_url=broker_url, LOG_FORMAT="json", EMAIL_URL=f"filemail:///{tmp_path / 'mail'}"
    )

    with running_worker(environment=environment) as worker:
        response = client.post(reverse("events:mail_send", args=[event.pk]), {"everyone": "1"})
        _wait_for_sent(InvitationMessage.objects.get())
        worker.wait_for("task_succeeded", timeout=30)

    assert response.status_code == 302
    web = _lines(json_log)
    request_id = _assert_one_request_id_on_every_line(web)
    (enqueued,) = [line for line in web if line["event"] == "task_enqueued"]
    assert enqueued["child_task_name"] == "events.send_invitation_message"
    task_lines = [
        line
        for line in _worker_json_lines(worker.output)
        if line.get("task_id") == enqueued["child_task_id"]
    ]
    assert [line["event"] for line in task_lines if line["logger"].startswith("django_struct")] == [
        "task_started",
        "task_succeeded",
    ]
    assert {line["request_id"] for line in task_lines} == {request_id}
    assert {line["user_id"] for line in task_lines} == {planner.pk}
    _assert_absent(json_log.getvalue() + worker.output, NAME, EMAIL, NOTE)
