"""The security audit trail (trackii.models.SecurityEvent): its one writer
(trackii.security_events.record) and its read-only admin."""

import pytest
from django.test import RequestFactory

from tests import factories
from tests.admin_support import admin_url, make_staff
from trackii.models import SecurityEvent
from trackii.security_events import record

pytestmark = pytest.mark.django_db


def test_record_keeps_the_request_address_and_user_agent(owner, admin_user):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT="Firefox/" + "x" * 500
    )

    event = record(
        SecurityEvent.Kind.FACTORS_RESET,
        user=owner,
        actor=admin_user,
        request=request,
        types=["totp"],
    )

    event.refresh_from_db()
    assert event.kind == "factors_reset"
    assert event.user == owner
    assert event.actor == admin_user
    assert event.ip == "192.0.2.7"
    assert event.user_agent == ("Firefox/" + "x" * 500)[:200]
    assert event.detail == {"types": ["totp"]}


def test_record_without_request_or_user_stores_no_address(db):
    event = record("sign_in_failed", username_given=True)

    assert (event.user, event.actor, event.ip, event.user_agent) == (None, None, None, "")


def test_record_refuses_an_unknown_kind_and_a_secret_in_the_detail(owner):
    with pytest.raises(ValueError, match="signed_in_somehow"):
        record("signed_in_somehow", user=owner)
    with pytest.raises(ValueError, match="no secret"):
        record(SecurityEvent.Kind.SIGN_IN_FAILED, user=owner, password="hunter2")
    assert SecurityEvent.objects.exists() is False


def test_record_drops_an_address_that_is_not_one(owner, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="not-an-address")

    assert record("sign_in", user=owner, request=request).ip is None


def test_deleting_a_user_keeps_their_trail(owner, admin_user):
    event = record("factors_reset", user=owner, actor=admin_user)

    owner.delete()

    event.refresh_from_db()
    assert (event.user, event.actor) == (None, admin_user)


def test_admin_lists_filters_and_searches_but_never_edits(client, owner, lead, admin_user):
    record("sign_in", user=owner)
    record("lockout", user=lead)
    client.force_login(admin_user)

    everything = client.get(admin_url(SecurityEvent, "changelist"))
    lockouts = client.get(admin_url(SecurityEvent, "changelist"), {"kind__exact": "lockout"})
    by_name = client.get(admin_url(SecurityEvent, "changelist"), {"q": "owner"})
    event = SecurityEvent.objects.get(kind="sign_in")
    change = client.get(admin_url(SecurityEvent, "change", event.pk))
    post = client.post(admin_url(SecurityEvent, "change", event.pk), {"kind": "lockout"})
    delete = client.post(admin_url(SecurityEvent, "delete", event.pk), {"post": "yes"})

    assert everything.context["cl"].result_count == 2
    assert [e.kind for e in lockouts.context["cl"].result_list] == ["lockout"]
    assert [e.user for e in by_name.context["cl"].result_list] == [owner]
    assert change.status_code == 200
    assert change.context["has_change_permission"] is False
    assert post.status_code == 403
    assert delete.status_code == 403
    assert SecurityEvent.objects.get(pk=event.pk).kind == "sign_in"


def test_admin_trail_is_shown_to_admins_only(client, lead):
    make_staff(lead)
    role_admin = make_staff(factories.UserFactory(username="role-admin", roles=["admin"]))

    client.force_login(lead)
    refused = client.get(admin_url(SecurityEvent, "changelist"))
    client.force_login(role_admin)
    allowed = client.get(admin_url(SecurityEvent, "changelist"))

    assert refused.status_code == 403
    assert allowed.status_code == 200
