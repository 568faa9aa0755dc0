"""The keep-in-touch sweep computes every reminder over what its recipient may see: no
``channel_due`` for a channel whose contact its officer may not see, no ``follow_up`` for
an exchange its officer may not read; and the column-relative rules it uses say exactly
what ``visible_to`` says, user by user."""

import datetime as dt
import itertools

import pytest

from contacts import services
from contacts.models import Channel, Exchange, Reminder, Sensitivity
from contacts.querysets import contact_visible_to_user_in, exchange_readable_by_user_in
from tests import factories

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
PERSONAS = ["owner", "teammate", "outsider", "grantee", "lead", "analyst", "admin_user"]


def _overdue_channel(contact, officer):
    return factories.ChannelFactory(
        contact=contact, officer=officer, cadence_days=30, created_at=NOW - 31 * DAY
    )


def _channel_due():
    return set(
        Reminder.objects.filter(kind=Reminder.Kind.CHANNEL_DUE).values_list(
            "recipient__username", "channel__contact__full_name"
        )
    )


def _follow_ups():
    return set(
        Reminder.objects.filter(kind=Reminder.Kind.FOLLOW_UP).values_list(
            "recipient__username", "exchange__summary"
        )
    )


@pytest.fixture
def protected(owner):
    return factories.ContactFactory(
        full_name="Olga Protected", owner=owner, sensitivity=Sensitivity.PROTECTED
    )


@pytest.fixture
def restricted(owner):
    return factories.ContactFactory(
        full_name="Rina Restricted", owner=owner, sensitivity=Sensitivity.RESTRICTED
    )


# channel_due


def test_no_channel_due_for_a_protected_contact_its_officer_may_not_see(owner, outsider, protected):
    _overdue_channel(protected, outsider)
    _overdue_channel(factories.ContactFactory(full_name="Sima Standard"), outsider)

    result = services.sweep_reminders(now=NOW)

    assert result.channel_due == 1
    assert _channel_due() == {("outsider", "Sima Standard")}


def test_a_grant_lets_the_channel_due_reminder_appear(owner, outsider, protected):
    _overdue_channel(protected, outsider)
    assert services.sweep_reminders(now=NOW).channel_due == 0

    services.grant_access(contact=protected, user=outsider, granted_by=owner)

    assert services.sweep_reminders(now=NOW + DAY).channel_due == 1
    assert _channel_due() == {("outsider", "Olga Protected")}


def test_no_channel_due_once_the_grant_is_revoked(owner, grantee, protected):
    factories.GrantFactory(contact=protected, user=grantee, granted_by=owner)
    _overdue_channel(protected, grantee)

    services.revoke_access(contact=protected, user=grantee, revoked_by=owner)

    assert services.sweep_reminders(now=NOW).channel_due == 0
    assert Reminder.objects.filter(status=Reminder.Status.OPEN).exists() is False


def test_a_restricted_contact_is_reminded_to_the_owners_teammate_not_to_an_outsider(
    teammate, outsider, restricted
):
    _overdue_channel(restricted, teammate)
    _overdue_channel(restricted, outsider)

    assert services.sweep_reminders(now=NOW).channel_due == 1
    assert _channel_due() == {("teammate", "Rina Restricted")}


def test_a_superuser_officer_is_reminded_of_a_protected_contact_they_do_not_own(
    admin_user, protected
):
    _overdue_channel(protected, admin_user)

    assert services.sweep_reminders(now=NOW).channel_due == 1
    assert _channel_due() == {("admin", "Olga Protected")}


def test_an_inactive_officer_gets_no_channel_due(outsider):
    _overdue_channel(factories.ContactFactory(full_name="Sima Standard"), outsider)
    outsider.is_active = False
    outsider.save(update_fields=["is_active"])

    assert services.sweep_reminders(now=NOW).channel_due == 0
    assert Reminder.objects.exists() is False


# follow_up


def _exchange_due_for_follow_up(contacts, officers, summary, occurred_at=NOW - 7 * DAY):
    return services.log_exchange(
        occurred_at=occurred_at,
        kind=Exchange.Kind.MEETING,
        contacts=contacts,
        officers=officers,
        summary=summary,
        follow_up_on=NOW.date(),
        now=occurred_at,
    )


def test_no_follow_up_for_an_officer_from_whom_a_contact_on_the_exchange_is_hidden(
    owner, outsider, protected
):
    standard = factories.ContactFactory(full_name="Sima Standard")
    _exchange_due_for_follow_up([standard, protected], [owner, outsider], "Both of them")
    _exchange_due_for_follow_up([standard], [owner, outsider], "Sima alone")

    result = services.sweep_reminders(now=NOW)

    assert result.follow_ups == 3
    assert _follow_ups() == {
        ("owner", "Both of them"),
        ("owner", "Sima alone"),
        ("outsider", "Sima alone"),
    }


