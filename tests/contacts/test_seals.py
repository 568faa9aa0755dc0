"""Visibility never widens by itself (DESIGN.md, "Access rules"): no edit, removal or
deletion makes an existing exchange readable by anyone who could not read it before."""

import random

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from contacts import services
from contacts.models import Exchange, Sensitivity
from tests import factories
from tests.conftest import api

API = "/api/v1"


def _readers(exchange) -> set[str]:
    return {
        user.username
        for user in get_user_model().objects.order_by("pk")
        if Exchange.objects.visible_to(user).filter(pk=exchange.pk).exists()
    }


@pytest.fixture
def shared(owner, outsider, grantee):
    """A protected contact of the owner (granted to the grantee) and a standard one, on
    one exchange that the outsider took part in but may not read."""
    protected = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    factories.GrantFactory(contact=protected, user=grantee)
    standard = factories.ContactFactory(owner=outsider)
    exchange = factories.ExchangeFactory(
        contacts=[protected, standard], officers=[owner, outsider], notes="Secret"
    )
    return protected, standard, exchange


def test_deleting_the_protected_contact_leaves_its_exchange_unreadable_to_others(
    owner, outsider, teammate, shared
):
    protected, _standard, exchange = shared
    client = api(outsider)
    assert client.get(f"{API}/exchanges/{exchange.pk}/").status_code == 404

    services.delete_contact(protected, user=owner)

    assert client.get(f"{API}/exchanges/{exchange.pk}/").status_code == 404
    assert _readers(exchange) == {"owner", "grantee"}


def test_an_exchange_left_naming_no_contact_is_not_readable_by_everyone(owner, outsider):
    protected = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    exchange = factories.ExchangeFactory(contacts=[protected], officers=[owner], notes="Secret")

    protected.delete()

    exchange.refresh_from_db()
    assert exchange.contacts.count() == 0
    assert exchange.is_sealed is True
    assert _readers(exchange) == {"owner"}
    client = api(outsider)
    assert client.get(f"{API}/exchanges/{exchange.pk}/").status_code == 404


def test_removing_a_protected_contact_from_an_exchange_by_an_edit_widens_nothing(owner, shared):
    _protected, standard, exchange = shared
    before = _readers(exchange)

    services.update_exchange(exchange, contacts=[standard], now=timezone.now())

    assert _readers(exchange) == before == {"owner", "grantee"}


@pytest.mark.parametrize("how", ["remove", "reverse remove", "clear", "reverse clear", "set"])
def test_every_way_of_taking_a_contact_off_an_exchange_keeps_its_readers(how, shared):
    protected, standard, exchange = shared
    before = _readers(exchange)

    if how == "remove":
        exchange.contacts.remove(protected)
    elif how == "reverse remove":
        protected.exchanges.remove(exchange)
    elif how == "clear":
        exchange.contacts.clear()
    elif how == "reverse clear":
        protected.exchanges.clear()
    else:
        exchange.contacts.set([standard])

    assert _readers(exchange) == before


def test_removing_a_standard_contact_does_not_seal(owner, outsider):
    first, second = factories.ContactFactory(), factories.ContactFactory()
    exchange = factories.ExchangeFactory(contacts=[first, second], officers=[owner])

    exchange.contacts.remove(second)

    exchange.refresh_from_db()
    assert exchange.is_sealed is False
    assert "outsider" in _readers(exchange)


def test_a_seal_holds_when_the_rest_of_the_contacts_go_too(owner, outsider, shared):
    protected, standard, exchange = shared
    exchange.contacts.remove(protected)

    standard.delete()

    assert _readers(exchange) == {"owner", "grantee"}


def test_saving_an_instance_read_before_the_seal_does_not_unseal(owner, shared):
    protected, _standard, exchange = shared
    stale = Exchange.objects.get(pk=exchange.pk)
    first_version = exchange.history.earliest()
    exchange.contacts.remove(protected)

    stale.save()
    first_version.instance.save()  # what a revert from the history does

    exchange.refresh_from_db()
    assert exchange.is_sealed is True
    assert _readers(exchange) == {"owner", "grantee"}


# A contact's owner or sensitivity changed: the contact is seen as the edit says, its past
# exchanges by no one more than before (issue 21's attacker, finding 1).


def test_a_new_owner_sees_the_contact_but_not_its_past_exchanges_they_could_not_read(
    owner, teammate, outsider
):
    restricted = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.RESTRICTED)
    past = factories.ExchangeFactory(contacts=[restricted], officers=[owner], notes="Before")
    before = _readers(past)

    response = api(owner).patch(
        f"{API}/contacts/{restricted.pk}/", {"owner": outsider.pk}, format="json"
    )

    assert response.status_code == 200
    assert "teammate" in before
    assert api(outsider).get(f"{API}/contacts/{restricted.pk}/").status_code == 200
    assert api(outsider).get(f"{API}/exchanges/{past.pk}/").status_code == 404
    assert api(outsider).get(f"{API}/exchanges/?contact={restricted.pk}").json()["results"] == []
    assert _readers(past) <= before
    # What the new owner logs from now on is theirs to read.
    later = factories.ExchangeFactory(contacts=[restricted], officers=[outsider])
    assert api(outsider).get(f"{API}/exchanges/{later.pk}/").status_code == 200


