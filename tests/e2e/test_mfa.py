"""In a real browser: a second factor from enrolment to sign-in. An officer whose role
requires one enrols an authenticator app (the code computed from the secret the page shows),
signs in with it, is refused a wrong code, signs in with a recovery code; repeated wrong
passwords lock out; a passkey registered through Chromium's virtual authenticator (CDP)
signs in alone.

The live server answers on http://localhost, which Chromium and python-fido2 treat as a
secure origin: WebAuthn runs without turning any origin check off.
"""

import re

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests.e2e.test_accessibility import AXE, RUN_AXE
from tests.e2e.test_browser import PASSWORD, sign_in
from tests.mfa_support import code_to_type
from trackii.models import SecurityEvent

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

VIRTUAL_AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


@pytest.fixture
def policy(settings, live_server):
    """Officers must have a second factor; WebAuthn's relying party is the live server's
    host name."""
    assert live_server.url.startswith("http://localhost:")
    settings.MFA_REQUIRED_ROLES = ("officer",)
    settings.WEBAUTHN_RP_ID = "localhost"


def csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return errors


def enter_password(page, username, password=PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Track II")


def confirm_with_password(page):
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Access")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def wrong_code_for(app: pyotp.TOTP) -> str:
    return f"{(int(app.now()) + 1) % 1_000_000:06d}"


@pytest.mark.mfa_policy
def test_enrol_an_app_sign_in_with_it_and_with_a_recovery_code(page, policy, owner):
    errors = csp_errors(page)

    # Given an officer without a second factor: after the password, only enrolment
    enter_password(page, "owner")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    expect(page.locator("#mfa-enrolment-required")).to_contain_text(
        "Your role requires a second factor"
    )
    page.goto("/contacts/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))

    # When they add an authenticator app (the password asked again first)
    page.get_by_role("link", name="Activate").click()
    confirm_with_password(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an authenticator app")
    secret = page.locator("#totp-secret").inner_text().strip()
    app = pyotp.TOTP(secret)
    page.get_by_label("Authenticator code").fill(code_to_type(app))
    page.get_by_role("button", name="Activate").click()

    # Then they are shown their recovery codes and may use the app
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery Codes")
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == 10
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    sign_out(page)

    # When they sign in again: the password, then a wrong code, then the right one
    enter_password(page, "owner")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    page.get_by_label("Code").fill(wrong_code_for(app))
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("main")).to_contain_text("Incorrect code.")
    # not signed in: another page sends them back to the code
    page.goto("/contacts/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    expect(page.locator("header .who")).to_have_count(0)
    page.get_by_label("Code").fill(code_to_type(app))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.locator("header .who")).to_have_text("owner")
    sign_out(page)

    # And with a recovery code instead of the app, once
    enter_password(page, "owner")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    sign_out(page)
    enter_password(page, "owner")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("main")).to_contain_text("Incorrect code.")

    kinds = set(SecurityEvent.objects.filter(user=owner).values_list("kind", flat=True))
    assert {"factor_added", "recovery_code_used", "reauthenticated"} <= kinds
    assert errors == []


def test_repeated_wrong_passwords_lock_the_sign_in(page, owner):
    for _ in range(4):
        enter_password(page, "owner", "not-the-password")
        expect(page.locator("main")).to_contain_text(
            "The username and/or password you specified are not correct."
        )

    enter_password(page, "owner", "not-the-password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in locked")
    enter_password(page, "owner")

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in locked")
    expect(page.locator("body")).to_contain_text("Try again in 60 minutes.")


@pytest.mark.mfa_policy
def test_register_a_passkey_and_sign_in_with_it_alone(page, policy, owner):
    errors = csp_errors(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": VIRTUAL_AUTHENTICATOR})

    # Given an officer sent to enrol after the password
    enter_password(page, "owner")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")

    # When they add a passkey (a security key that signs in alone)
    page.get_by_role("link", name="Add").click()
    confirm_with_password(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Add Security Key")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()

    # Then the key is theirs, resident in the authenticator, and the app is open to them
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery Codes")
    key = Authenticator.objects.get(user=owner, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().is_passwordless is True
    credentials = cdp.send(
        "WebAuthn.getCredentials", {"authenticatorId": authenticator["authenticatorId"]}
    )["credentials"]
    assert [credential["isResidentCredential"] for credential in credentials] == [True]
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    sign_out(page)

    # When they sign in with the passkey alone
    page.get_by_role("button", name="Sign in with a passkey").click()

    # Then they are signed in, with no password typed
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.locator("header .who")).to_have_text("owner")
    assert errors == []


def test_a_user_without_a_required_factor_signs_in_by_password(page, owner):
    # The policy is off here (development): the page says so and the password suffices.
    page.goto("/accounts/login/")
    expect(page.locator("#one-step-sign-in")).to_have_text(
        "Demo: one-step sign-in (no second factor)."
    )
    sign_in(page, owner)


@pytest.mark.mfa_policy
def test_sign_in_and_enrolment_pages_have_no_serious_accessibility_violation(
    new_context, policy, owner
):
    context = new_context()
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    found = {}

    def check(name):
        if violations := page.evaluate(RUN_AXE):
            found[name] = violations

    page.goto("/accounts/login/")
    check("sign-in")
    enter_password(page, "owner")
    check("enrolment")
    page.get_by_role("link", name="Activate").click()
    check("confirm password")
    confirm_with_password(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an authenticator app")
    check("add an app")
    app = pyotp.TOTP(page.locator("#totp-secret").inner_text().strip())
    page.get_by_label("Authenticator code").fill(code_to_type(app))
    page.get_by_role("button", name="Activate").click()
    check("recovery codes")
    page.goto("/accounts/2fa/webauthn/add/")
    check("add a key")
    page.get_by_role("button", name="Sign out").click()
    enter_password(page, "owner")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    check("code")

    assert found == {}, found
