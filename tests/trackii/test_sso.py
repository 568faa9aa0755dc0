"""Single sign-on through OpenID Connect (trackii.sso), against a real identity provider
started by this module: django-oauth-toolkit in OIDC mode (tests/oidc_provider), in a
second Django process on loopback, with its own SQLite database and an RS256 key made here.

Each sign-in is the real flow: Track II's test client starts it and is sent to the provider;
a browser (``requests``) signs in on the provider's form and is sent back with a code; Track
II's callback exchanges the code with the provider over HTTP (allauth, server to server)
and signs the user in, or refuses. Track II's settings come from the OIDC_* environment
variables, evaluated by trackii/settings.py as in production."""

import json
import os
import re
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.mfa_support import code_to_type, give_totp
from trackii.models import SecurityEvent

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
CLIENT_ID = "track-ii"
CLIENT_SECRET = "track-ii-client-secret-for-the-test-provider"
CALLBACK = "http://testserver/accounts/oidc/sso/login/callback/"
START = "/accounts/oidc/sso/login/"
PROVIDER_PASSWORD = "provider-password-1"
PROVIDER_USERS = ("alice", "bob", "carol", "dave", "erin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Provider:
    """The running identity provider: its address, issuer, and its users' claims."""

    def __init__(self, base_url: str, claims_file: Path):
        self.base_url = base_url
        self.issuer = f"{base_url}/o"
        self.claims_file = claims_file

    def set_claims(self, claims: dict) -> None:
        self.claims_file.write_text(json.dumps(claims))


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oidc-provider")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = folder / "signing-key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    claims_file = folder / "claims.json"
    claims_file.write_text("{}")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
        "OIDC_PROVIDER_DATABASE": str(folder / "provider.sqlite3"),
        "OIDC_PROVIDER_KEY_FILE": str(key_file),
        "OIDC_PROVIDER_ISSUER": f"{base_url}/o",
        "OIDC_PROVIDER_CLAIMS": str(claims_file),
        "PYTHONUNBUFFERED": "1",
    }

    def django(*args):
        result = subprocess.run(
            [sys.executable, "-m", "django", *args],
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    django("migrate", "--noinput")
    django(
        "oidc_provider_setup",
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
        "--redirect-uri",
        CALLBACK,
        *[f"--user={name}:{PROVIDER_PASSWORD}" for name in PROVIDER_USERS],
    )
    log = (folder / "runserver.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=REPO,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(f"{base_url}/o/.well-known/openid-configuration", server, folder)
        yield Provider(base_url, claims_file)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _wait_for(url: str, server, folder: Path) -> None:
    for _ in range(120):
        if server.poll() is not None:
            break
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise AssertionError(
        "The test identity provider did not start:\n" + (folder / "runserver.log").read_text()
    )


@pytest.fixture
def sso(provider, monkeypatch, settings, tmp_path):
    """Configure Track II for the provider from the environment, through settings.py."""

    def configure(**variables):
        environment = {
            "OIDC_ENABLED": "True",
            "OIDC_PROVIDER_NAME": "Mission SSO",
            "OIDC_SERVER_URL": provider.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_AUTO_PROVISION": "False",
            "OIDC_AMR_SATISFIES_MFA": "",
            "TRACKII_VAR_DIR": str(tmp_path),
            **variables,
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        evaluated = runpy.run_path(str(REPO / "trackii" / "settings.py"))
        for name in (
            "OIDC_ENABLED",
            "OIDC_PROVIDER_NAME",
            "OIDC_AUTO_PROVISION",
            "OIDC_AMR_SATISFIES_MFA",
            "SOCIALACCOUNT_PROVIDERS",
        ):
            setattr(settings, name, evaluated[name])
        return evaluated

    configure()
    return configure


def sso_sign_in(provider, username, *, client=None):
    """The whole flow; returns Track II's answer to the provider's redirect back."""
    client = client or Client()
    started = client.post(START)
    assert started.status_code == 302, started.content[:500]
    authorize = started["Location"]
    assert authorize.startswith(f"{provider.issuer}/authorize/")

    browser = requests.Session()
    to_login = browser.get(authorize, allow_redirects=False)
    assert to_login.status_code == 302
    login_url = urljoin(provider.base_url, to_login.headers["Location"])
    page = browser.get(login_url)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    next_url = re.search(r'name="next" value="([^"]*)"', page.text).group(1).replace("&amp;", "&")
    signed_in = browser.post(
        login_url,
        data={
            "username": username,
            "password": PROVIDER_PASSWORD,
            "csrfmiddlewaretoken": csrf,
            "next": next_url,
        },
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    # skip_authorization: no consent page, straight back to Track II with the code.
    back = browser.get(
        urljoin(provider.base_url, signed_in.headers["Location"]), allow_redirects=False
    )
    assert back.status_code == 302, back.text[:500]
    callback = back.headers["Location"]
    assert callback.startswith(CALLBACK), callback
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


def signed_in_as(client):
    return client.session.get(SESSION_KEY)


# Settings.


def test_the_provider_comes_from_the_environment(sso, provider):
    evaluated = sso(OIDC_AMR_SATISFIES_MFA="mfa, otp,hwk", OIDC_AUTO_PROVISION="True")

    app = evaluated["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"][0]
    assert app == {
        "provider_id": "sso",
        "name": "Mission SSO",
        "client_id": CLIENT_ID,
        "secret": CLIENT_SECRET,
        "settings": {"server_url": provider.issuer},
    }
    assert evaluated["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["OAUTH_PKCE_ENABLED"] is True
    assert evaluated["OIDC_AMR_SATISFIES_MFA"] == ("mfa", "otp", "hwk")
    assert evaluated["OIDC_AUTO_PROVISION"] is True
    assert provider.base_url in evaluated["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"]
    off = sso(OIDC_ENABLED="False")
    assert off["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"] == []
    assert (off["OIDC_AUTO_PROVISION"], off["OIDC_AMR_SATISFIES_MFA"]) == (False, ())


def test_enabling_sso_without_its_client_refuses_to_start(sso):
    with pytest.raises(ImproperlyConfigured, match="OIDC_CLIENT_SECRET"):
        sso(OIDC_CLIENT_SECRET="")


def test_the_sign_in_page_offers_the_provider_only_when_enabled(sso, client, settings):
    offered = client.get(reverse("account_login")).content.decode()
    sso(OIDC_ENABLED="False")
    not_offered = client.get(reverse("account_login")).content.decode()

    assert 'action="/accounts/oidc/sso/login/?process=login"' in offered
    assert "Sign in with Mission SSO" in offered
    assert "Mission SSO" not in not_offered
    assert 'id="single-sign-on"' not in not_offered


# Who comes in.


def test_a_user_is_matched_by_the_verified_email_and_signed_in(sso, provider, owner):
    provider.set_claims(
        {"alice": {"email": "Owner@Mission.example", "email_verified": True, "amr": ["pwd"]}}
    )
    client = Client()

    response = sso_sign_in(provider, "alice", client=client)

    assert response.status_code == 302
    assert response["Location"] == reverse("today")
    assert signed_in_as(client) == str(owner.pk)
    link = SocialAccount.objects.get(user=owner)
    assert link.provider == "sso"
    event = SecurityEvent.objects.get(kind="sso_sign_in")
    assert (event.user, event.detail["provider"], event.detail["amr"]) == (owner, "sso", ["pwd"])
    assert event.detail["second_factor_by_provider"] is False
    assert event.detail["provisioned"] is False

    # The link holds: the next sign-in is by the provider's subject, whatever the e-mail.
    provider.set_claims({"alice": {"email": "alice@elsewhere.example", "email_verified": False}})
    again = Client()
    sso_sign_in(provider, "alice", client=again)
    assert signed_in_as(again) == str(owner.pk)


def test_an_unverified_email_is_refused(sso, provider, owner):
    provider.set_claims({"bob": {"email": "owner@mission.example", "email_verified": False}})
    client = Client()

    response = sso_sign_in(provider, "bob", client=client)

    assert response.status_code == 403
    assert "has not verified this e-mail address" in response.content.decode()
    assert signed_in_as(client) is None
    assert SocialAccount.objects.exists() is False
    event = SecurityEvent.objects.get(kind="sso_refused")
    assert (event.user, event.detail["reason"]) == (None, "email_not_verified")


def test_an_unknown_user_is_refused_without_auto_provisioning(sso, provider, owner):
    provider.set_claims({"carol": {"email": "carol@mission.example", "email_verified": True}})
    client = Client()
    users_before = get_user_model().objects.count()

    response = sso_sign_in(provider, "carol", client=client)

    assert response.status_code == 403
    assert "No Track II account has this e-mail address" in response.content.decode()
    assert signed_in_as(client) is None
    assert get_user_model().objects.count() == users_before
    event = SecurityEvent.objects.get(kind="sso_refused")
    assert (event.detail["reason"], event.detail["email"]) == (
        "unknown_user",
        "carol@mission.example",
    )


def test_auto_provisioning_creates_the_user_with_no_role(sso, provider, db):
    sso(OIDC_AUTO_PROVISION="True")
    provider.set_claims({"carol": {"email": "carol@mission.example", "email_verified": True}})
    client = Client()

    response = sso_sign_in(provider, "carol", client=client)

    assert response.status_code == 302
    carol = get_user_model().objects.get(email="carol@mission.example")
    assert signed_in_as(client) == str(carol.pk)
    assert carol.username == "carol"
    assert carol.groups.exists() is False
    assert carol.has_usable_password() is False
    assert SecurityEvent.objects.get(kind="sso_sign_in").detail["provisioned"] is True
    # Signed in, but held on the page that says an admin must give a role first.
    today = client.get(response["Location"])
    assert today.status_code == 403
    assert "trackii/no_role.html" in [template.name for template in today.templates]


def test_auto_provisioning_still_refuses_an_unverified_email(sso, provider, db):
    sso(OIDC_AUTO_PROVISION="True")
    provider.set_claims({"carol": {"email": "carol@mission.example", "email_verified": False}})

    response = sso_sign_in(provider, "carol")

    assert response.status_code == 403
    assert get_user_model().objects.filter(email="carol@mission.example").exists() is False


def test_two_users_with_the_same_email_are_refused(sso, provider, owner):
    factories.UserFactory(username="owner-twin", email="OWNER@mission.example")
    provider.set_claims({"alice": {"email": "owner@mission.example", "email_verified": True}})

    response = sso_sign_in(provider, "alice")

    assert response.status_code == 403
    assert SecurityEvent.objects.get(kind="sso_refused").detail["reason"] == "ambiguous_email"


# The provider's amr and the second factor.


@pytest.mark.mfa_policy
@pytest.mark.parametrize(
    ("accepted", "amr", "enrolment_asked"),
    [
        ("", ["pwd", "mfa"], True),  # not configured: the provider's MFA does not count
        ("mfa,otp", ["pwd"], True),  # configured, but the provider did not do it
        ("mfa,otp", ["pwd", "otp"], False),  # configured, and done
    ],
)
def test_the_providers_amr_satisfies_the_policy_only_when_configured(
    sso, provider, owner, settings, accepted, amr, enrolment_asked
):
    sso(OIDC_AMR_SATISFIES_MFA=accepted)
    settings.MFA_REQUIRED_ROLES = ("officer",)
    provider.set_claims(
        {"dave": {"email": "owner@mission.example", "email_verified": True, "amr": amr}}
    )
    client = Client()

    sso_sign_in(provider, "dave", client=client)
    page = client.get(reverse("account"))

    assert signed_in_as(client) == str(owner.pk)
    if enrolment_asked:
        assert (page.status_code, page["Location"]) == (302, reverse("mfa_index"))
    else:
        assert page.status_code == 200
    event = SecurityEvent.objects.get(kind="sso_sign_in")
    assert event.detail["amr"] == amr
    assert event.detail["second_factor_by_provider"] is (not enrolment_asked)


@pytest.mark.parametrize(("amr", "factor_asked"), [(["pwd"], True), (["pwd", "hwk"], False)])
def test_a_user_with_a_factor_enters_it_after_the_provider_unless_its_amr_counts(
    sso, provider, owner, amr, factor_asked
):
    sso(OIDC_AMR_SATISFIES_MFA="hwk")
    app = give_totp(owner)
    provider.set_claims(
        {"erin": {"email": "owner@mission.example", "email_verified": True, "amr": amr}}
    )
    client = Client()

    response = sso_sign_in(provider, "erin", client=client)

    if factor_asked:
        assert response["Location"] == reverse("mfa_authenticate")
        assert signed_in_as(client) is None
        assert SecurityEvent.objects.filter(kind="sso_sign_in").exists() is False
        client.post(reverse("mfa_authenticate"), {"code": code_to_type(app, margin=2)})
    else:
        assert response["Location"] == reverse("today")
    assert signed_in_as(client) == str(owner.pk)
    event = SecurityEvent.objects.get(kind="sso_sign_in")
    assert ("mfa:totp" in event.detail["methods"]) is factor_asked
    assert event.detail["second_factor_by_provider"] is (not factor_asked)
