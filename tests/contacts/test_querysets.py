"""visible_to(user): every sensitivity tier against every persona, and the models that
expose contacts."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from contacts.models import Affiliation, Channel, Contact, Exchange, Reminder, Sensitivity
from events.models import Invitation
from tests import factories

# Who sees a contact owned by `owner` (a press officer), with `grantee` granted access.
EXPECTED = {
    Sensitivity.STANDARD: {
        "owner": True,
        "teammate": True,
        "outsider": True,
        "grantee": True,
        "planner": True,
        "lead": True,
        "analyst": True,
        "admin_user": True,
    },
    Sensitivity.RESTRICTED: {
        "owner": True,
        "teammate": True,
        "outsider": False,
        "grantee": True,
        "planner": False,
        "lead": True,
        "analyst": False,
        "admin_user": True,
    },
    Sensitivity.PROTECTED: {
        "owner": True,
        "teammate": False,
        "outsider": False,
        "grantee": True,
        "planner": False,
        "lead": False,
        "analyst": False,
        "admin_user": True,
    },
}
MATRIX = [
    (tier, persona, visible)
    for tier, personas in EXPECTED.items()
    for persona, visible in personas.items()
]


@pytest.fixture
def contact_of_tier(owner, grantee):
    def make(tier):
        contact = factories.ContactFactory(owner=owner, sensitivity=tier)
        factories.GrantFactory(contact=contact, user=grantee)
        return contact

    return make


@pytest.mark.parametrize(("tier", "persona", "visible"), MATRIX)
def test_contact_visibility_matrix(request, contact_of_tier, tier, persona, visible):
    contact = contact_of_tier(tier)
    viewer = request.getfixturevalue(persona)

    assert Contact.objects.visible_to(viewer).filter(pk=contact.pk).exists() is visible


@pytest.mark.parametrize(("tier", "persona", "visible"), MATRIX)
def test_objects_exposing_a_contact_follow_its_visibility(
    request, contact_of_tier, owner, tier, persona, visible
):
    contact = contact_of_tier(tier)
    viewer = request.getfixturevalue(persona)
    channel = factories.ChannelFactory(contact=contact, officer=owner)
    affiliation = factories.AffiliationFactory(contact=contact)
    invitation = factories.InvitationFactory(contact=contact)
    exchange = factories.ExchangeFactory(contacts=[contact], officers=[owner])

    assert Channel.objects.visible_to(viewer).filter(pk=channel.pk).exists() is visible
    assert Affiliation.objects.visible_to(viewer).filter(pk=affiliation.pk).exists() is visible
    assert Invitation.objects.visible_to(viewer).filter(pk=invitation.pk).exists() is visible
    assert Exchange.objects.visible_to(viewer).filter(pk=exchange.pk).exists() is visible


@pytest.mark.parametrize("tier", list(Sensitivity))
def test_anonymous_and_inactive_users_see_nothing(owner, tier):
    factories.ContactFactory(owner=owner, sensitivity=tier)
    inactive = factories.UserFactory(username="former", roles=["officer"], is_active=False)

    assert Contact.objects.visible_to(AnonymousUser()).exists() is False
    assert Contact.objects.visible_to(inactive).exists() is False
    assert Contact.objects.visible_to(None).exists() is False


def test_exchange_naming_one_hidden_contact_is_hidden_whole(owner, teammate):
    public = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.STANDARD)
    source = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    exchange = factories.ExchangeFactory(contacts=[public, source], officers=[owner])

    assert list(Exchange.objects.visible_to(owner)) == [exchange]
    assert Exchange.objects.visible_to(teammate).exists() is False


def test_visible_to_lists_each_contact_once_whatever_the_number_of_paths(
    owner, teammate, press_team
):
    contact = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.RESTRICTED)
    factories.GrantFactory(contact=contact, user=teammate)
    second_team = factories.TeamFactory(name="science")
    second_team.members.add(owner, teammate)

    assert list(Contact.objects.visible_to(teammate)) == [contact]


def test_revoking_a_grant_hides_the_contact_at_once(owner, grantee):
    contact = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    grant = factories.GrantFactory(contact=contact, user=grantee)
    assert Contact.objects.visible_to(grantee).filter(pk=contact.pk).exists() is True

    grant.delete()

    assert Contact.objects.visible_to(grantee).filter(pk=contact.pk).exists() is False


def test_reminders_are_personal(owner, teammate, outsider):
    contact = factories.ContactFactory(owner=owner)
    reminder = factories.ReminderFactory(
        channel=factories.ChannelFactory(contact=contact, officer=owner)
    )

    assert list(Reminder.objects.visible_to(owner)) == [reminder]
    assert Reminder.objects.visible_to(teammate).exists() is False
    assert Reminder.objects.visible_to(outsider).exists() is False


def test_a_lead_sees_the_reminders_of_their_teams_officers(owner, lead, culture_team):
    contact = factories.ContactFactory(owner=owner)
    reminder = factories.ReminderFactory(
        channel=factories.ChannelFactory(contact=contact, officer=owner)
    )
    other_officer = factories.UserFactory(username="elsewhere", teams=[culture_team])
    factories.ReminderFactory(
        channel=factories.ChannelFactory(contact=contact, officer=other_officer)
    )

    assert list(Reminder.objects.visible_to(lead)) == [reminder]


def test_a_lead_does_not_see_a_reminder_about_a_protected_contact(owner, lead):
    source = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    factories.ReminderFactory(channel=factories.ChannelFactory(contact=source, officer=owner))

    assert Reminder.objects.visible_to(lead).exists() is False
    assert Reminder.objects.visible_to(owner).count() == 1


def test_a_reminder_vanishes_for_its_recipient_when_their_grant_is_revoked(owner, grantee):
    source = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    grant = factories.GrantFactory(contact=source, user=grantee)
    factories.ReminderFactory(channel=factories.ChannelFactory(contact=source, officer=grantee))
    assert Reminder.objects.visible_to(grantee).count() == 1

    grant.delete()

    assert Reminder.objects.visible_to(grantee).exists() is False


def test_follow_up_reminder_hidden_when_its_exchange_names_a_hidden_contact(owner, lead):
    public = factories.ContactFactory(owner=owner)
    source = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    exchange = factories.ExchangeFactory(contacts=[public, source], officers=[owner])
    factories.ReminderFactory(
        kind=Reminder.Kind.FOLLOW_UP, channel=None, exchange=exchange, recipient=owner
    )

    assert Reminder.objects.visible_to(owner).count() == 1
    assert Reminder.objects.visible_to(lead).exists() is False


def test_exchanges_changeable_by_their_author_and_officers_only(
    owner, teammate, outsider, admin_user
):
    written = factories.ExchangeFactory(created_by=owner, officers=[teammate])
    attended = factories.ExchangeFactory(created_by=outsider, officers=[owner])
    theirs = factories.ExchangeFactory(created_by=outsider, officers=[outsider])

    def changeable(user):
        return set(Exchange.objects.changeable_by(user))

    assert changeable(owner) == {written, attended}
    assert changeable(teammate) == {written}
    assert changeable(outsider) == {attended, theirs}
    assert changeable(admin_user) == {written, attended, theirs}
    flags = dict(Exchange.objects.with_may_change(teammate).values_list("pk", "may_change"))
    assert flags == {written.pk: True, attended.pk: False, theirs.pk: False}


def test_pending_reminders_are_the_open_and_snoozed_ones(owner):
    channels = [factories.ChannelFactory(officer=owner) for _ in Reminder.Status]
    made = {
        status: factories.ReminderFactory(
            channel=channel,
            status=status,
            snoozed_until=timezone.now() if status == Reminder.Status.SNOOZED else None,
        )
        for channel, status in zip(channels, Reminder.Status, strict=True)
    }

    pending = set(Reminder.objects.pending())

    assert pending == {made[Reminder.Status.OPEN], made[Reminder.Status.SNOOZED]}
