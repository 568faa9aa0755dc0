"""Sign-in in tests (loaded as a plugin by tests/conftest.py): the second-factor policy off
unless a test is marked ``mfa_policy``, ``force_login`` recorded like a password sign-in,
and helpers to give a user a factor and compute its codes.

Why the policy is off elsewhere: most tests sign in with ``client.force_login`` and test
something else than sign-in. The policy is on with DEBUG off (trackii/settings.py; the
production default is tested in tests/trackii/test_mfa_policy.py), and every test of the
policy itself is marked ``@pytest.mark.mfa_policy`` and sets the roles it means.

Why force_login records a sign-in: a real sign-in (allauth's form) records when the user
proved who they are, and a sensitive action (trackii.security.sensitive_action) asks
again when that is older than 15 minutes. ``force_login`` stands for such a sign-in by
password, at the moment it is called (time-machine moves it). A user with a second factor
is not confirmed by it: only the factor confirms them, as in production.
"""

import time

import pyotp
import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "mfa_policy: the test sets MFA_REQUIRED_ROLES itself (elsewhere it is empty)",
    )


@pytest.fixture(autouse=True)
def _mfa_policy_off_unless_marked(request, settings):
    if request.node.get_closest_marker("mfa_policy") is None:
        settings.MFA_REQUIRED_ROLES = ()


@pytest.fixture(autouse=True)
def _force_login_records_a_password_sign_in(monkeypatch):
    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        record_sign_in(self, user, method="password")

    monkeypatch.setattr(Client, "force_login", force_login)


def record_sign_in(client, user, *, method="password", **extra):
    """Add what allauth records when ``user`` completes a sign-in step in the client's
    session (``method`` "password" or "mfa")."""
    session = client.session
    records = list(session.get(AUTHENTICATION_METHODS_SESSION_KEY) or [])
    if session.get(_AUTHENTICATION_METHODS_USER_SESSION_KEY) != str(user.pk):
        records = []
    records.append({"method": method, "at": time.time(), **extra})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()


def code_to_type(app: pyotp.TOTP, *, margin: float = 10) -> str:
    """The app's current code, once at least ``margin`` seconds of its 30-second window
    remain: a browser test types it and the server checks it seconds later, and allauth
    accepts the current window's code only (a slow machine crossed the boundary)."""
    left = app.interval - time.time() % app.interval
    if left < margin:
        time.sleep(left + 0.1)
    return app.now()


def give_totp(user) -> pyotp.TOTP:
    """Activate an authenticator app for ``user`` (with recovery codes, as the enrolment
    page does); returns the app, for its codes."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return pyotp.TOTP(secret)


def recovery_codes(user) -> list[str]:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return authenticator.wrap().get_unused_codes()
