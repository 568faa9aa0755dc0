"""Grants: only a contact's owner lets another user see it, with immediate effect; through
the services and through the contact's admin page."""

import json
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from contacts import services
from contacts.errors import DomainError
from contacts.models import Channel, Contact, Exchange, Grant, Reminder, Sensitivity
from tests import factories


def _make_staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def _grants():
    return list(Grant.objects.order_by("pk").values_list("contact", "user", "granted_by"))


@pytest.fixture
def source(owner):
    """A protected source of the owner, with a channel, an exchange and reminders on them
    for the grantee, who cannot see any of it yet."""
    return factories.ContactFactory(
        full_name="Sofia Source", owner=owner, sensitivity=Sensitivity.PROTECTED
    )


@pytest.fixture
def exposed(source, owner, grantee):
    channel = factories.ChannelFactory(contact=source, officer=grantee)
    exchange = factories.ExchangeFactory(
        contacts=[source], officers=[owner, grantee], summary="Lunch with the source"
    )
    channel_due = factories.ReminderFactory(channel=channel)
    follow_up = factories.ReminderFactory(
        kind=Reminder.Kind.FOLLOW_UP, channel=None, exchange=exchange, recipient=grantee
    )
    return channel, exchange, {channel_due, follow_up}


def _visible(user):
    return (
        set(Contact.objects.visible_to(user)),
        set(Channel.objects.visible_to(user)),
        set(Exchange.objects.visible_to(user)),
        set(Reminder.objects.visible_to(user)),
    )


# The services.


def test_a_grant_by_the_owner_shows_the_contact_and_what_names_it_at_once(
    owner, grantee, source, exposed
):
    channel, exchange, reminders = exposed
    assert _visible(grantee) == (set(), set(), set(), set())

    grant = services.grant_access(contact=source, user=grantee, granted_by=owner)

    assert (grant.contact, grant.user, grant.granted_by) == (source, grantee, owner)
    assert _visible(grantee) == ({source}, {channel}, {exchange}, reminders)


def test_revoking_hides_the_contact_and_what_names_it_at_once(owner, grantee, source, exposed):
    services.grant_access(contact=source, user=grantee, granted_by=owner)

    revoked = services.revoke_access(contact=source, user=grantee, revoked_by=owner)

    assert revoked == 1
    assert Grant.objects.exists() is False
    assert _visible(grantee) == (set(), set(), set(), set())
    # The owner keeps seeing everything of their source.
    assert Contact.objects.visible_to(owner).get() == source


def test_revoking_a_grant_that_does_not_exist_removes_nothing(owner, grantee, source):
    assert services.revoke_access(contact=source, user=grantee, revoked_by=owner) == 0


def test_granting_twice_leaves_one_grant(owner, grantee, source):
    first = services.grant_access(contact=source, user=grantee, granted_by=owner)

    second = services.grant_access(contact=source, user=grantee, granted_by=owner)

    assert second.pk == first.pk
    assert _grants() == [(source.pk, grantee.pk, owner.pk)]


def test_a_superuser_may_grant_and_revoke(admin_user, grantee, source):
    services.grant_access(contact=source, user=grantee, granted_by=admin_user)
    assert _grants() == [(source.pk, grantee.pk, admin_user.pk)]

    assert services.revoke_access(contact=source, user=grantee, revoked_by=admin_user) == 1
    assert Grant.objects.exists() is False


@pytest.mark.parametrize("sensitivity", [Sensitivity.RESTRICTED, Sensitivity.PROTECTED])
@pytest.mark.parametrize("actor", ["teammate", "lead", "outsider", "grantee"])
def test_only_the_owner_grants(request, owner, grantee, outsider, actor, sensitivity):
    contact = factories.ContactFactory(owner=owner, sensitivity=sensitivity)
    factories.GrantFactory(contact=contact, user=grantee, granted_by=owner)
    before = _grants()
    actor = request.getfixturevalue(actor)

    with pytest.raises(
        DomainError, match=re.escape("Only the contact's owner grants or revokes access.")
    ):
        services.grant_access(contact=contact, user=outsider, granted_by=actor)
    with pytest.raises(
        DomainError, match=re.escape("Only the contact's owner grants or revokes access.")
    ):
        services.revoke_access(contact=contact, user=grantee, revoked_by=actor)

    assert _grants() == before
    assert Contact.objects.visible_to(outsider).filter(pk=contact.pk).exists() is False
    assert Contact.objects.visible_to(grantee).filter(pk=contact.pk).exists() is True


def test_granting_on_a_standard_contact_is_refused(owner, grantee):
    contact = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.STANDARD)

    with pytest.raises(DomainError, match="A standard contact is visible to all staff"):
        services.grant_access(contact=contact, user=grantee, granted_by=owner)

    assert Grant.objects.exists() is False


def test_granting_to_the_owner_is_refused(owner, source):
    with pytest.raises(DomainError, match=re.escape("The owner sees the contact already.")):
        services.grant_access(contact=source, user=owner, granted_by=owner)

    assert Grant.objects.exists() is False


# Through the admin: the Grant inline of the contact's change page.


def _contact_form(contact, grants=()):
    """The contact change form as submitted unchanged, with these Grant inline rows."""
    data = {
        "full_name": contact.full_name,
        "native_name": contact.native_name,
        "category": contact.category,
        "organization": contact.organization_id or "",
        "email": contact.email,
        "phone": contact.phone,
        "country": contact.country.code,
        "languages": json.dumps(contact.languages),
        "layer": contact.layer,
        "sensitivity": contact.sensitivity,
        "owner": contact.owner_id,
        "tags": [],
        "notes": contact.notes,
        "erased_at_0": "",
        "erased_at_1": "",
        "affiliations-TOTAL_FORMS": 0,
        "affiliations-INITIAL_FORMS": 0,
        "affiliations-MIN_NUM_FORMS": 0,
        "affiliations-MAX_NUM_FORMS": 1000,
        "grants-TOTAL_FORMS": len(grants),
        "grants-INITIAL_FORMS": sum(1 for grant in grants if grant.get("id")),
        "grants-MIN_NUM_FORMS": 0,
        "grants-MAX_NUM_FORMS": 1000,
    }
    for index, grant in enumerate(grants):
        for key, value in ({"id": "", "contact": contact.pk} | grant).items():
            data[f"grants-{index}-{key}"] = value
    return data


