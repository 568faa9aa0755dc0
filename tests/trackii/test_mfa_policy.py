"""The second-factor policy (trackii.mfa_policy, MFA_REQUIRED_ROLES): every role by default
in production, none in development and the embedded default; a user it covers who has no
factor reaches only the enrolment pages and sign-out, whatever page they ask for; enrolling
through allauth's pages lets them through, and the enrolment is in the security trail."""

import runpy

import pyotp
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from contacts.models import Contact
from tests import factories
from tests.mfa_support import code_to_type, give_totp
from tests.trackii.test_security import PRODUCTION_ENV
from tests.trackii.test_settings import REPO
from trackii import embedded
from trackii.models import SecurityEvent

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ENROL_URL = "/accounts/2fa/"
EVERY_ROLE = ("officer", "planner", "lead", "analyst", "admin")


def _settings_with(monkeypatch, tmp_path, **variables):
    monkeypatch.delenv("MFA_REQUIRED_ROLES", raising=False)
    for name, value in {"TRACKII_VAR_DIR": str(tmp_path), **variables}.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(REPO / "trackii" / "settings.py"))


# The settings.


def test_production_requires_a_second_factor_of_every_role(monkeypatch, tmp_path):
    production = _settings_with(monkeypatch, tmp_path, **PRODUCTION_ENV)

    assert production["MFA_REQUIRED_ROLES"] == EVERY_ROLE
    assert "trackii.mfa_policy.MFAEnrolmentMiddleware" in production["MIDDLEWARE"]
    assert production["MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN"] is False
    assert production["ACCOUNT_REAUTHENTICATION_TIMEOUT"] == 15 * 60


def test_development_requires_none_and_the_variable_picks_roles(monkeypatch, tmp_path):
    development = _settings_with(monkeypatch, tmp_path, DEBUG="True")
    chosen = _settings_with(
        monkeypatch, tmp_path, **PRODUCTION_ENV, MFA_REQUIRED_ROLES="lead, admin"
    )
    none = _settings_with(monkeypatch, tmp_path, **PRODUCTION_ENV, MFA_REQUIRED_ROLES="")

    assert development["MFA_REQUIRED_ROLES"] == ()
    assert chosen["MFA_REQUIRED_ROLES"] == ("lead", "admin")
    assert none["MFA_REQUIRED_ROLES"] == ()


def test_an_unknown_role_refuses_to_start(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="MFA_REQUIRED_ROLES"):
        _settings_with(monkeypatch, tmp_path, **PRODUCTION_ENV, MFA_REQUIRED_ROLES="officers")


def test_embedded_default_signs_in_in_one_step_and_says_so(monkeypatch, tmp_path, client, settings):
    environment = embedded.run_environment(tmp_path, "127.0.0.1", 8765, environ={})
    served = _settings_with(monkeypatch, tmp_path, **environment)
    settings.MFA_REQUIRED_ROLES = served["MFA_REQUIRED_ROLES"]

    page = client.get("/accounts/login/").content.decode()

    assert environment["MFA_REQUIRED_ROLES"] == ""
    assert served["DEBUG"] is False
    assert served["MFA_REQUIRED_ROLES"] == ()
    assert "Demo: one-step sign-in (no second factor)." in page


# The middleware: held on the enrolment pages.


PAGES = ["/", "/contacts/", "/events/", "/account/", "/password/", "/admin/", "/health/"]


@pytest.mark.mfa_policy
@pytest.mark.parametrize("path", PAGES)
def test_user_without_a_factor_is_sent_to_enrol_from_every_page(client, settings, path):
    settings.MFA_REQUIRED_ROLES = EVERY_ROLE
    officer = factories.UserFactory(username="officer", roles=["officer"], is_staff=True)
    client.force_login(officer)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == ENROL_URL


@pytest.mark.mfa_policy
def test_a_post_is_refused_too_and_changes_nothing(client, settings, owner):
    settings.MFA_REQUIRED_ROLES = ("officer",)
    client.force_login(owner)

    response = client.post(reverse("contacts:create"), {"full_name": "Should Not Exist"})

    assert response.status_code == 302
    assert response["Location"] == ENROL_URL
    assert Contact.objects.filter(full_name="Should Not Exist").exists() is False


@pytest.mark.mfa_policy
def test_the_enrolment_pages_and_sign_out_stay_open(client, settings, owner):
    settings.MFA_REQUIRED_ROLES = ("officer",)
    client.force_login(owner)

    index = client.get(ENROL_URL)
    keys = client.get("/accounts/2fa/webauthn/")
    activate = client.get("/accounts/2fa/totp/activate/")
    add_key = client.get("/accounts/2fa/webauthn/add/")
    sign_out = client.post("/accounts/logout/")

    assert index.status_code == 200
    assert "Your role requires a second factor." in index.content.decode()
    assert keys.status_code == 200
    # allauth asks for the password again before a factor is added.
    assert activate.status_code == 302
    assert activate["Location"].startswith("/accounts/reauthenticate/")
    assert add_key.status_code == 302
    assert sign_out.status_code == 302
    assert client.get("/").status_code == 302  # signed out now: to the sign-in page
    assert client.get("/")["Location"].startswith("/accounts/login/")


