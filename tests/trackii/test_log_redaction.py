"""RSVP and calendar-feed tokens never reach a log (DESIGN.md, "Access rules"): Django's request
and runserver logs, error reports, and gunicorn's access and error logs (gunicorn.conf.py)."""

import datetime as dt
import io
import logging
import runpy
import sys
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import RequestFactory
from django.urls import reverse
from django.utils.log import ServerFormatter
from gunicorn.config import Config

from events import services as event_services
from tests import factories
from trackii.logging import GunicornLogger, redact_url_tokens
from trackii.security import RedactingExceptionReporter

FEED_TOKEN = "Zq3-feed_Token-0123456789abcdefghijklmnopqrs"
RSVP_TOKEN = "eyJpbnZpdGF0aW9uIjo0Mn0:1vQxyz:Ab-cd_EF0123456789"


def test_redaction_replaces_only_the_tokens():
    assert redact_url_tokens(f"GET /rsvp/{RSVP_TOKEN}/ HTTP/1.1") == (
        "GET /rsvp/[redacted]/ HTTP/1.1"
    )
    assert redact_url_tokens(f"https://track2.example.org/calendar/{FEED_TOKEN}.ics?x=1") == (
        "https://track2.example.org/calendar/[redacted].ics?x=1"
    )
    assert redact_url_tokens(f'"/rsvp/{RSVP_TOKEN}" and "/calendar/{FEED_TOKEN}.ics"') == (
        '"/rsvp/[redacted]" and "/calendar/[redacted].ics"'
    )
    for untouched in (
        "GET /events/42/calendar.ics HTTP/1.1",
        "GET /events/calendar/2026/5/ HTTP/1.1",
        "GET /calendar/ HTTP/1.1",
        "GET /rsvp/ HTTP/1.1",
    ):
        assert redact_url_tokens(untouched) == untouched


# Django's loggers


def test_the_request_log_of_a_stale_rsvp_link_names_no_token(client, db, caplog):
    invitation = factories.InvitationFactory()
    token = event_services.rsvp_token(invitation)
    invitation.delete()

    response = client.get(reverse("events:rsvp", args=[token]))

    assert response.status_code == 404
    messages = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert messages == ["Not Found: /rsvp/[redacted]/"]
    assert token not in caplog.text


def test_the_request_log_of_an_unknown_feed_names_no_token(client, db, caplog):
    response = client.get(reverse("events:feed", args=[FEED_TOKEN]))

    assert response.status_code == 404
    messages = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert messages == ["Not Found: /calendar/[redacted].ics"]
    assert FEED_TOKEN not in caplog.text


@pytest.fixture
def runserver_log():
    """What runserver's access log writes, through the handler settings.LOGGING gives it."""
    (handler,) = (
        handler
        for handler in logging.getLogger("django.server").handlers
        if isinstance(handler.formatter, ServerFormatter)
    )
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


@pytest.mark.parametrize(
    "path", [f"/rsvp/{RSVP_TOKEN}/", f"/calendar/{FEED_TOKEN}.ics"], ids=["rsvp", "feed"]
)
def test_runserver_access_log_names_no_token(runserver_log, path):
    server = SimpleNamespace(
        request=RequestFactory().get(path), log_date_time_string=lambda: "15/Mar/2026 12:00:00"
    )

    WSGIRequestHandler.log_message(server, '"%s" %s %s', f"GET {path} HTTP/1.1", "200", "512")

    redacted = redact_url_tokens(path)
    assert runserver_log.getvalue() == f'[15/Mar/2026 12:00:00] "GET {redacted} HTTP/1.1" 200 512\n'
    assert "[redacted]" in redacted


def test_the_error_report_to_admins_names_no_token():
    request = RequestFactory().get(f"/rsvp/{RSVP_TOKEN}/")
    try:
        raise RuntimeError("the guest list was locked")
    except RuntimeError:
        reporter = RedactingExceptionReporter(request, *sys.exc_info())

    text, html = reporter.get_traceback_text(), reporter.get_traceback_html()

    assert "RuntimeError at /rsvp/[redacted]/" in text
    assert "Request URL: /rsvp/[redacted]/" in text
    assert RSVP_TOKEN not in text
    assert RSVP_TOKEN not in html


