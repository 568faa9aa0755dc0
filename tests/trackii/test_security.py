"""Hardening: deploy checks, headers and CSP, cookies and idle sessions, login lockout,
the API token endpoints and their throttle, and error reports without personal data."""

import logging
import re
import runpy
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.views.debug import get_default_exception_reporter_filter

from tests import factories
from tests.trackii.test_settings import (
    REAL_FERNET_KEY,
    REAL_SECRET_KEY,
    REPO,
    _embedded_env,
    _manage,
)
from trackii.models import ApiToken
from trackii.security import RedactingExceptionReporterFilter, client_ip_address
from trackii.tokens import create_token, digest

PASSWORD = "correct horse battery staple"
WRONG_PASSWORD = "not-the-password"
TOKEN_URL = "/api/v1/auth/token/"
REVOKE_URL = "/api/v1/auth/token/revoke/"
PRODUCTION_ENV = {
    "DEBUG": "False",
    "SECRET_KEY": REAL_SECRET_KEY,
    "FIELD_ENCRYPTION_KEYS": REAL_FERNET_KEY,
    "ALLOWED_HOSTS": "track2.example.org",
}
# Variables whose value a developer's shell could carry into the production evaluation.
HARDENING_VARIABLES = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_AGE",
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "NUM_PROXIES",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)
# What a user sends that must never reach an error page, a report or a log.
POSTED_NAME = "Leyla Quietsource"
QUERIED_NAME = "Karim Hiddenname"
COOKIE_VALUE = "cookie-value-7d1e"
LOCKOUT_MESSAGE = "Account locked: too many login attempts. Please try again later."
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


