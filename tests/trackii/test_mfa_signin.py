"""Signing in through allauth (trackii.accounts, templates/account/login.html): username and
password, then the second factor if the user has one; recovery codes once each; django-axes
still locks out through the new form; no sign-up; the admin signs in the same way."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.mfa_support import code_to_type, give_totp, recovery_codes
from trackii.models import SecurityEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttle_counts")]

PASSWORD = "correct horse battery staple"
WRONG_PASSWORD = "not-the-password"
LOGIN_URL = "/accounts/login/"
MFA_URL = "/accounts/2fa/authenticate/"


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN_URL, {"login": username, "password": password, **extra})


def signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


def _inline_scripts(html: str) -> list[str]:
    tags = re.findall(r"<script\b[^>]*>", html)
    return [tag for tag in tags if "src=" not in tag and 'type="application/json"' not in tag]


# The page.


def test_sign_in_page_labels_its_fields_and_runs_no_inline_script(client):
    response = client.get(LOGIN_URL)
    html = response.content.decode()

    assert response.status_code == 200
    assert "<h1>Sign in to Track II</h1>" in html
    assert '<label for="id_login">Username:</label>' in html
    assert '<label for="id_password">Password:</label>' in html
    assert 'id="passkey_login"' in html
    assert "/static/mfa/js/webauthn.js" in html
    assert _inline_scripts(html) == []
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    # No sign-up: admins make the accounts.
    assert "sign up" not in html.lower()


def test_sign_in_page_says_plainly_when_no_second_factor_is_asked(client, settings):
    settings.MFA_REQUIRED_ROLES = ()
    demo = client.get(LOGIN_URL).content.decode()
    settings.MFA_REQUIRED_ROLES = ("officer",)
    policy = client.get(LOGIN_URL).content.decode()

    assert "Demo: one-step sign-in (no second factor)." in demo
    assert "Demo: one-step sign-in" not in policy


def test_old_sign_in_address_redirects_with_its_next(client):
    response = client.get("/login/?next=/contacts/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/contacts/"


def test_a_page_sends_a_signed_out_visitor_to_the_sign_in_page(client):
    response = client.get("/contacts/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/contacts/"


# Password only (a user without a factor).


def test_user_without_a_factor_signs_in_with_the_password(client, owner):
    response = sign_in(client, "owner", next="/contacts/")

    assert response.status_code == 302
    assert response["Location"] == "/contacts/"
    assert signed_in_user_id(client) == str(owner.pk)


def test_wrong_password_is_refused_with_a_form_error(client, owner):
    response = sign_in(client, "owner", WRONG_PASSWORD)

    assert response.status_code == 200
    assert "The username and/or password you specified are not correct." in (
        response.content.decode()
    )
    assert signed_in_user_id(client) is None


def test_sign_in_posts_nothing_but_the_form_and_a_blank_form_is_a_form_error(client, owner):
    response = client.post(LOGIN_URL, {})

    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"login", "password"}


# Password, then the second factor.


def test_user_with_an_app_is_asked_for_its_code_after_the_password(client, owner):
    app = give_totp(owner)

    after_password = sign_in(client, "owner", next="/contacts/")
    assert after_password.status_code == 302
    assert after_password["Location"].startswith(MFA_URL)
    assert signed_in_user_id(client) is None
    assert client.get("/contacts/").status_code == 302  # not signed in yet

    after_code = client.post(MFA_URL, {"code": code_to_type(app, margin=2)})

    assert after_code.status_code == 302
    assert after_code["Location"] == "/contacts/"
    assert signed_in_user_id(client) == str(owner.pk)


def test_a_wrong_code_is_refused_and_signs_nobody_in(client, owner):
    app = give_totp(owner)
    sign_in(client, "owner")
    wrong = f"{(int(app.now()) + 1) % 1_000_000:06d}"

    response = client.post(MFA_URL, {"code": wrong})

    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert signed_in_user_id(client) is None


def test_a_recovery_code_signs_in_once(client, owner):
    give_totp(owner)
    code = recovery_codes(owner)[0]

    sign_in(client, "owner")
    first = client.post(MFA_URL, {"code": code})
    assert first.status_code == 302
    assert signed_in_user_id(client) == str(owner.pk)

    again = Client()
    sign_in(again, "owner")
    second = again.post(MFA_URL, {"code": code})

    assert second.status_code == 200
    assert "Incorrect code." in second.content.decode()
    assert signed_in_user_id(again) is None
    assert code not in recovery_codes(owner)
    used = SecurityEvent.objects.get(kind=SecurityEvent.Kind.RECOVERY_CODE_USED)
    assert (used.user, used.detail["unused_codes_left"]) == (owner, 9)
    assert code not in str(used.detail)


# Lockout (django-axes) through allauth's form.


def test_axes_locks_out_through_the_sign_in_form_even_with_the_right_password(client, owner):
    failures = [sign_in(client, "owner", WRONG_PASSWORD) for _ in range(5)]
    locked = sign_in(client, "owner", PASSWORD)

    assert [failure.status_code for failure in failures] == [200, 200, 200, 200, 429]
    assert locked.status_code == 429
    assert "Try again in 60 minutes." in locked.content.decode()
    assert locked["Retry-After"] == "3600"
    assert signed_in_user_id(client) is None
    attempt = AccessAttempt.objects.get(username="owner", ip_address="127.0.0.1")
    assert attempt.failures_since_start == 6
    assert PASSWORD not in attempt.post_data


def test_below_the_limit_the_right_password_still_signs_in(client, owner):
    for _ in range(4):
        sign_in(client, "owner", WRONG_PASSWORD)

    response = sign_in(client, "owner")

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(owner.pk)


# No sign-up; the admin signs in here.


def test_nobody_signs_up(client):
    page = client.get("/accounts/signup/")
    post = client.post(
        "/accounts/signup/",
        {"username": "newcomer", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert "Sign Up Closed" in page.content.decode()
    assert post.status_code == 200
    assert get_user_model().objects.filter(username="newcomer").exists() is False


def test_admin_sign_in_goes_through_the_app_sign_in(client):
    response = client.get(reverse("admin:login") + "?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=%2Fadmin%2F"


def test_admin_reached_after_password_and_code(client, admin_user):
    app = give_totp(admin_user)

    sign_in(client, "admin", next="/admin/")
    before_code = client.get("/admin/")
    client.post(MFA_URL, {"code": code_to_type(app, margin=2)})
    after_code = client.get("/admin/")

    assert before_code.status_code == 302
    assert after_code.status_code == 200


def test_a_signed_in_user_who_is_not_staff_is_refused_the_admin_sign_in(client, owner):
    client.force_login(owner)

    assert client.get(reverse("admin:login")).status_code == 403


def test_sign_out_ends_the_session(client, owner):
    client.force_login(owner)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert signed_in_user_id(client) is None


def test_an_inactive_user_is_refused(client):
    factories.UserFactory(username="gone", is_active=False)

    response = sign_in(client, "gone")

    assert signed_in_user_id(client) is None
    assert response.status_code == 200


# Password reset by e-mail.


def test_a_reset_link_is_mailed_and_the_new_password_still_asks_for_the_factor(
    client, owner, mailoutbox
):
    give_totp(owner)

    asked = client.post("/accounts/password/reset/", {"email": owner.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@mission.example"})

    assert (asked.status_code, unknown.status_code) == (302, 302)
    assert [message.to for message in mailoutbox] == [[owner.email]]
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mailoutbox[0].body)
    # allauth moves the key out of the address before showing the form.
    set_password_url = client.get(link.group(1))["Location"]
    assert set_password_url.endswith("-set-password/")
    new_password = "a fresh and long passphrase"
    changed = client.post(set_password_url, {"password1": new_password, "password2": new_password})
    assert changed.status_code == 302
    assert signed_in_user_id(client) is None

    response = sign_in(client, "owner", new_password)

    assert response["Location"].startswith(MFA_URL)
    assert signed_in_user_id(client) is None
