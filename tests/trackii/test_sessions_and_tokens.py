"""Sessions a user can see and end, and API tokens with a name and an expiry
(trackii.user_sessions, trackii.tokens, the Security page at /account/security/).

Sessions are real ones: each client signs in through allauth's form, and ending a session
from another client shows on the ended client's next request. Tokens are created through
the API endpoint (with the second factor when the user has one) or the Security page
(behind a fresh confirmation with it), and used on the API."""

import datetime as dt
import importlib

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.admin_support import admin_url
from tests.mfa_support import code_to_type, give_totp, recovery_codes
from trackii import tokens, user_sessions
from trackii.models import ApiToken, SecurityEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttle_counts")]

PASSWORD = "correct horse battery staple"
LOGIN_URL = "/accounts/login/"
MFA_URL = "/accounts/2fa/authenticate/"
TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def signed_in_client(username, *, user_agent=FIREFOX, address="192.0.2.10", totp=None):
    """A browser signed in through allauth's form (and the second factor when given)."""
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    response = client.post(LOGIN_URL, {"login": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    if totp is not None:
        response = client.post(MFA_URL, {"code": totp.now()})
        assert response.status_code == 302, response.content[:300]
    assert client.session.get(SESSION_KEY)
    return client


def is_signed_in(client) -> bool:
    """The client's next page: served (signed in) or sent to sign in (ended)."""
    response = client.get(reverse("account"))
    if response.status_code == 302:
        assert response["Location"].startswith(LOGIN_URL)
        return False
    assert response.status_code == 200
    return True


def obtain(client, username, password=PASSWORD, **extra):
    return client.post(
        TOKEN_URL, {"username": username, "password": password, **extra}, "application/json"
    )


# The Security page: sessions.


def test_security_page_lists_each_session_with_device_address_and_this_session(owner):
    laptop = signed_in_client("owner", address="192.0.2.10")
    signed_in_client("owner", user_agent=PHONE, address="198.51.100.7")

    response = laptop.get(reverse("security"))
    sessions = response.context["sessions"]

    assert response.status_code == 200
    assert [(row.device, row.ip, row.current) for row in sessions] == [
        ("Firefox on Windows", "192.0.2.10", True),
        ("Safari on iPhone", "198.51.100.7", False),
    ]
    html = response.content.decode()
    assert "This session" in html
    assert f'name="session" value="{sessions[1].id}"' in html
    assert f'name="session" value="{sessions[0].id}"' not in html  # sign out instead


def test_ending_a_session_signs_it_out_on_its_next_request(owner):
    laptop = signed_in_client("owner")
    phone = signed_in_client("owner", user_agent=PHONE, address="198.51.100.7")
    phone_row = UserSession.objects.get(user=owner, user_agent=PHONE)
    assert is_signed_in(phone) is True

    ended = laptop.post(reverse("security_session_end"), {"session": phone_row.pk})

    assert ended.status_code == 302
    assert is_signed_in(phone) is False
    assert is_signed_in(laptop) is True
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.SESSION_ENDED)
    assert (event.user, event.actor, event.ip) == (owner, None, "192.0.2.10")
    assert event.detail == {
        "reason": "ended_by_user",
        "session_address": "198.51.100.7",
        "device": "Safari on iPhone",
    }


def test_a_user_cannot_end_someone_elses_session_or_a_bad_id(owner, teammate):
    mine = signed_in_client("owner")
    theirs = signed_in_client("teammate")
    their_row = UserSession.objects.get(user=teammate)

    refused = mine.post(reverse("security_session_end"), {"session": their_row.pk})
    nonsense = mine.post(reverse("security_session_end"), {"session": "x'; drop"})
    by_get = mine.get(reverse("security_session_end"), {"session": their_row.pk})

    assert refused.status_code == 302  # "already ended", nothing touched
    assert (nonsense.status_code, by_get.status_code) == (404, 405)
    assert is_signed_in(theirs) is True
    assert SecurityEvent.objects.filter(kind="session_ended").exists() is False


def test_end_all_other_sessions_asks_first_then_keeps_this_one(owner):
    laptop = signed_in_client("owner")
    phone = signed_in_client("owner", user_agent=PHONE, address="198.51.100.7")
    tablet = signed_in_client("owner", address="203.0.113.5")

    confirm = laptop.get(reverse("security_sessions_end_others"))
    assert confirm.status_code == 200
    assert [row.ip for row in confirm.context["others"]] == ["203.0.113.5", "198.51.100.7"]
    assert (is_signed_in(phone), is_signed_in(tablet)) == (True, True)

    done = laptop.post(reverse("security_sessions_end_others"))

    assert done.status_code == 302
    assert (is_signed_in(phone), is_signed_in(tablet), is_signed_in(laptop)) == (
        False,
        False,
        True,
    )
    assert SecurityEvent.objects.filter(kind="session_ended", user=owner).count() == 2


def test_a_session_no_row_tracks_yet_is_ended_as_well(owner, teammate, lead):
    """A session signed in before tracking began (no ``UserSession``) is found in the
    session table."""
    untracked = Client()
    untracked.force_login(owner)  # no request yet: no row
    other_user = Client()
    other_user.force_login(teammate)
    assert UserSession.objects.filter(user=owner).exists() is False

    ended = user_sessions.end_all_sessions(owner, actor=lead, reason="ended_by_lead")

    assert ended == 1
    assert is_signed_in(untracked) is False
    assert is_signed_in(other_user) is True


def test_sign_out_records_the_end_of_the_session(owner):
    laptop = signed_in_client("owner")

    laptop.post(reverse("account_logout"))

    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.SESSION_ENDED)
    assert (event.user, event.detail) == (owner, {"reason": "signed_out"})
    assert UserSession.objects.filter(user=owner).exists() is False