def test_a_protected_contact_made_restricted_shows_its_team_no_past_exchange(
    client, owner, teammate, grantee
):
    protected = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    factories.GrantFactory(contact=protected, user=grantee)
    past = factories.ExchangeFactory(contacts=[protected], officers=[owner], notes="Secret")
    client.force_login(owner)
    form = client.get(reverse("contacts:edit", args=[protected.pk])).content.decode()
    assert "grant the new owner access first" in form  # the owner is told before

    response = client.post(
        reverse("contacts:edit", args=[protected.pk]),
        {
            "full_name": protected.full_name,
            "category": protected.category,
            "country": "IL",
            "sensitivity": Sensitivity.RESTRICTED,
            "owner": owner.pk,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    protected.refresh_from_db()
    assert protected.sensitivity == Sensitivity.RESTRICTED
    assert api(teammate).get(f"{API}/contacts/{protected.pk}/").status_code == 200
    assert api(teammate).get(f"{API}/exchanges/{past.pk}/").status_code == 404
    assert _readers(past) == {"owner", "grantee"}


def test_a_standard_contact_made_restricted_seals_nothing(owner, outsider):
    standard = factories.ContactFactory(owner=owner)
    exchange = factories.ExchangeFactory(contacts=[standard], officers=[owner])

    standard.sensitivity = Sensitivity.RESTRICTED
    standard.save()

    exchange.refresh_from_db()
    assert exchange.is_sealed is False
    assert "outsider" not in _readers(exchange)  # narrowed with the contact


# A property: random edits, removals and deletions never let anyone read more.

STEPS = 12


def _world(seed: int):
    rng = random.Random(seed)
    teams = [factories.TeamFactory(name=f"team-{seed}-{n}") for n in range(2)]
    users = [factories.UserFactory(roles=["officer"], teams=[rng.choice(teams)]) for _ in range(5)]
    contacts = [
        factories.ContactFactory(
            owner=rng.choice(users),
            sensitivity=rng.choice(list(Sensitivity)),
        )
        for _ in range(6)
    ]
    for contact in contacts:
        if rng.random() < 0.4:
            factories.GrantFactory(contact=contact, user=rng.choice(users))
    exchanges = [
        factories.ExchangeFactory(
            contacts=rng.sample(contacts, rng.randint(1, 3)),
            officers=rng.sample(users, rng.randint(1, 2)),
        )
        for _ in range(6)
    ]
    return rng, users, exchanges


def _readable(users) -> dict[int, set[int]]:
    return {
        user.pk: set(Exchange.objects.visible_to(user).values_list("pk", flat=True))
        for user in users
    }


def _random_step(rng, users, exchanges) -> str:
    exchange = rng.choice(exchanges)
    exchange_contacts = list(exchange.contacts.all())
    action = rng.choice(
        ["edit", "remove", "reverse", "clear", "delete", "summary", "owner", "sensitivity"]
    )
    if action == "summary":
        services.update_exchange(exchange, summary="edited", now=timezone.now())
    elif not exchange_contacts:
        return "nothing to remove"
    elif action == "edit" and len(exchange_contacts) > 1:
        kept = rng.sample(exchange_contacts, len(exchange_contacts) - 1)
        services.update_exchange(exchange, contacts=kept, now=timezone.now())
    elif action == "remove":
        exchange.contacts.remove(rng.choice(exchange_contacts))
    elif action == "reverse":
        rng.choice(exchange_contacts).exchanges.remove(exchange)
    elif action == "clear":
        exchange.contacts.clear()
    elif action in ("owner", "sensitivity"):
        contact = rng.choice(exchange_contacts)
        if action == "owner":
            contact.owner = rng.choice(users)
        else:
            contact.sensitivity = rng.choice(list(Sensitivity))
        contact.save()
    else:
        rng.choice(exchange_contacts).delete()
    return action


@pytest.mark.parametrize("seed", range(12))
def test_random_edits_removals_and_deletions_never_widen_who_reads_an_exchange(db, seed):
    rng, users, exchanges = _world(seed)
    readable = _readable(users)

    for step in range(STEPS):
        action = _random_step(rng, users, exchanges)
        now_readable = _readable(users)

        for user in users:
            widened = now_readable[user.pk] - readable[user.pk]
            assert widened == set(), f"seed {seed}, step {step} ({action}): {user} gained"
        readable = now_readable


def test_the_property_test_would_see_a_widening(db, owner, outsider):
    """The check above is not vacuous: deleting a protected contact without the seal (the
    through rows removed behind the receivers' back) does let another officer read."""
    protected = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    exchange = factories.ExchangeFactory(contacts=[protected], officers=[owner])
    before = _readable([outsider])

    Exchange.contacts.through.objects.filter(exchange=exchange).delete()

    assert _readable([outsider])[outsider.pk] - before[outsider.pk] == {exchange.pk}


def test_existing_orphaned_exchanges_are_sealed_for_their_officers_by_the_migration(
    db, owner, outsider
):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("contacts.migrations.0008_exchange_seal")
    exchange = factories.ExchangeFactory(contacts=[factories.ContactFactory()], officers=[owner])
    Exchange.contacts.through.objects.filter(exchange=exchange).delete()

    migration.seal_orphans(apps, None)

    assert _readers(exchange) == {"owner"}
