"""Sensitive actions ask the user to confirm who they are when their last confirmation is
older than 15 minutes (trackii.security.sensitive_action, allauth's reauthentication): a
protected contact's notes, granting access, the indicators' exports, the admin's export
and erasure of a contact, and the reset of a user's factors. A user with a second factor
confirms with it, never with the password alone."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, Grant, Sensitivity
from tests import factories
from tests.admin_support import admin_url
from tests.mfa_support import code_to_type, give_totp, recovery_codes
from trackii.models import SecurityEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttle_counts")]

PASSWORD = "correct horse battery staple"
NOTES = "Met her brother at the ministry; never call her office line."
PASSWORD_CONFIRM = "/accounts/reauthenticate/"
FACTOR_CONFIRM = "/accounts/2fa/reauthenticate/"
WITHIN = timedelta(minutes=14)
AFTER = timedelta(minutes=16)


@pytest.fixture
def protected(owner):
    return factories.ContactFactory(
        full_name="Pavel Protectedov", owner=owner, sensitivity=Sensitivity.PROTECTED, notes=NOTES
    )


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def _grant(client, contact, user):
    return client.post(reverse("contacts:grant_add", args=[contact.pk]), {"user": user.pk})


# Granting access.


def test_granting_within_15_minutes_of_signing_in_needs_no_confirmation(
    client, clock, owner, grantee, protected
):
    client.force_login(owner)
    clock.shift(WITHIN)

    response = _grant(client, protected, grantee)

    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=[protected.pk])
    assert Grant.objects.filter(contact=protected, user=grantee).exists()


def test_granting_later_asks_for_the_password_then_grants(client, clock, owner, grantee, protected):
    client.force_login(owner)
    clock.shift(AFTER)

    asked = _grant(client, protected, grantee)
    assert asked.status_code == 302
    assert asked["Location"].startswith(PASSWORD_CONFIRM + "?next=")
    assert Grant.objects.exists() is False

    wrong = client.post(asked["Location"], {"password": "not-the-password"})
    assert wrong.status_code == 200
    assert Grant.objects.exists() is False

    confirmed = client.post(asked["Location"], {"password": PASSWORD})

    # The kept request ran once confirmed: the grant is made, the user is on the contact.
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("contacts:detail", args=[protected.pk])
    assert Grant.objects.filter(contact=protected, user=grantee, granted_by=owner).exists()
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.REAUTHENTICATED, user=owner, detail__method="password"
    ).exists()

    # The confirmation holds for 15 minutes, then it is asked again.
    clock.shift(WITHIN)
    other = factories.UserFactory(username="other", roles=["officer"])
    assert _grant(client, protected, other)["Location"].endswith(f"/contacts/{protected.pk}/")
    clock.shift(AFTER)
    third = factories.UserFactory(username="third", roles=["officer"])
    assert _grant(client, protected, third)["Location"].startswith(PASSWORD_CONFIRM)


def test_a_user_with_an_app_confirms_with_its_code_not_the_password(
    client, clock, owner, grantee, protected
):
    app = give_totp(owner)
    client.force_login(owner)  # a password alone: not a confirmation for this user

    asked = _grant(client, protected, grantee)
    password_page = client.get(PASSWORD_CONFIRM + "?next=/")
    by_password = client.post(PASSWORD_CONFIRM + "?next=/", {"password": PASSWORD})
    still_asked = _grant(client, protected, grantee)
    wrong_code = client.post(asked["Location"], {"code": "000000"})
    assert Grant.objects.exists() is False

    confirmed = client.post(asked["Location"], {"code": code_to_type(app, margin=2)})

    assert asked["Location"].startswith(FACTOR_CONFIRM + "?next=")
    # allauth's password page is not offered to this user: it sends them to the factor's.
    assert password_page["Location"] == f"{FACTOR_CONFIRM}?next=%2F"
    assert by_password["Location"] == f"{FACTOR_CONFIRM}?next=%2F"
    assert still_asked["Location"].startswith(FACTOR_CONFIRM)
    assert wrong_code.status_code == 200
    assert "Incorrect code." in wrong_code.content.decode()
    assert confirmed.status_code == 302
    assert Grant.objects.filter(contact=protected, user=grantee).exists()
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.REAUTHENTICATED, user=owner, detail__type="totp"
    ).exists()


def test_a_recovery_code_confirms_once(client, clock, owner, grantee, protected):
    give_totp(owner)
    code = recovery_codes(owner)[0]
    client.force_login(owner)
    asked = _grant(client, protected, grantee)

    first = client.post(asked["Location"], {"code": code})
    clock.shift(AFTER)
    other = factories.UserFactory(username="other", roles=["officer"])
    asked_again = _grant(client, protected, other)
    second = client.post(asked_again["Location"], {"code": code})

    assert first.status_code == 302
    assert Grant.objects.filter(user=grantee).exists()
    assert second.status_code == 200
    assert "Incorrect code." in second.content.decode()
    assert Grant.objects.filter(user=other).exists() is False


# A protected contact's notes.


def test_protected_notes_are_shown_only_after_a_recent_confirmation(
    client, clock, owner, protected
):
    standard = factories.ContactFactory(owner=owner, notes="Standard notes.")
    client.force_login(owner)
    detail = reverse("contacts:detail", args=[protected.pk])

    fresh = client.get(detail).content.decode()
    clock.shift(AFTER)
    later = client.get(detail).content.decode()
    standard_later = client.get(reverse("contacts:detail", args=[standard.pk])).content.decode()
    client.post(f"{PASSWORD_CONFIRM}?next={detail}", {"password": PASSWORD})
    confirmed = client.get(detail).content.decode()

    assert NOTES in fresh
    assert NOTES not in later
    assert "Notes hidden" in later
    assert f'href="{PASSWORD_CONFIRM}?next=%2Fcontacts%2F{protected.pk}%2F"' in later
    assert "Standard notes." in standard_later
    assert NOTES in confirmed


def test_protected_notes_need_the_factor_of_a_user_who_has_one(client, owner, protected):
    app = give_totp(owner)
    client.force_login(owner)
    detail = reverse("contacts:detail", args=[protected.pk])

    hidden = client.get(detail).content.decode()
    client.post(f"{FACTOR_CONFIRM}?next={detail}", {"code": code_to_type(app, margin=2)})
    shown = client.get(detail).content.decode()

    assert NOTES not in hidden
    assert f'href="{FACTOR_CONFIRM}?next=' in hidden
    assert NOTES in shown


# Exports.


def test_indicator_export_is_asked_to_confirm_after_15_minutes(client, clock, lead):
    client.force_login(lead)
    url = reverse("dashboard_export_csv")

    fresh = client.get(url)
    clock.shift(AFTER)
    later = client.get(url)
    confirmed = client.post(later["Location"], {"password": PASSWORD})

    assert fresh.status_code == 200
    assert fresh["Content-Type"].startswith("text/csv")
    assert later.status_code == 302
    assert later["Location"] == f"{PASSWORD_CONFIRM}?next=%2Findicators%2Fexport.csv"
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/indicators/export.csv"
    assert client.get(url).status_code == 200


def test_admin_export_and_erasure_are_asked_to_confirm(client, clock, admin_user, protected):
    client.force_login(admin_user)
    changelist = admin_url(Contact, "changelist")
    clock.shift(AFTER)

    export = client.post(
        changelist, {"action": "export_selected", "_selected_action": [protected.pk]}
    )
    erase = client.post(
        changelist,
        {
            "action": "erase_selected",
            "_selected_action": [protected.pk],
            "confirmed": "yes",
            "reason": "asked",
        },
    )
    protected.refresh_from_db()

    assert export.status_code == 302
    assert export["Location"].startswith(PASSWORD_CONFIRM)
    assert erase["Location"].startswith(PASSWORD_CONFIRM)
    assert protected.erased_at is None

    # Confirming runs the kept erasure.
    client.post(erase["Location"], {"password": PASSWORD})
    protected.refresh_from_db()
    assert protected.erased_at is not None