def test_activity_is_written_at_most_once_a_minute(owner):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        laptop = signed_in_client("owner")
        row = UserSession.objects.get(user=owner)
        clock.shift(dt.timedelta(seconds=30))
        laptop.get(reverse("account"))
        row.refresh_from_db()
        assert row.last_seen_at == start
        clock.shift(dt.timedelta(seconds=31))
        laptop.get(reverse("account"))
        row.refresh_from_db()
        assert row.last_seen_at == start + dt.timedelta(seconds=61)


# A lead's or an admin's "sign out everywhere".


def test_a_lead_signs_a_team_member_out_everywhere(owner, lead):
    lead_client = signed_in_client("lead")
    laptop = signed_in_client("owner")
    phone = signed_in_client("owner", user_agent=PHONE, address="198.51.100.7")
    key = tokens.create_token(owner, name="Sync").key

    team = lead_client.get(reverse("security_team"))
    confirm = lead_client.get(reverse("security_sign_out_user"), {"user": owner.pk})
    assert [member.username for member in team.context["members"]] == ["owner"]
    assert confirm.status_code == 200
    assert (is_signed_in(laptop), is_signed_in(phone)) == (True, True)

    done = lead_client.post(reverse("security_sign_out_user"), {"user": owner.pk})

    assert done.status_code == 302
    assert (is_signed_in(laptop), is_signed_in(phone)) == (False, False)
    refused = Client().get(ME_URL, HTTP_AUTHORIZATION=f"Token {key}")
    assert refused.status_code == 401
    events = SecurityEvent.objects.filter(user=owner, actor=lead)
    assert sorted(events.values_list("kind", flat=True)) == [
        "session_ended",
        "session_ended",
        "token_revoked",
    ]
    assert {event.detail["reason"] for event in events} == {"ended_by_lead"}
    assert is_signed_in(lead_client) is True


def test_a_lead_cannot_sign_out_outside_their_teams_nor_an_admin_and_officers_cannot(
    owner, outsider, lead, teammate, press_team
):
    team_admin = factories.UserFactory(username="team-admin", roles=["admin"], teams=[press_team])
    lead_client = signed_in_client("lead")
    officer_client = signed_in_client("teammate")
    victims = {user.username: signed_in_client(user.username) for user in (outsider, team_admin)}

    outside = lead_client.post(reverse("security_sign_out_user"), {"user": outsider.pk})
    admin_refused = lead_client.post(reverse("security_sign_out_user"), {"user": team_admin.pk})
    officer = officer_client.post(reverse("security_sign_out_user"), {"user": owner.pk})
    officer_team = officer_client.get(reverse("security_team"))

    assert (outside.status_code, admin_refused.status_code) == (404, 404)
    assert (officer.status_code, officer_team.status_code) == (403, 403)
    assert all(is_signed_in(client) for client in victims.values())
    assert SecurityEvent.objects.filter(kind="session_ended").exists() is False


def test_an_admin_signs_anyone_out_from_the_admins_user_list(admin_user, outsider):
    admin_client = Client()
    admin_client.force_login(admin_user)
    outsider_client = signed_in_client("outsider")
    tokens.create_token(outsider, name="Sync")
    User = type(outsider)

    response = admin_client.post(
        admin_url(User, "changelist"),
        {"action": "sign_out_selected", "_selected_action": [outsider.pk, admin_user.pk]},
    )

    assert response.status_code == 302
    assert is_signed_in(outsider_client) is False
    assert ApiToken.objects.filter(user=outsider).exists() is False
    assert is_signed_in(admin_client) is True  # the admin's own sessions are skipped
    assert set(
        SecurityEvent.objects.filter(actor=admin_user).values_list("kind", "detail__reason")
    ) == {("session_ended", "ended_by_admin"), ("token_revoked", "ended_by_admin")}


