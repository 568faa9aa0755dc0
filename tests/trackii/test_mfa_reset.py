"""An admin resets a user's second factors (a lost phone or key) from the admin's user list
(trackii.admin, trackii.mfa_policy.reset_factors): superusers and admins only, confirmed
like every sensitive action, and written to the security trail with who did it."""

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from tests import factories
from tests.admin_support import admin_url, make_staff
from tests.mfa_support import give_totp
from trackii import mfa_policy
from trackii.models import SecurityEvent

pytestmark = pytest.mark.django_db

User = get_user_model()


def _reset(client, *users):
    return client.post(
        admin_url(User, "changelist"),
        {"action": "reset_factors_selected", "_selected_action": [user.pk for user in users]},
    )


def test_a_superuser_resets_a_users_factors_and_it_is_recorded(client, admin_user, owner):
    give_totp(owner)
    client.force_login(admin_user)

    response = _reset(client, owner)

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=owner).exists() is False
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.FACTORS_RESET)
    assert (event.user, event.actor) == (owner, admin_user)
    assert event.detail == {"types": ["recovery_codes", "totp"], "count": 2}
    assert event.ip == "127.0.0.1"


def test_an_admin_who_is_not_a_superuser_resets_too(client, owner):
    give_totp(owner)
    role_admin = make_staff(factories.UserFactory(username="role-admin", roles=["admin"]))
    client.force_login(role_admin)

    page = client.get(admin_url(User, "changelist"))
    _reset(client, owner)

    assert "reset_factors_selected" in page.content.decode()
    assert Authenticator.objects.filter(user=owner).exists() is False
    assert SecurityEvent.objects.get(kind="factors_reset").actor == role_admin


def test_other_staff_are_not_offered_the_reset_and_cannot_post_it(client, owner, planner):
    give_totp(owner)
    make_staff(planner)  # planners view users in the admin
    client.force_login(planner)

    page = client.get(admin_url(User, "changelist"))
    _reset(client, owner)

    assert page.status_code == 200
    assert "reset_factors_selected" not in page.content.decode()
    assert Authenticator.objects.filter(user=owner).count() == 2
    assert SecurityEvent.objects.filter(kind="factors_reset").exists() is False


def test_the_service_refuses_anyone_but_an_admin(owner, lead):
    give_totp(owner)

    with pytest.raises(PermissionDenied):
        mfa_policy.reset_factors(user=owner, actor=lead)

    assert Authenticator.objects.filter(user=owner).count() == 2


def test_a_user_without_factors_is_reset_with_nothing_recorded(admin_user, owner):
    assert mfa_policy.reset_factors(user=owner, actor=admin_user) == 0
    assert SecurityEvent.objects.exists() is False


def test_the_reset_is_a_sensitive_action(client, admin_user, owner):
    give_totp(owner)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(admin_user)
        clock.shift(timedelta(minutes=16))

        response = _reset(client, owner)

    assert response["Location"].startswith("/accounts/reauthenticate/?next=")
    assert Authenticator.objects.filter(user=owner).count() == 2


@pytest.mark.mfa_policy
def test_after_a_reset_the_user_is_sent_to_enrol_again(client, settings, admin_user, owner):
    settings.MFA_REQUIRED_ROLES = ("officer",)
    give_totp(owner)
    users_browser = Client()
    users_browser.force_login(owner)
    assert users_browser.get("/contacts/").status_code == 200
    client.force_login(admin_user)

    _reset(client, owner)

    assert users_browser.get("/contacts/")["Location"] == "/accounts/2fa/"
