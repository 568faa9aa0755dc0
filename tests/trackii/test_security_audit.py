"""The security trail of signing in and out (trackii.signin_audit): every sign-in, every
failure (without the password or the code typed), every lockout, every sign-out; kept under
RETENTION_SIGNINS_DAYS (trackii.retention).

Sign-ins are real ones, through allauth's form, from a client with its own address and
browser."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.mfa_support import code_to_type, give_totp
from trackii import retention
from trackii.models import SecurityEvent
from trackii.security_events import record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttle_counts")]

PASSWORD = "correct horse battery staple"
WRONG_PASSWORD = "Tr0ub4dor&3-not-it"
LOGIN_URL = "/accounts/login/"
MFA_URL = "/accounts/2fa/authenticate/"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def browser(address="192.0.2.44"):
    return Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=address)


def sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN_URL, {"login": username, "password": password})


def kinds():
    return list(SecurityEvent.objects.order_by("at", "pk").values_list("kind", flat=True))


def everything_recorded() -> str:
    """Every event's text, to look for what must never be kept."""
    return str(list(SecurityEvent.objects.values_list("detail", "user_agent")))


def test_a_password_sign_in_is_recorded_with_address_and_browser(owner):
    response = sign_in(browser(), "owner")

    assert response.status_code == 302
    event = SecurityEvent.objects.get()
    assert (event.kind, event.user, event.actor) == ("sign_in", owner, None)
    assert (event.ip, event.user_agent) == ("192.0.2.44", BROWSER)
    assert event.detail == {"methods": ["password"]}


def test_a_sign_in_with_the_second_factor_names_it(owner):
    app = give_totp(owner)
    client = browser()

    sign_in(client, "owner")
    assert kinds() == []  # the password alone signs nobody in
    client.post(MFA_URL, {"code": code_to_type(app, margin=2)})

    event = SecurityEvent.objects.get(kind="sign_in")
    assert event.detail == {"methods": ["password", "mfa:totp"]}


def test_a_wrong_password_is_recorded_with_the_name_but_not_the_password(owner):
    response = sign_in(browser(), "owner", WRONG_PASSWORD)

    assert response.status_code == 200
    event = SecurityEvent.objects.get()
    assert (event.kind, event.user, event.ip) == ("sign_in_failed", owner, "192.0.2.44")
    assert event.detail == {"stage": "password", "username": "owner", "locked_out": False}
    assert WRONG_PASSWORD not in everything_recorded()


def test_an_unknown_name_is_recorded_without_a_user(db):
    sign_in(browser(), "nobody-here", WRONG_PASSWORD)

    event = SecurityEvent.objects.get()
    assert (event.kind, event.user) == ("sign_in_failed", None)
    assert event.detail["username"] == "nobody-here"


def test_a_wrong_second_factor_code_is_recorded_without_the_code(owner):
    app = give_totp(owner)
    client = browser()
    sign_in(client, "owner")
    wrong = "000000" if app.now() != "000000" else "111111"

    response = client.post(MFA_URL, {"code": wrong})

    assert response.status_code == 200
    event = SecurityEvent.objects.get(kind="sign_in_failed")
    assert (event.user, event.detail) == (
        owner,
        {"stage": "second_factor", "type": "totp", "reauthentication": False},
    )
    assert wrong not in everything_recorded()
    assert SecurityEvent.objects.filter(kind="sign_in").exists() is False


def test_a_lockout_is_recorded_once_the_limit_is_reached(owner):
    client = browser()

    answers = [sign_in(client, "owner", WRONG_PASSWORD).status_code for _ in range(5)]

    assert answers == [200, 200, 200, 200, 429]
    # django-axes announces the lockout while it counts the fifth failure, before it is
    # recorded: the order within that attempt is the signals'.
    assert sorted(kinds()) == ["lockout"] + ["sign_in_failed"] * 5
    lockout = SecurityEvent.objects.get(kind="lockout")
    assert (lockout.user, lockout.ip, lockout.detail) == (
        owner,
        "192.0.2.44",
        {"username": "owner"},
    )
    assert WRONG_PASSWORD not in everything_recorded()


def test_an_attempt_while_locked_out_is_recorded_as_refused(owner):
    client = browser()
    for _ in range(5):
        sign_in(client, "owner", WRONG_PASSWORD)

    locked = sign_in(client, "owner", PASSWORD)

    assert locked.status_code == 429
    last = SecurityEvent.objects.filter(kind="sign_in_failed").order_by("-at", "-pk").first()
    assert last.detail["locked_out"] is True
    assert SecurityEvent.objects.filter(kind="sign_in").exists() is False


def test_the_api_token_endpoint_records_a_wrong_password_too(owner):
    response = Client(REMOTE_ADDR="192.0.2.45").post(
        "/api/v1/auth/token/",
        {"username": "owner", "password": WRONG_PASSWORD},
        content_type="application/json",
    )

    assert response.status_code == 400
    event = SecurityEvent.objects.get()
    assert (event.kind, event.user, event.ip) == ("sign_in_failed", owner, "192.0.2.45")
    assert WRONG_PASSWORD not in everything_recorded()


def test_signing_out_is_recorded(owner):
    client = browser()
    sign_in(client, "owner")

    client.post(reverse("account_logout"))

    assert kinds() == ["sign_in", "session_ended"]
    ended = SecurityEvent.objects.get(kind="session_ended")
    assert (ended.user, ended.detail) == (owner, {"reason": "signed_out"})


def test_sign_in_records_are_kept_under_the_retention_setting(owner, settings):
    settings.RETENTION_SIGNINS_DAYS = 90
    now = timezone.now()
    old = record("sign_in", user=owner, at=now - dt.timedelta(days=91))
    recent = record("sign_in_failed", user=owner, at=now - dt.timedelta(days=89))

    result = retention.prune(now=now)

    assert result.deleted["trackii.securityevent"] == 1
    assert list(SecurityEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert SecurityEvent.objects.filter(pk=old.pk).exists() is False
