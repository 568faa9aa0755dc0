"""The permission predicates of contacts.access, one persona at a time. Every surface (web,
API, admin) asks these, so each answer here is the answer everywhere."""

import pytest
from django.contrib.auth.models import Group

from contacts.access import (
    is_owner,
    may_act_on_reminder,
    may_change_exchange,
    may_erase,
    may_export,
    may_manage_channel,
    may_manage_events,
    may_manage_grants,
    may_read_notes,
)
from contacts.models import Sensitivity
from tests import factories

PERSONAS = ["owner", "teammate", "outsider", "grantee", "planner", "lead", "analyst", "admin_user"]


def _expect(*yes: str) -> list[tuple[str, bool]]:
    """Every persona, True for those named."""
    return [(persona, persona in yes) for persona in PERSONAS]


@pytest.mark.parametrize(("persona", "expected"), _expect("owner", "admin_user"))
def test_only_the_owner_and_superusers_count_as_a_contact_s_owner(request, persona, expected):
    contact = factories.ContactFactory(owner=request.getfixturevalue("owner"))

    assert is_owner(request.getfixturevalue(persona), contact) is expected


@pytest.mark.parametrize("sensitivity", [Sensitivity.RESTRICTED, Sensitivity.PROTECTED])
@pytest.mark.parametrize(("persona", "expected"), _expect("owner", "admin_user"))
def test_the_owner_and_superusers_manage_the_grants_of_a_hidden_contact(
    request, persona, expected, sensitivity
):
    contact = factories.ContactFactory(
        owner=request.getfixturevalue("owner"), sensitivity=sensitivity
    )

    assert may_manage_grants(request.getfixturevalue(persona), contact) is expected


@pytest.mark.parametrize(("persona", "expected"), _expect())
def test_nobody_manages_grants_of_a_standard_contact(request, persona, expected):
    contact = factories.ContactFactory(
        owner=request.getfixturevalue("owner"), sensitivity=Sensitivity.STANDARD
    )

    assert may_manage_grants(request.getfixturevalue(persona), contact) is expected


@pytest.mark.parametrize(("persona", "expected"), _expect("owner", "teammate", "admin_user"))
def test_an_exchange_s_author_its_officers_and_superusers_change_it(request, persona, expected):
    owner = request.getfixturevalue("owner")
    exchange = factories.ExchangeFactory(
        contacts=[factories.ContactFactory(owner=owner)],
        officers=[request.getfixturevalue("teammate")],
        created_by=owner,
    )

    assert may_change_exchange(request.getfixturevalue(persona), exchange) is expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    _expect("owner", "teammate", "outsider", "grantee", "planner", "lead", "admin_user"),
)
def test_everyone_but_an_analyst_reads_private_notes(request, persona, expected):
    assert may_read_notes(request.getfixturevalue(persona)) is expected


@pytest.mark.parametrize(("roles", "expected"), [(["analyst", "officer"], True), ([], True)])
def test_an_analyst_who_also_edits_reads_notes_and_a_user_without_roles_too(db, roles, expected):
    assert may_read_notes(factories.UserFactory(roles=roles)) is expected


@pytest.mark.parametrize(("persona", "expected"), _expect("planner", "admin_user"))
def test_planners_and_admins_manage_events(request, persona, expected):
    assert may_manage_events(request.getfixturevalue(persona)) is expected


def test_an_inactive_planner_manages_no_events(planner):
    planner.is_active = False
    planner.save(update_fields=["is_active"])

    assert may_manage_events(planner) is False


@pytest.mark.parametrize(("persona", "expected"), _expect("teammate", "admin_user"))
def test_a_channel_s_officer_and_superusers_manage_it(request, persona, expected):
    channel = factories.ChannelFactory(officer=request.getfixturevalue("teammate"))

    assert may_manage_channel(request.getfixturevalue(persona), channel) is expected


@pytest.mark.parametrize(("persona", "expected"), _expect("owner", "admin_user"))
def test_a_reminder_s_recipient_and_superusers_act_on_it(request, persona, expected):
    reminder = factories.ReminderFactory(recipient=request.getfixturevalue("owner"))

    assert may_act_on_reminder(request.getfixturevalue(persona), reminder) is expected


@pytest.mark.parametrize(("persona", "expected"), _expect("teammate", "lead", "admin_user"))
def test_leads_admins_and_the_owner_answer_a_data_subject_request(request, persona, expected):
    contact = factories.ContactFactory(owner=request.getfixturevalue("teammate"))

    assert may_export(request.getfixturevalue(persona), contact) is expected


@pytest.mark.parametrize(("persona", "expected"), _expect("admin_user"))
def test_only_admins_erase(request, persona, expected):
    assert may_erase(request.getfixturevalue(persona)) is expected


def test_a_user_without_a_role_sees_no_contact_until_given_one(db, client):
    """Standard contacts are for every signed-in staff user (DESIGN.md): a role makes a
    user staff. An account without one (made by an admin, or by single sign-on's
    auto-provisioning) sees none, not even its own, by the Python rule and by the SQL one
    the sweeps use, on the web and the API alike."""
    from django.urls import reverse

    from contacts.models import Channel, Contact
    from contacts.querysets import contact_visible_to_user_in
    from tests.conftest import api

    nobody = factories.UserFactory(username="nobody")
    standard = factories.ContactFactory(full_name="Sasha Standard")
    own = factories.ContactFactory(full_name="Own Olga", owner=nobody)
    channel = factories.ChannelFactory(contact=standard, officer=nobody)
    seen_by_sweeps = Channel.objects.filter(contact_visible_to_user_in("officer", "contact__"))
    client.force_login(nobody)

    assert list(Contact.objects.visible_to(nobody)) == []
    assert list(seen_by_sweeps.all()) == []
    # Nor does it reach the pages or the API (trackii.role_policy).
    assert client.get(reverse("contacts:detail", args=[standard.pk])).status_code == 403
    assert api(nobody).get("/api/v1/contacts/").status_code == 403

    nobody.groups.add(Group.objects.get(name="officer"))
    nobody = type(nobody).objects.get(pk=nobody.pk)  # the roles are read once per user

    assert set(Contact.objects.visible_to(nobody)) == {standard, own}
    assert list(seen_by_sweeps.all()) == [channel]
    assert api(nobody).get("/api/v1/contacts/").json()["count"] == 2