@pytest.fixture
def production(monkeypatch, tmp_path):
    """trackii/settings.py evaluated afresh with a production environment, as a dict."""
    for name in HARDENING_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in {**PRODUCTION_ENV, "TRACKII_VAR_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(REPO / "trackii" / "settings.py"))


def _admin_login(client, username, password, **extra):
    """Sign in as an admin does: on the app's sign-in page (allauth's), where the admin's own
    login page sends them."""
    data = {"login": username, "password": password, "next": "/admin/"}
    return client.post(reverse("account_login"), data, **extra)


def _obtain_token(client, username, password, **extra):
    data = {"username": username, "password": password}
    return client.post(TOKEN_URL, data, content_type="application/json", **extra)


def _csp(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in directives}


def _inline_scripts(html: str) -> list[str]:
    """Opening tags of executable inline scripts: no src, not a JSON data block."""
    tags = re.findall(r"<script\b[^>]*>", html)
    return [tag for tag in tags if "src=" not in tag and 'type="application/json"' not in tag]


# `check --deploy` and the production values.


def test_check_deploy_finds_no_issue_with_production_settings(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        environment=_embedded_env(tmp_path, **PRODUCTION_ENV),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_check_deploy_reports_the_ssl_redirect_when_it_is_turned_off(tmp_path):
    environment = _embedded_env(tmp_path, **PRODUCTION_ENV, SECURE_SSL_REDIRECT="False")

    result = _manage("check", "--deploy", "--fail-level", "WARNING", environment=environment)

    assert result.returncode == 1
    assert "security.W008" in result.stderr
    assert "System check identified 1 issue (0 silenced)." in result.stderr


def test_production_settings_turn_every_hardening_on(production):
    assert production["DEBUG"] is False
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] == 31_536_000
    assert production["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert production["SECURE_REFERRER_POLICY"] == "same-origin"
    assert production["X_FRAME_OPTIONS"] == "DENY"
    assert "django.middleware.clickjacking.XFrameOptionsMiddleware" in production["MIDDLEWARE"]
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_AGE"] == 30 * 60
    # The idle timeout moves the expiry forward (trackii.idle_timeout), not every request.
    assert production["SESSION_SAVE_EVERY_REQUEST"] is False
    assert "trackii.idle_timeout.IdleTimeoutMiddleware" in production["MIDDLEWARE"]
    assert production["AUTHENTICATION_BACKENDS"][0] == "axes.backends.AxesStandaloneBackend"
    assert production["MIDDLEWARE"][-1] == "axes.middleware.AxesMiddleware"
    assert production["AXES_FAILURE_LIMIT"] == 5
    assert production["AXES_COOLOFF_TIME"] == timedelta(hours=1)
    assert production["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]


def test_production_cookies_are_secure_http_only_and_expire_after_the_idle_time(
    client, settings, production, admin_user
):
    for name in (
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_AGE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
    ):
        setattr(settings, name, production[name])

    login_page = client.get(reverse("account_login"), secure=True)
    signed_in = _admin_login(client, "admin", PASSWORD, secure=True)

    csrf_cookie = login_page.cookies["csrftoken"]
    session_cookie = signed_in.cookies["sessionid"]
    assert signed_in.status_code == 302
    assert (csrf_cookie["secure"], csrf_cookie["httponly"]) == (True, True)
    assert (session_cookie["secure"], session_cookie["httponly"]) == (True, True)
    assert session_cookie["samesite"] == "Lax"
    assert session_cookie["max-age"] == 1800


def test_security_headers_on_the_sign_in_page(client, db):
    response = client.get(reverse("account_login"))

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# Content-Security-Policy.


def test_csp_on_the_sign_in_page_allows_our_origin_only_and_nothing_inline(client, db):
    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert _csp(response) == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    assert _inline_scripts(response.content.decode()) == []


def test_admin_changelist_and_change_form_render_under_the_csp(client, admin_user):
    contact = factories.ContactFactory(full_name="Sasha Standard")
    client.force_login(admin_user)

    changelist = client.get(reverse("admin:contacts_contact_changelist"))
    change_form = client.get(reverse("admin:contacts_contact_change", args=[contact.pk]))

    for response in (changelist, change_form):
        assert response.status_code == 200
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert _csp(response)["script-src"] == ["'self'"]
        assert _inline_scripts(response.content.decode()) == []
        assert re.search(r"\son[a-z]+=", response.content.decode()) is None
    assert "Sasha Standard" in changelist.content.decode()


def test_periodic_task_form_inline_script_carries_the_nonce_of_the_header(client, admin_user):
    client.force_login(admin_user)

    response = client.get(reverse("admin:django_celery_beat_periodictask_add"))

    script_sources = _csp(response)["script-src"]
    assert response.status_code == 200
    assert len(script_sources) == 2
    assert script_sources[0] == "'self'"
    nonce = re.fullmatch(r"'nonce-([A-Za-z0-9+/=]+)'", script_sources[1]).group(1)
    assert _inline_scripts(response.content.decode()) == [
        f'<script id="periodic-task-overrides" nonce="{nonce}">'
    ]


# Lockout (django-axes): username and address together.


def test_admin_login_below_the_failure_limit_still_accepts_the_right_password(client, admin_user):
    for _ in range(5 - 1):
        assert _admin_login(client, "admin", WRONG_PASSWORD).status_code == 200

    response = _admin_login(client, "admin", PASSWORD)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(admin_user.pk)


def test_admin_login_locks_out_at_the_failure_limit_even_with_the_right_password(
    client, settings, admin_user
):
    assert settings.AXES_FAILURE_LIMIT == 5

    failures = [_admin_login(client, "admin", WRONG_PASSWORD) for _ in range(5)]
    response = _admin_login(client, "admin", PASSWORD)

    assert [failure.status_code for failure in failures] == [200, 200, 200, 200, 429]
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "Try again in 60 minutes." in response.content.decode()
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert SESSION_KEY not in client.session
    attempt = AccessAttempt.objects.get(username="admin", ip_address="127.0.0.1")
    assert attempt.failures_since_start == 6
    assert WRONG_PASSWORD not in attempt.post_data
    assert PASSWORD not in attempt.post_data


def test_admin_lockout_spares_another_user_and_another_address(admin_user):
    deputy = factories.UserFactory(username="deputy", is_staff=True)
    attacker = Client()
    for _ in range(5):
        _admin_login(attacker, "admin", WRONG_PASSWORD)
    assert _admin_login(attacker, "admin", PASSWORD).status_code == 429

    same_address_other_user = Client()
    other_address_same_user = Client()
    deputy_response = _admin_login(same_address_other_user, "deputy", PASSWORD)
    admin_response = _admin_login(
        other_address_same_user, "admin", PASSWORD, REMOTE_ADDR="10.0.0.2"
    )

    assert deputy_response.status_code == 302
    assert same_address_other_user.session[SESSION_KEY] == str(deputy.pk)
    assert admin_response.status_code == 302
    assert other_address_same_user.session[SESSION_KEY] == str(admin_user.pk)


def test_a_forged_forwarded_for_header_does_not_change_the_address(rf):
    request = rf.post(TOKEN_URL, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert client_ip_address(request) == "127.0.0.1"


def test_behind_trusted_proxies_the_address_is_the_one_the_outermost_proxy_saw(rf, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = rf.post(
        TOKEN_URL, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7"
    )

    assert client_ip_address(request) == "198.51.100.7"


# The API token endpoints.


def test_token_endpoint_path_is_the_documented_one():
    assert reverse("api:token") == TOKEN_URL
    assert reverse("api:token-revoke") == REVOKE_URL


def test_token_endpoint_creates_a_named_expiring_token_stored_as_a_digest(client, owner):
    with time_machine.travel(NOW, tick=False):
        response = _obtain_token(client, "owner", PASSWORD)

    assert response.status_code == 200
    body = response.json()
    token = ApiToken.objects.get(user=owner)
    assert body == {"token": body["token"], "name": "API token", "expires_at": body["expires_at"]}
    assert datetime.fromisoformat(body["expires_at"]) == NOW + timedelta(days=90)
    assert (token.name, token.expires_at, token.digest) == (
        "API token",
        NOW + timedelta(days=90),
        digest(body["token"]),
    )
    assert body["token"] not in token.digest


def test_token_endpoint_refuses_a_wrong_password_with_400(client, owner):
    response = _obtain_token(client, "owner", WRONG_PASSWORD)

    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "invalid",
        "detail": "The request has invalid fields.",
        "fields": {"non_field_errors": ["Unable to log in with provided credentials."]},
    }
    assert ApiToken.objects.exists() is False


def test_revoke_deletes_the_token_and_the_token_is_refused_afterwards(client, owner):
    key = _obtain_token(client, "owner", PASSWORD).json()["token"]

    revoked = client.post(REVOKE_URL, HTTP_AUTHORIZATION=f"Token {key}")
    again = client.post(REVOKE_URL, HTTP_AUTHORIZATION=f"Token {key}")

    assert revoked.status_code == 204
    assert ApiToken.objects.filter(user=owner).exists() is False
    assert again.status_code == 401
    assert again.json() == {
        "status": 401,
        "code": "authentication_failed",
        "detail": "Invalid token.",
        "fields": {},
    }


def test_revoke_without_a_token_is_401(client, owner):
    token = create_token(owner).token

    response = client.post(REVOKE_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert ApiToken.objects.get(user=owner) == token


def test_token_endpoint_locks_out_at_the_failure_limit_even_with_the_right_password(
    client, owner, caplog
):
    caplog.set_level(logging.INFO, logger="axes")

    failures = [_obtain_token(client, "owner", WRONG_PASSWORD) for _ in range(5)]
    response = _obtain_token(client, "owner", PASSWORD)

    assert [failure.status_code for failure in failures] == [400, 400, 400, 400, 429]
    assert response.status_code == 429
    assert response.json() == {
        "status": 429,
        "code": "locked_out",
        "detail": LOCKOUT_MESSAGE,
        "fields": {},
    }
    assert response["Retry-After"] == "3600"
    assert ApiToken.objects.filter(user=owner).exists() is False
    attempt = AccessAttempt.objects.get(username="owner", ip_address="127.0.0.1")
    assert attempt.path_info == TOKEN_URL
    assert attempt.failures_since_start == 6
    # axes logs the lockout, but neither the username nor the address.
    axes_messages = [
        record.getMessage() for record in caplog.records if record.name.startswith("axes")
    ]
    assert any("Locking out" in message for message in axes_messages)
    assert [m for m in axes_messages if "owner" in m or "127.0.0.1" in m] == []


def test_token_lockout_spares_another_user_from_the_same_address(client, owner, teammate):
    for _ in range(5):
        _obtain_token(client, "owner", WRONG_PASSWORD)

    response = _obtain_token(client, "teammate", PASSWORD)

    assert response.status_code == 200
    assert ApiToken.objects.get(user=teammate).digest == digest(response.json()["token"])


def test_token_endpoint_is_throttled_at_ten_a_minute(client, owner):
    with time_machine.travel(NOW, tick=False):
        answers = [_obtain_token(client, f"stranger{n}", WRONG_PASSWORD) for n in range(10)]
        throttled = _obtain_token(client, "owner", PASSWORD)

    assert [answer.status_code for answer in answers] == [400] * 10
    assert throttled.status_code == 429
    assert throttled["Retry-After"] == "60"
    assert throttled.json() == {
        "status": 429,
        "code": "throttled",
        "detail": "Request was throttled. Expected available in 60 seconds.",
        "fields": {},
    }
    assert ApiToken.objects.exists() is False


# Idle sessions.


def test_session_expires_after_thirty_idle_minutes_and_activity_extends_it(client, admin_user):
    with time_machine.travel(NOW, tick=False) as traveller:
        signed_in = _admin_login(client, "admin", PASSWORD)
        session = Session.objects.get(session_key=client.cookies["sessionid"].value)
        assert session.expire_date == NOW + timedelta(minutes=30)
        assert signed_in.cookies["sessionid"]["max-age"] == 1800

        traveller.shift(timedelta(minutes=29))
        active = client.get(reverse("admin:index"))
        session.refresh_from_db()
        assert active.status_code == 200
        assert session.expire_date == NOW + timedelta(minutes=29 + 30)

        traveller.shift(timedelta(minutes=29))
        still_active = client.get(reverse("admin:index"))
        traveller.shift(timedelta(minutes=31))
        idle = client.get(reverse("admin:index"))

    assert still_active.status_code == 200
    assert idle.status_code == 302
    assert idle.url == f"{reverse('admin:login')}?next={reverse('admin:index')}"


def test_requests_within_a_minute_write_no_session_and_pages_count_down_from_the_stored_expiry(
    client, admin_user
):
    with time_machine.travel(NOW, tick=False) as traveller:
        _admin_login(client, "admin", PASSWORD)
        key = client.cookies["sessionid"].value

        # 40 seconds later: the session is read, not written; the page counts from the write
        traveller.shift(timedelta(seconds=40))
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("today"))
        writes = [q["sql"] for q in queries.captured_queries if "UPDATE" in q["sql"]]
        assert [sql for sql in writes if "django_session" in sql] == []
        assert Session.objects.get(session_key=key).expire_date == NOW + timedelta(minutes=30)
        assert '<meta name="session-expires-in" content="1760"' in page.content.decode()

        # A minute after the write: the next request stores a fresh expiry
        traveller.shift(timedelta(seconds=20))
        page = client.get(reverse("today"))
        assert Session.objects.get(session_key=key).expire_date == NOW + timedelta(minutes=31)
        assert '<meta name="session-expires-in" content="1800"' in page.content.decode()


# Error reports: no personal data on the page, in the e-mail to ADMINS, or in the log.


@pytest.mark.urls(__name__)
def test_error_page_with_debug_off_names_nothing_and_the_report_nothing_sent(settings, caplog):
    settings.DEBUG = False
    settings.ADMINS = [("Operations", "ops@mission.example")]
    client = Client(raise_request_exception=False)
    client.cookies["preference"] = COOKIE_VALUE

    response = client.post(f"/boom/?q={QUERIED_NAME}", {"full_name": POSTED_NAME})

    page = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in page
    for value in (POSTED_NAME, QUERIED_NAME, COOKIE_VALUE, "failed after reading"):
        assert value not in page
    (report,) = mail.outbox
    assert "Exception Value: failed after reading 17 characters\n" in report.body
    assert "\nGET:\nq = '********************'\n" in report.body
    assert "\nPOST:\nfull_name = '********************'\n" in report.body
    assert "\nCOOKIES:\npreference = '********************'\n" in report.body
    for value in (POSTED_NAME, QUERIED_NAME, COOKIE_VALUE):
        assert value not in report.body
        assert value not in caplog.text


@pytest.mark.urls(__name__)
def test_debug_error_page_names_nothing_sent_either(settings):
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    client.cookies["preference"] = COOKIE_VALUE

    response = client.post(f"/boom/?q={QUERIED_NAME}", {"full_name": POSTED_NAME})

    page = response.content.decode()
    assert response.status_code == 500
    assert "failed after reading 17 characters" in page
    for value in (POSTED_NAME, QUERIED_NAME, COOKIE_VALUE):
        assert value not in page


def test_exception_reporter_filter_masks_every_post_value_and_credential_settings():
    request = RequestFactory().post("/boom/", {"full_name": POSTED_NAME, "note": "met at dinner"})

    reporter_filter = get_default_exception_reporter_filter()
    safe_settings = reporter_filter.get_safe_settings()

    assert isinstance(reporter_filter, RedactingExceptionReporterFilter)
    assert reporter_filter.get_post_parameters(request).dict() == {
        "full_name": "********************",
        "note": "********************",
    }
    for name in ("DATABASES", "REDIS_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS"):
        assert safe_settings[name] == "********************"
    assert safe_settings["CACHES"]["default"]["LOCATION"] == "********************"


def _raising_view(request):
    full_name = request.POST["full_name"]
    raise RuntimeError(f"failed after reading {len(full_name)} characters")


# The URL map of the error-page tests (pytest.mark.urls).
urlpatterns = [path("boom/", _raising_view)]