def _grant_inline(response):
    [inline] = [
        inline
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is Grant
    ]
    return inline


def _change_url(contact):
    return reverse("admin:contacts_contact_change", args=[contact.pk])


def test_owner_adds_a_grant_through_the_contact_page(client, owner, grantee, source):
    client.force_login(_make_staff(owner))

    page = client.get(_change_url(source))
    response = client.post(_change_url(source), _contact_form(source, [{"user": grantee.pk}]))

    assert _grant_inline(page).has_add_permission is True
    assert response.status_code == 302
    assert _grants() == [(source.pk, grantee.pk, owner.pk)]
    assert Contact.objects.visible_to(grantee).get() == source


def test_owner_revokes_a_grant_through_the_contact_page(client, owner, grantee, source):
    grant = factories.GrantFactory(contact=source, user=grantee, granted_by=owner)
    client.force_login(_make_staff(owner))

    response = client.post(
        _change_url(source),
        _contact_form(source, [{"id": grant.pk, "user": grantee.pk, "DELETE": "on"}]),
    )

    assert response.status_code == 302
    assert Grant.objects.exists() is False
    assert Contact.objects.visible_to(grantee).exists() is False


def test_owner_granting_to_themselves_through_the_page_is_refused(client, owner, source):
    client.force_login(_make_staff(owner))

    response = client.post(_change_url(source), _contact_form(source, [{"user": owner.pk}]))

    assert response.status_code == 302
    assert next(str(message) for message in get_messages(response.wsgi_request)) == (
        "The owner sees the contact already."
    )
    assert Grant.objects.exists() is False


@pytest.fixture
def teammates_source(owner):
    return factories.ContactFactory(
        full_name="Rina Restricted", owner=owner, sensitivity=Sensitivity.RESTRICTED
    )


def test_teammate_is_offered_no_grant_rows_to_add(client, teammate, teammates_source):
    client.force_login(_make_staff(teammate))

    page = client.get(_change_url(teammates_source))

    assert page.status_code == 200
    inline = _grant_inline(page)
    assert inline.has_add_permission is False
    assert inline.has_delete_permission is False
    assert inline.formset.max_num == 0


def test_teammate_posting_a_grant_creates_nothing(
    client, owner, teammate, outsider, teammates_source
):
    client.force_login(_make_staff(teammate))
    history_before = teammates_source.history.count()

    response = client.post(
        _change_url(teammates_source),
        _contact_form(teammates_source, [{"user": outsider.pk}]),
    )

    assert response.status_code == 302
    assert Grant.objects.exists() is False
    assert Contact.objects.visible_to(outsider).exists() is False
    teammates_source.refresh_from_db()
    assert (teammates_source.owner, teammates_source.sensitivity) == (
        owner,
        Sensitivity.RESTRICTED,
    )
    # The rest of the form was saved as it was (an unchanged save is still a history row).
    assert teammates_source.history.count() == history_before + 1


def test_teammate_cannot_revoke_a_grant_through_the_page(
    client, owner, teammate, grantee, teammates_source
):
    grant = factories.GrantFactory(contact=teammates_source, user=grantee, granted_by=owner)
    client.force_login(_make_staff(teammate))

    client.post(
        _change_url(teammates_source),
        _contact_form(teammates_source, [{"id": grant.pk, "user": grantee.pk, "DELETE": "on"}]),
    )

    assert _grants() == [(teammates_source.pk, grantee.pk, owner.pk)]


@pytest.mark.parametrize("field", ["owner", "sensitivity"])
def test_teammate_cannot_take_over_or_expose_a_restricted_contact(
    client, owner, teammate, teammates_source, field
):
    client.force_login(_make_staff(teammate))
    change = {"owner": teammate.pk, "sensitivity": Sensitivity.STANDARD}[field]

    page = client.get(_change_url(teammates_source))
    response = client.post(
        _change_url(teammates_source), _contact_form(teammates_source) | {field: change}
    )

    assert field not in page.context["adminform"].form.fields
    assert response.status_code == 302
    teammates_source.refresh_from_db()
    assert (teammates_source.owner, teammates_source.sensitivity) == (
        owner,
        Sensitivity.RESTRICTED,
    )
    assert Contact.objects.visible_to(teammate).get() == teammates_source


def test_owner_may_hand_over_their_contact(client, owner, teammate, teammates_source):
    client.force_login(_make_staff(owner))

    response = client.post(
        _change_url(teammates_source),
        _contact_form(teammates_source) | {"owner": teammate.pk},
    )

    assert response.status_code == 302
    teammates_source.refresh_from_db()
    assert teammates_source.owner == teammate


def test_grant_admin_has_no_add_page_even_for_the_owner(client, owner, grantee, outsider, source):
    factories.GrantFactory(contact=source, user=grantee, granted_by=owner)
    client.force_login(_make_staff(owner))

    add = client.get(reverse("admin:contacts_grant_add"))
    post = client.post(
        reverse("admin:contacts_grant_add"), {"contact": source.pk, "user": outsider.pk}
    )

    assert (add.status_code, post.status_code) == (403, 403)
    assert _grants() == [(source.pk, grantee.pk, owner.pk)]