@pytest.mark.mfa_policy
def test_the_api_with_a_session_answers_403(client, settings, owner):
    settings.MFA_REQUIRED_ROLES = ("officer",)
    client.force_login(owner)

    response = client.get("/api/v1/me/")

    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"


@pytest.mark.mfa_policy
def test_an_htmx_request_is_sent_to_enrol_by_its_header(client, settings, owner):
    settings.MFA_REQUIRED_ROLES = ("officer",)
    client.force_login(owner)

    response = client.get("/contacts/", headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == ENROL_URL


@pytest.mark.mfa_policy
def test_a_user_with_a_factor_passes(client, settings, owner):
    settings.MFA_REQUIRED_ROLES = EVERY_ROLE
    give_totp(owner)
    client.force_login(owner)

    assert client.get("/contacts/").status_code == 200


@pytest.mark.mfa_policy
def test_roles_outside_the_list_pass_and_every_role_covers_a_user_without_one(client, settings):
    settings.MFA_REQUIRED_ROLES = ("admin",)
    officer = factories.UserFactory(username="officer", roles=["officer"])
    nobody = factories.UserFactory(username="nobody")
    superuser = factories.UserFactory(username="root", is_superuser=True, is_staff=True)

    client.force_login(officer)
    officer_page = client.get("/contacts/")
    client.force_login(nobody)
    nobody_page = client.get("/contacts/")
    client.force_login(superuser)
    superuser_page = client.get("/contacts/")
    settings.MFA_REQUIRED_ROLES = EVERY_ROLE
    client.force_login(nobody)
    nobody_under_every_role = client.get("/contacts/")

    # A user without a role passes this policy, and meets the next one (trackii.role_policy:
    # no role, no page); the second factor is asked first when every role covers them.
    assert (officer_page.status_code, nobody_page.status_code) == (200, 403)
    assert "trackii/no_role.html" in [template.name for template in nobody_page.templates]
    assert superuser_page.status_code == 302
    assert nobody_under_every_role.status_code == 302


@pytest.mark.mfa_policy
def test_a_session_older_than_the_policy_is_held_at_its_next_request(client, settings, owner):
    settings.MFA_REQUIRED_ROLES = ()
    client.force_login(owner)
    before = client.get("/contacts/")

    settings.MFA_REQUIRED_ROLES = ("officer",)
    after = client.get("/contacts/")

    assert (before.status_code, after.status_code) == (200, 302)


# Enrolling through allauth's pages lets the user through.


@pytest.mark.mfa_policy
def test_enrolling_an_app_lets_the_user_through_and_is_recorded(
    client, settings, owner, django_capture_on_commit_callbacks
):
    settings.MFA_REQUIRED_ROLES = ("officer",)
    client.force_login(owner)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert f'id="totp-secret" aria-labelledby="totp-secret-label">{secret}</code>' in (
        page.content.decode()
    )
    assert "<svg" in page.content.decode()

    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    # Seconds left in the code's window (allauth takes the current window's code only).
    code = code_to_type(pyotp.TOTP(secret), margin=2)
    # allauth sends its signals once the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        activated = client.post("/accounts/2fa/totp/activate/", {"code": code})

    assert wrong.status_code == 200
    assert activated.status_code == 302
    assert activated["Location"] == "/accounts/2fa/recovery-codes/"
    assert client.get("/contacts/").status_code == 200
    added = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.FACTOR_ADDED, user=owner)
    assert sorted(event.detail["type"] for event in added) == ["recovery_codes", "totp"]
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.REAUTHENTICATED, user=owner, detail__method="password"
    ).exists()
    assert secret not in str(list(SecurityEvent.objects.values_list("detail", flat=True)))


@pytest.mark.mfa_policy
def test_removing_the_last_factor_holds_the_user_again_and_is_recorded(client, settings, owner):
    settings.MFA_REQUIRED_ROLES = ("officer",)
    app = give_totp(owner)
    client.force_login(owner)
    client.post("/accounts/2fa/reauthenticate/", {"code": code_to_type(app, margin=2)})

    removed = client.post("/accounts/2fa/totp/deactivate/")

    assert removed.status_code == 302
    assert client.get("/contacts/")["Location"] == ENROL_URL
    kinds = set(
        SecurityEvent.objects.filter(user=owner).values_list("kind", "detail__type").distinct()
    )
    assert (SecurityEvent.Kind.FACTOR_REMOVED, "totp") in kinds
    assert (SecurityEvent.Kind.FACTOR_REMOVED, "recovery_codes") in kinds
    assert (SecurityEvent.Kind.REAUTHENTICATED, "totp") in kinds
