"""The access log: every admin view of a protected contact is recorded, and the log itself
is read-only and scoped like the contacts it names."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from contacts.models import AccessLog, Sensitivity
from tests import factories

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def _make_staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def _page(name, contact):
    """The change page, the history page, or the page of the contact's first version."""
    if name == "version":
        version = contact.history.earliest()
        return reverse("admin:contacts_contact_simple_history", args=[contact.pk, version.pk])
    return reverse(f"admin:contacts_contact_{name}", args=[contact.pk])


def _log():
    return list(AccessLog.objects.order_by("pk").values_list("user", "contact", "surface"))


@pytest.fixture
def protected(owner):
    return factories.ContactFactory(
        full_name="Olga Protected", owner=owner, sensitivity=Sensitivity.PROTECTED
    )


# Views of a protected contact are recorded, one row per page.


@pytest.mark.parametrize("page", ["change", "history", "version"])
@pytest.mark.parametrize("persona", ["admin_user", "owner"])
def test_viewing_a_protected_contact_writes_one_log_row(client, request, protected, page, persona):
    user = _make_staff(request.getfixturevalue(persona))
    client.force_login(user)

    with time_machine.travel(NOW, tick=False):
        response = client.get(_page(page, protected))

    assert response.status_code == 200
    assert "Olga Protected" in response.content.decode()
    entry = AccessLog.objects.get()
    assert (entry.user, entry.contact, entry.surface, entry.viewed_at) == (
        user,
        protected,
        AccessLog.Surface.ADMIN,
        NOW,
    )


def test_each_view_writes_its_own_row(client, owner, protected):
    client.force_login(_make_staff(owner))

    client.get(_page("change", protected))
    client.get(_page("history", protected))
    client.get(_page("version", protected))
    client.get(_page("change", protected))

    assert _log() == [(owner.pk, protected.pk, "admin")] * 4


def test_a_grantee_view_is_recorded_under_the_grantee(client, owner, grantee, protected):
    factories.GrantFactory(contact=protected, user=grantee, granted_by=owner)
    client.force_login(_make_staff(grantee))

    response = client.get(_page("change", protected))

    assert response.status_code == 200
    assert _log() == [(grantee.pk, protected.pk, "admin")]


@pytest.mark.parametrize("sensitivity", [Sensitivity.STANDARD, Sensitivity.RESTRICTED])
@pytest.mark.parametrize("page", ["change", "history", "version"])
def test_viewing_a_standard_or_restricted_contact_writes_nothing(
    client, admin_user, owner, sensitivity, page
):
    contact = factories.ContactFactory(full_name="Rina", owner=owner, sensitivity=sensitivity)
    client.force_login(admin_user)

    response = client.get(_page(page, contact))

    assert response.status_code == 200
    assert AccessLog.objects.exists() is False


@pytest.mark.parametrize("persona", ["teammate", "outsider"])
def test_a_user_who_cannot_see_the_contact_gets_no_page_and_no_log_row(
    client, request, protected, persona
):
    client.force_login(_make_staff(request.getfixturevalue(persona)))

    change = client.get(_page("change", protected))
    history = client.get(_page("history", protected))
    version = client.get(_page("version", protected))

    assert (change.status_code, change.url) == (302, reverse("admin:index"))
    assert (history.status_code, version.status_code) == (404, 404)
    assert "Olga Protected" not in history.content.decode()
    assert "Olga Protected" not in version.content.decode()
    assert AccessLog.objects.exists() is False


# The log is written by the application only.


@pytest.fixture
def entry(owner, protected):
    [row] = AccessLog.objects.record(
        user=owner, contacts=[protected], surface=AccessLog.Surface.WEB, now=NOW
    )
    return row


def _unchanged(entry, owner, protected):
    assert AccessLog.objects.count() == 1
    entry.refresh_from_db()
    assert (entry.user, entry.contact, entry.surface, entry.viewed_at) == (
        owner,
        protected,
        AccessLog.Surface.WEB,
        NOW,
    )


def test_superuser_cannot_add_an_access_log_row(client, admin_user, owner, protected, entry):
    client.force_login(admin_user)
    url = reverse("admin:contacts_accesslog_add")

    page = client.get(url)
    post = client.post(
        url,
        {
            "user": admin_user.pk,
            "contact": protected.pk,
            "surface": "admin",
            "viewed_at_0": "2026-03-01",
            "viewed_at_1": "10:00:00",
        },
    )

    assert (page.status_code, post.status_code) == (403, 403)
    _unchanged(entry, owner, protected)


def test_superuser_sees_an_access_log_row_read_only_and_cannot_change_it(
    client, admin_user, owner, protected, entry
):
    client.force_login(admin_user)
    url = reverse("admin:contacts_accesslog_change", args=[entry.pk])

    page = client.get(url)
    post = client.post(
        url,
        {
            "user": admin_user.pk,
            "contact": protected.pk,
            "surface": "admin",
            "viewed_at_0": "2026-03-01",
            "viewed_at_1": "10:00:00",
        },
    )

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert post.status_code == 403
    _unchanged(entry, owner, protected)


def test_superuser_cannot_delete_an_access_log_row(client, admin_user, owner, protected, entry):
    client.force_login(admin_user)
    url = reverse("admin:contacts_accesslog_delete", args=[entry.pk])

    page = client.get(url)
    post = client.post(url, {"post": "yes"})
    bulk = client.post(
        reverse("admin:contacts_accesslog_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert (page.status_code, post.status_code) == (403, 403)
    # The changelist offers no actions at all, so a bulk delete is not even read.
    assert bulk.status_code == 200
    assert bulk.context["action_form"] is None
    _unchanged(entry, owner, protected)


# Reading the log: leads, for the contacts they may see; not officers.


def test_lead_reads_the_log_of_contacts_they_may_see_only(client, owner, lead):
    shared = factories.ContactFactory(
        full_name="Sara Shared", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    secret = factories.ContactFactory(
        full_name="Sami Secret", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    factories.GrantFactory(contact=shared, user=lead, granted_by=owner)
    AccessLog.objects.record(
        user=owner, contacts=[shared, secret], surface=AccessLog.Surface.WEB, now=NOW
    )
    client.force_login(_make_staff(lead))

    response = client.get(reverse("admin:contacts_accesslog_changelist"))

    assert response.status_code == 200
    assert [(row.user, row.contact) for row in response.context["cl"].result_list] == [
        (owner, shared)
    ]
    content = response.content.decode()
    assert "Sara Shared" in content
    assert "Sami Secret" not in content
    # Reading the log is not itself a view of the contact.
    assert AccessLog.objects.count() == 2


def test_lead_cannot_open_the_log_row_of_a_contact_they_may_not_see(client, owner, lead):
    secret = factories.ContactFactory(
        full_name="Sami Secret", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    [row] = AccessLog.objects.record(
        user=owner, contacts=[secret], surface=AccessLog.Surface.WEB, now=NOW
    )
    client.force_login(_make_staff(lead))

    response = client.get(reverse("admin:contacts_accesslog_change", args=[row.pk]))

    assert (response.status_code, response.url) == (302, reverse("admin:index"))
    assert "Sami Secret" not in client.get(response.url).content.decode()


def test_officer_without_the_lead_role_gets_403_on_the_log(client, owner, entry):
    client.force_login(_make_staff(owner))

    response = client.get(reverse("admin:contacts_accesslog_changelist"))

    assert response.status_code == 403
    assert AccessLog.objects.count() == 1
