"""The Django admin as a whole: every registered model renders for a superuser, the role
permissions given after migrations, and the API token admin (``trackii/admin.py``)."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.apps import apps as django_apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from contacts.models import (
    AccessLog,
    Contact,
    ContactMerge,
    DuplicatePair,
    ErasureRecord,
    Grant,
    ImportRow,
    RecordedMonth,
)
from events.models import EventReminder
from tests import factories
from tests.admin_support import admin_url, view_only_staff
from trackii.models import ApiToken, SecurityEvent
from trackii.permissions import ROLE_PERMISSIONS, sync_role_permissions
from trackii.tokens import create_token

OUR_APPS = {"contacts", "events"}


# Every registered model renders for a superuser.


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda model: model._meta.label_lower
)
def test_superuser_renders_changelist_add_and_change_page(client, admin_user, admin_network, model):
    client.force_login(admin_user)
    rows = model._default_manager.order_by("pk")
    if model._meta.app_label in OUR_APPS:
        assert rows.exists() is True
    listed = rows.count()  # before the page, which logs the protected contacts it shows

    changelist = client.get(admin_url(model, "changelist"))
    add_page = client.get(admin_url(model, "add"))

    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == listed
    # Audit rows, API tokens and single sign-on links are written by the application only:
    # no add page, even for superusers.
    assert add_page.status_code == (
        403
        if model
        in (
            AccessLog,
            ErasureRecord,
            Grant,
            EventReminder,
            RecordedMonth,
            SecurityEvent,
            ApiToken,
            SocialAccount,
            ContactMerge,
            DuplicatePair,
            ImportRow,  # rows come from an uploaded file (ImportBatch's add page)
        )
        else 200
    )
    if rows.exists():
        assert client.get(admin_url(model, "change", rows.first().pk)).status_code == 200


# Role permissions, given after migrations.


def _codenames(role):
    permissions = Group.objects.get(name=role).permissions.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def _every(action, app_labels):
    permissions = Permission.objects.filter(
        content_type__app_label__in=app_labels, codename__startswith=f"{action}_"
    ).select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def test_officer_permissions_after_migrations(db):
    edited = ["contact", "affiliation", "channel", "exchange", "grant", "reminder"]
    expected = (
        {f"contacts.{action}_{model}" for action in ("view", "add", "change") for model in edited}
        | {f"indicators.{action}_signal" for action in ("view", "add", "change")}
        | {
            "contacts.view_organization",
            "contacts.view_climate",
            "events.view_event",
            "events.view_programme",
            "auth.view_user",
        }
    )

    assert _codenames("officer") == expected


def test_planner_permissions_after_migrations(db):
    expected = {
        f"{app}.{action}_{model}"
        for action in ("view", "add", "change")
        for app, model in [
            ("events", "event"),
            ("events", "invitation"),
            ("events", "programme"),
            ("contacts", "organization"),
        ]
    } | {"contacts.view_contact", "auth.view_user"}

    assert _codenames("planner") == expected


def test_lead_analyst_and_admin_permissions_after_migrations(db):
    our_apps = ["contacts", "events", "indicators"]
    everything = set().union(
        *(_every(action, our_apps) for action in ("view", "add", "change", "delete"))
    )

    assert "contacts.view_contact" in _every("view", our_apps)
    assert _codenames("lead") == _every("view", our_apps) | {
        "indicators.add_signal",
        "indicators.change_signal",
    }
    assert _codenames("analyst") == {
        "contacts.view_organization",
        "contacts.view_climate",
        "events.view_event",
        "events.view_programme",
    }
    assert _codenames("admin") == everything | {"auth.view_user"}


def test_role_permissions_let_an_officer_edit_channels_but_not_delete_contacts(owner):
    assert owner.has_perm("contacts.change_channel") is True
    assert owner.has_perm("contacts.view_contact") is True
    assert owner.has_perm("contacts.delete_contact") is False
    assert owner.has_perm("events.change_event") is False


def test_sync_role_permissions_restores_a_removed_permission_and_is_idempotent(db):
    officer = Group.objects.get(name="officer")
    expected = _codenames("officer")
    officer.permissions.remove(Permission.objects.get(codename="view_contact"))

    sync_role_permissions()
    sync_role_permissions()

    assert _codenames("officer") == expected
    assert officer.permissions.count() == len(expected)


def test_sync_role_permissions_brings_back_the_role_groups_a_flush_removed(db):
    expected = {role: _codenames(role) for role in ROLE_PERMISSIONS}
    Group.objects.all().delete()  # what `manage.py flush` leaves (it runs post_migrate only)

    sync_role_permissions()

    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(ROLE_PERMISSIONS)
    assert {role: _codenames(role) for role in ROLE_PERMISSIONS} == expected
    assert all(expected.values())


def test_as_a_post_migrate_receiver_it_acts_once_on_the_last_apps_signal(db):
    expected = {role: _codenames(role) for role in ROLE_PERMISSIONS}
    Group.objects.all().delete()
    configs = [config for config in django_apps.get_app_configs() if config.models_module]

    for config in configs[:-1]:
        sync_role_permissions(sender=config)
    assert Group.objects.exists() is False

    sync_role_permissions(sender=configs[-1])
    assert {role: _codenames(role) for role in ROLE_PERMISSIONS} == expected


# The API token admin (trackii/admin.py).


def test_api_tokens_are_shown_to_superusers_only_whatever_the_permissions(
    client, owner, admin_network
):
    issued = create_token(owner, name="Newsroom sync")
    staff = view_only_staff("view_apitoken", "delete_apitoken")
    client.force_login(staff)

    changelist = client.get(admin_url(ApiToken, "changelist"))
    change = client.get(admin_url(ApiToken, "change", issued.token.pk))

    assert (changelist.status_code, change.status_code) == (403, 403)
    assert issued.key not in changelist.content.decode() + change.content.decode()


def test_the_token_admin_never_shows_a_key_or_its_digest_and_deleting_revokes(
    client, owner, admin_user
):
    issued = create_token(owner, name="Newsroom sync")
    client.force_login(admin_user)

    changelist = client.get(admin_url(ApiToken, "changelist"))
    change = client.get(admin_url(ApiToken, "change", issued.token.pk))
    deleted = client.post(admin_url(ApiToken, "delete", issued.token.pk), {"post": "yes"})

    pages = changelist.content.decode() + change.content.decode()
    assert (changelist.status_code, change.status_code, deleted.status_code) == (200, 200, 302)
    assert "Newsroom sync" in pages
    assert issued.key not in pages
    assert issued.token.digest not in pages
    assert ApiToken.objects.exists() is False
    revoked = SecurityEvent.objects.get(kind="token_revoked")
    assert (revoked.user, revoked.actor, revoked.detail["reason"]) == (
        owner,
        admin_user,
        "revoked_by_admin",
    )


def test_a_staff_user_who_changes_users_cannot_make_anyone_a_superuser_or_touch_one(
    client, owner, admin_user
):
    """An attacker's note: superuser is the one thing that passes need-to-know, and Django's
    user admin lets any staff user given "change user" tick it on their own account."""
    User = get_user_model()
    staff = view_only_staff("view_user", "change_user", "delete_user")
    client.force_login(staff)
    own = admin_url(User, "change", staff.pk)

    page = client.get(own).content.decode()
    response = client.post(
        own,
        {
            "username": staff.username,
            "first_name": "Renamed",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [Group.objects.get(name="admin").pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    assert 'name="is_superuser"' not in page
    assert 'name="groups"' not in page
    assert response.status_code == 302, response.content
    staff.refresh_from_db()
    assert (staff.first_name, staff.is_superuser, list(staff.groups.all())) == (
        "Renamed",
        False,
        [Group.objects.get(name="analyst")],  # view_only_staff's role, unchanged
    )
    # A superuser's account: neither its page, its password nor its deletion.
    for url in (
        admin_url(User, "change", admin_user.pk),
        f"/admin/auth/user/{admin_user.pk}/password/",
        admin_url(User, "delete", admin_user.pk),
    ):
        assert (
            client.post(
                url, {"password1": "x-Pass-12345!", "password2": "x-Pass-12345!"}
            ).status_code
            == 403
        ), url
    assert User.objects.get(pk=admin_user.pk).check_password("x-Pass-12345!") is False
    # An officer's account can still be changed.
    officer_page = client.get(admin_url(User, "change", owner.pk))
    assert officer_page.status_code == 200
    # A superuser still grants all of it.
    client.force_login(admin_user)
    assert 'name="is_superuser"' in client.get(own).content.decode()


@pytest.mark.parametrize("selected", ["abc", "1.5", "\u0663", ""])
def test_an_admin_action_on_rows_that_are_not_ids_is_a_bad_request(client, admin_user, selected):
    """A fuzzer's finding: a selection written by hand was a 500 on every changelist."""
    contact = factories.ContactFactory(full_name="Anna Levi")
    client.force_login(admin_user)

    for model in (Contact, get_user_model()):
        response = client.post(
            admin_url(model, "changelist"),
            {"action": "delete_selected", "index": "0", "_selected_action": [selected]},
        )
        assert response.status_code == 400, model

    assert Contact.objects.filter(pk=contact.pk).exists()


def test_an_admin_action_on_ids_still_runs(client, admin_user):
    contact = factories.ContactFactory(full_name="Anna Levi")
    client.force_login(admin_user)

    response = client.post(
        admin_url(Contact, "changelist"),
        {"action": "delete_selected", "index": "0", "_selected_action": [str(contact.pk)]},
    )

    assert response.status_code == 200
    assert "<title>Delete multiple objects | Track II</title>" in response.content.decode()


def test_the_users_waiting_for_a_role_are_found_by_the_role_filter(client, admin_user, owner):
    """An account made without a role (by an admin, or by single sign-on) sees nothing
    until given one: the admin lists them under "No role yet", and each user's roles."""
    factories.UserFactory(username="newcomer")
    client.force_login(admin_user)
    url = "/admin/auth/user/"

    waiting = client.get(url, {"role": "none"})
    officers = client.get(url, {"role": "officer"})
    every = client.get(url)

    assert [user.username for user in waiting.context["cl"].result_list] == ["newcomer"]
    assert [user.username for user in officers.context["cl"].result_list] == ["owner"]
    body = every.content.decode()
    assert "none yet" in body
    assert "Officer" in body
    assert "No role yet (sees nothing)" in body