def test_settings_filter_every_django_logger_that_writes_a_path():
    for name in ("django.request", "django.server", "django.security.csrf"):
        assert "redact_url_tokens" in settings.LOGGING["loggers"][name]["filters"], name
    for handler in settings.LOGGING["handlers"].values():
        assert handler["filters"] == ["redact_url_tokens"]


# gunicorn


@pytest.fixture
def gunicorn_logs(tmp_path):
    """gunicorn's logger as gunicorn.conf.py configures it, writing to two files."""
    config = Config()
    for name, value in runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    logger = config.logger_class(config)
    yield logger, tmp_path / "access.log", tmp_path / "error.log"
    for log in (logger.access_log, logger.error_log):
        for handler in list(log.handlers):
            log.removeHandler(handler)
            handler.close()
        log.filters.clear()


def _access(logger, path: str, referer: str) -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "Calendar/1.0",
    }
    request = SimpleNamespace(headers=[("REFERER", referer), ("USER-AGENT", "Calendar/1.0")])
    response = SimpleNamespace(status="200 OK", sent=512, headers=[("Content-Type", "text/html")])
    logger.access(response, request, environ, dt.timedelta(microseconds=1500))


def test_gunicorn_conf_uses_the_redacting_logger():
    conf = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    config = Config()
    config.set("logger_class", conf["logger_class"])

    assert config.logger_class is GunicornLogger


def test_gunicorn_access_log_names_no_token_in_the_request_or_the_referer(gunicorn_logs):
    logger, access_log, _ = gunicorn_logs

    _access(logger, f"/rsvp/{RSVP_TOKEN}/", f"https://track2.example.org/calendar/{FEED_TOKEN}.ics")

    (line,) = access_log.read_text().splitlines()
    assert line.startswith("203.0.113.9 - - [")
    assert line.endswith(
        '] "GET /rsvp/[redacted]/ HTTP/1.1" 200 512 '
        '"https://track2.example.org/calendar/[redacted].ics" "Calendar/1.0"'
    )


def test_a_custom_gunicorn_access_format_is_redacted_too(gunicorn_logs):
    logger, access_log, _ = gunicorn_logs
    logger.cfg.set("access_log_format", "%(U)s %({referer}i)s %({raw_uri}e)s %(r)s")

    _access(logger, f"/calendar/{FEED_TOKEN}.ics", f"https://track2.example.org/rsvp/{RSVP_TOKEN}/")

    assert access_log.read_text() == (
        "/calendar/[redacted].ics https://track2.example.org/rsvp/[redacted]/ "
        "/calendar/[redacted].ics GET /calendar/[redacted].ics HTTP/1.1\n"
    )


def test_gunicorn_error_log_names_no_token(gunicorn_logs):
    logger, _, error_log = gunicorn_logs

    try:
        raise OSError(f"client went away reading /calendar/{FEED_TOKEN}.ics")
    except OSError:
        logger.exception("Error handling request %s", f"/rsvp/{RSVP_TOKEN}/")

    text = error_log.read_text()
    assert "[ERROR] Error handling request /rsvp/[redacted]/\n" in text
    assert "OSError: client went away reading /calendar/[redacted].ics" in text
    assert RSVP_TOKEN not in text
    assert FEED_TOKEN not in text


def test_token_pages_send_only_the_origin_as_referer_onwards(client, db):
    guest = factories.InvitationFactory()
    feed = factories.CalendarFeedFactory()

    rsvp_page = client.get(reverse("events:rsvp", args=[event_services.rsvp_token(guest)]))
    stale_rsvp = client.get(reverse("events:rsvp", args=["not-a-token"]))
    feed_file = client.get(reverse("events:feed", args=[feed.token]))

    assert rsvp_page.status_code == 200
    assert feed_file.status_code == 200
    for response in (rsvp_page, stale_rsvp, feed_file):
        assert response["Referrer-Policy"] == "strict-origin"