# API tokens: the endpoint.


def test_several_named_tokens_per_user_each_with_its_expiry(owner, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 30
    now = timezone.now().replace(microsecond=0)
    with time_machine.travel(now, tick=False):
        first = obtain(Client(), "owner", name="Newsroom sync").json()
        second = obtain(Client(), "owner").json()

    assert (first["name"], second["name"]) == ("Newsroom sync", "API token")
    assert first["token"] != second["token"]
    assert ApiToken.objects.filter(user=owner).count() == 2
    assert dt.datetime.fromisoformat(first["expires_at"]) == now + dt.timedelta(days=30)
    for key in (first["token"], second["token"]):
        assert Client().get(ME_URL, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    created = SecurityEvent.objects.filter(kind="token_created", user=owner)
    assert sorted(created.values_list("detail__name", flat=True)) == ["API token", "Newsroom sync"]
    assert first["token"] not in str(list(created.values_list("detail", flat=True)))


def test_an_expired_token_is_refused_with_401_token_expired(owner):
    issued = tokens.create_token(owner, name="Sync")

    with time_machine.travel(issued.token.expires_at - dt.timedelta(seconds=1)):
        before = Client().get(ME_URL, HTTP_AUTHORIZATION=f"Token {issued.key}")
    with time_machine.travel(issued.token.expires_at + dt.timedelta(seconds=1)):
        after = Client().get(ME_URL, HTTP_AUTHORIZATION=f"Token {issued.key}")

    assert before.status_code == 200
    assert after.status_code == 401
    assert after.json() == {
        "status": 401,
        "code": "authentication_failed",
        "detail": "Token expired.",
        "fields": {},
    }


def test_last_used_is_written_at_most_once_a_minute(owner):
    issued = tokens.create_token(owner, name="Sync")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        Client().get(ME_URL, HTTP_AUTHORIZATION=f"Token {issued.key}")
        issued.token.refresh_from_db()
        assert issued.token.last_used_at == start
        clock.shift(dt.timedelta(seconds=59))
        Client().get(ME_URL, HTTP_AUTHORIZATION=f"Token {issued.key}")
        issued.token.refresh_from_db()
        assert issued.token.last_used_at == start
        clock.shift(dt.timedelta(seconds=2))
        Client().get(ME_URL, HTTP_AUTHORIZATION=f"Token {issued.key}")
        issued.token.refresh_from_db()
        assert issued.token.last_used_at == start + dt.timedelta(seconds=61)


def test_a_user_with_a_second_factor_must_send_a_valid_otp(owner):
    app = give_totp(owner)

    missing = obtain(Client(), "owner")
    wrong = obtain(Client(), "owner", otp="000000" if app.now() != "000000" else "111111")
    right = obtain(Client(), "owner", otp=code_to_type(app, margin=2))

    assert missing.status_code == 400
    assert missing.json()["fields"] == {
        "otp": [
            "Your account has a second factor (or your role requires one): send a code from "
            "your authenticator app, or a recovery code, as otp."
        ]
    }
    assert wrong.status_code == 400
    assert wrong.json()["fields"] == {"otp": ["Incorrect code."]}
    assert right.status_code == 200
    assert ApiToken.objects.filter(user=owner).count() == 1
    # The wrong code counts towards django-axes' lockout like a wrong password.
    assert AccessAttempt.objects.get(username="owner").failures_since_start == 1
    failed = SecurityEvent.objects.get(kind="sign_in_failed")
    assert (failed.user, failed.detail["stage"]) == (owner, "second_factor")


def test_a_recovery_code_creates_a_token_once(owner):
    give_totp(owner)
    code = recovery_codes(owner)[0]

    first = obtain(Client(), "owner", otp=code)
    again = obtain(Client(), "owner", otp=code)

    assert first.status_code == 200
    assert again.status_code == 400
    assert code not in recovery_codes(owner)
    assert SecurityEvent.objects.get(kind="recovery_code_used").user == owner


@pytest.mark.mfa_policy
def test_a_role_that_requires_a_factor_gets_no_token_before_enrolling(owner, settings):
    settings.MFA_REQUIRED_ROLES = ("officer",)

    response = obtain(Client(), "owner", otp="123456")

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "otp": [
            "Your role requires a second factor: add one on the web (Sign-in security) "
            "before creating a token."
        ]
    }
    assert ApiToken.objects.exists() is False


def test_a_user_without_a_factor_whose_role_needs_none_gets_a_token_by_password(owner):
    response = obtain(Client(), "owner", otp="")

    assert response.status_code == 200


def test_revoking_through_the_api_records_it(owner):
    key = obtain(Client(), "owner", name="Sync").json()["token"]

    response = Client().post("/api/v1/auth/token/revoke/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 204
    event = SecurityEvent.objects.get(kind="token_revoked")
    assert (event.user, event.detail["name"], event.detail["reason"]) == (
        owner,
        "Sync",
        "revoked_by_api",
    )


# API tokens: the Security page.


def test_a_new_token_on_the_web_asks_for_the_second_factor_again_then_shows_the_key_once(
    owner,
):
    app = give_totp(owner)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        browser = signed_in_client("owner", totp=app)
        clock.shift(dt.timedelta(minutes=16))  # the sign-in no longer counts as recent

        asked = browser.get(reverse("security_token_new"))
        assert asked.status_code == 302
        assert asked["Location"].startswith("/accounts/reauthenticate/") or asked[
            "Location"
        ].startswith("/accounts/2fa/reauthenticate/")
        clock.shift(dt.timedelta(seconds=31))  # a fresh TOTP code
        confirmed = browser.post(
            "/accounts/2fa/reauthenticate/?next=" + reverse("security_token_new"),
            {"code": code_to_type(app, margin=2)},
        )
        assert confirmed.status_code == 302
        form = browser.get(reverse("security_token_new"))
        created = browser.post(reverse("security_token_new"), {"name": "Newsroom sync"})
        listing = browser.get(reverse("security"))

    assert form.status_code == 200
    assert created.status_code == 200
    key = created.context["issued"].key
    assert key in created.content.decode()
    token = ApiToken.objects.get(user=owner)
    assert (token.name, token.digest) == ("Newsroom sync", tokens.digest(key))
    assert "Newsroom sync" in listing.content.decode()
    assert key not in listing.content.decode()
    assert Client().get(ME_URL, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    assert SecurityEvent.objects.get(kind="token_created").detail["via"] == "web"


def test_a_token_name_is_required_on_the_web(client, owner):
    client.force_login(owner)

    response = client.post(reverse("security_token_new"), {"name": ""})

    assert response.status_code == 200
    assert response.context["form"].errors == {"name": ["This field is required."]}
    assert ApiToken.objects.exists() is False


def test_revoking_a_token_on_the_web_refuses_its_next_use(client, owner, teammate):
    mine = tokens.create_token(owner, name="Mine")
    theirs = tokens.create_token(teammate, name="Theirs")
    client.force_login(owner)

    foreign = client.post(reverse("security_token_revoke"), {"token": theirs.token.pk})
    revoked = client.post(reverse("security_token_revoke"), {"token": mine.token.pk})

    assert (foreign.status_code, revoked.status_code) == (404, 302)
    assert Client().get(ME_URL, HTTP_AUTHORIZATION=f"Token {mine.key}").status_code == 401
    assert Client().get(ME_URL, HTTP_AUTHORIZATION=f"Token {theirs.key}").status_code == 200
    event = SecurityEvent.objects.get(kind="token_revoked")
    assert (event.user, event.detail["reason"]) == (owner, "revoked_by_user")


def test_the_security_page_lists_tokens_by_name_with_expired_ones_marked(client, owner):
    fresh = tokens.create_token(owner, name="Fresh")
    old = tokens.create_token(owner, name="Old")
    ApiToken.objects.filter(pk=old.token.pk).update(expires_at=timezone.now())
    client.force_login(owner)

    response = client.get(reverse("security"))

    rows = [(row["token"].name, row["expired"]) for row in response.context["tokens"]]
    assert sorted(rows) == [("Fresh", False), ("Old", True)]
    assert fresh.key not in response.content.decode()
    assert "Expired" in response.content.decode()


# Tokens from before names (Django REST framework's authtoken table).


def test_the_migration_keeps_old_tokens_working_as_digests(owner):
    legacy_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz, "
            "user_id bigint)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)",
            [legacy_key, timezone.now(), owner.pk],
        )
    migration = importlib.import_module("trackii.migrations.0005_sessions_and_tokens")
    from django.apps import apps

    with connection.schema_editor() as editor:
        migration.copy_legacy_tokens(apps, editor)

    token = ApiToken.objects.get(user=owner)
    assert (token.name, token.digest) == ("Token from before names", tokens.digest(legacy_key))
    assert Client().get(ME_URL, HTTP_AUTHORIZATION=f"Token {legacy_key}").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)


def test_ended_sessions_leave_no_session_row(owner):
    laptop = signed_in_client("owner")
    key = laptop.session.session_key

    user_sessions.end_all_sessions(owner, actor=None, reason="ended_by_admin")

    assert Session.objects.filter(session_key=key).exists() is False