def test_no_follow_up_for_an_officer_who_is_not_a_reader_of_a_sealed_exchange(
    owner, teammate, restricted
):
    standard = factories.ContactFactory(full_name="Sima Standard")
    exchange = _exchange_due_for_follow_up(
        [standard, restricted], [owner, teammate], "Sealed since"
    )
    Exchange.objects.filter(pk=exchange.pk).update(is_sealed=True)
    exchange.readers.set([owner])

    assert services.sweep_reminders(now=NOW).follow_ups == 1
    assert _follow_ups() == {("owner", "Sealed since")}


def test_a_grant_lets_a_held_back_follow_up_appear(owner, outsider, protected):
    _exchange_due_for_follow_up([protected], [owner, outsider], "Olga's call")
    assert services.sweep_reminders(now=NOW).follow_ups == 1

    services.grant_access(contact=protected, user=outsider, granted_by=owner)

    assert services.sweep_reminders(now=NOW + DAY).follow_ups == 1
    assert _follow_ups() == {("owner", "Olga's call"), ("outsider", "Olga's call")}


def test_the_sweep_that_skips_hidden_reminders_stays_idempotent(
    owner, outsider, grantee, protected
):
    factories.GrantFactory(contact=protected, user=grantee, granted_by=owner)
    for officer in (owner, outsider, grantee):
        _overdue_channel(protected, officer)
    # Long enough ago to leave the channels overdue.
    officers = [owner, outsider, grantee]
    _exchange_due_for_follow_up([protected], officers, "Olga's call", occurred_at=NOW - 40 * DAY)

    first = services.sweep_reminders(now=NOW)
    second = services.sweep_reminders(now=NOW + dt.timedelta(hours=1))

    assert (first.channel_due, first.follow_ups) == (2, 2)
    assert (second.channel_due, second.follow_ups) == (0, 0)
    assert _channel_due() == {("owner", "Olga Protected"), ("grantee", "Olga Protected")}
    assert _follow_ups() == {("owner", "Olga's call"), ("grantee", "Olga's call")}
    assert Reminder.objects.count() == 4


# The column-relative rules agree with visible_to, user by user.


@pytest.fixture
def network(request, owner, grantee, protected, restricted):
    """Every persona, a contact of each sensitivity (the protected and restricted ones
    granted to the grantee, the restricted one also owned in another team), and an
    exchange for each pair of contacts, one of them sealed with the grantee as reader."""
    users = [request.getfixturevalue(persona) for persona in PERSONAS]
    inactive = factories.UserFactory(username="gone", is_active=False)
    users.append(inactive)
    elsewhere = factories.ContactFactory(
        full_name="Eli Elsewhere",
        owner=request.getfixturevalue("outsider"),
        sensitivity=Sensitivity.RESTRICTED,
    )
    standard = factories.ContactFactory(full_name="Sima Standard")
    contacts = [protected, restricted, elsewhere, standard]
    factories.GrantFactory(contact=protected, user=grantee, granted_by=owner)
    factories.GrantFactory(contact=restricted, user=grantee, granted_by=owner)
    for contact, user in itertools.product(contacts, users):
        factories.ChannelFactory(contact=contact, officer=user)
    exchanges = [
        factories.ExchangeFactory(contacts=pair, officers=users)
        for pair in itertools.combinations(contacts, 2)
    ]
    Exchange.objects.filter(pk=exchanges[0].pk).update(is_sealed=True)
    exchanges[0].readers.set([grantee])
    return users


def test_the_column_contact_rule_matches_visible_to_for_every_user(network):
    by_column = set(
        Channel.objects.filter(
            contact_visible_to_user_in("officer", prefix="contact__")
        ).values_list("officer_id", "contact_id")
    )

    by_user = {
        (user.pk, channel.contact_id)
        for user in network
        for channel in Channel.objects.visible_to(user).filter(officer=user)
    }

    assert by_column == by_user
    assert len(by_user) == 18  # of the 32 channels


def test_the_column_exchange_rule_matches_visible_to_for_every_user(network):
    through = Exchange.officers.through
    by_column = set(
        through.objects.filter(
            exchange_readable_by_user_in("user", prefix="exchange__")
        ).values_list("user_id", "exchange_id")
    )

    by_user = {
        (user.pk, exchange_id)
        for user in network
        for exchange_id in Exchange.objects.visible_to(user).values_list("pk", flat=True)
    }

    assert by_column == by_user
    assert 0 < len(by_user) < 6 * len(network)
