"""Network health's figures kept in parts (migration ``indicators.0006``,
``indicators.cache._health_in_parts``): the parts added up are the figures read whole at
every moment they serve; a committed change moves on exactly the parts it touches (every
part for a table that bears on all of them), so that the next request reads those parts
again, through the contacts' index on their part, and shows the figures computed then.

The parts are PostgreSQL's; they serve a reader only outside a transaction with changes of
its own, so the tests of the page commit (``transactional_db``)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Channel, Climate, Contact, Organization, Sensitivity
from indicators import cache as figure_cache
from indicators import health
from indicators.models import HealthPart
from tests import factories
from tests.indicators.test_cache import tables_read, tables_triggered
from tests.indicators.test_health_cache import (
    DAY,
    HOUR,
    MICROSECOND,
    NOW,
    assert_served_as_computed_then,
    live,
    make_change,
    page_of,
    shown,
)
from tests.indicators.test_health_figures import _found

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


def part_of(contact) -> int:
    return (contact.organization_id or contact.pk) % health.PARTS


def versions() -> dict[int, int]:
    return dict(HealthPart.objects.values_list("id", "value"))


def moved(before: dict[int, int]) -> set[int]:
    return {part for part, value in versions().items() if value != before.get(part)}


@pytest.fixture
def parts_in_place(transactional_db):
    """The parts' rows, which a transactional test's flush empties: a committed change
    that bears on every part brings them back (the generation's trigger writes them)."""
    Climate.objects.filter(pk=-1).update(note="")
    assert len(versions()) == health.PARTS


@pytest.fixture
def spread(owner, teammate, lead):
    """Channels of the lead's team falling due through the day, over many parts: contacts
    with and without an organization, two of an organization of their own (one part), a
    restricted contact (the lead sees it, an analyst does not) and a protected one."""
    organizations = [factories.OrganizationFactory(name=f"Org {n:02}") for n in range(6)]
    officers = [owner, teammate, lead]
    for number in range(30):
        officer = officers[number % 3]
        factories.ChannelFactory(
            officer=officer,
            contact=factories.ContactFactory(
                owner=owner,
                layer=("security", "political", "")[number % 3],
                category=("journalist", "academic")[number % 2],
                organization=organizations[number % 6] if number % 5 else None,
                sensitivity=(Sensitivity.RESTRICTED if number == 7 else Sensitivity.STANDARD),
            ),
            kind=(Channel.Kind.INFORMAL, Channel.Kind.FORMAL)[number % 2],
            status=Channel.Status.PAUSED if number == 11 else Channel.Status.ACTIVE,
            cadence_days=10,
            created_at=NOW - 40 * DAY,
            last_touch_at=NOW - 10 * DAY + dt.timedelta(hours=1 + number * 0.7),
        )
    factories.ChannelFactory(
        officer=owner,
        contact=factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED),
        cadence_days=10,
        last_touch_at=NOW - 10 * DAY + 2 * HOUR,
    )


# The figures: the parts added up are the whole


def parts_read(user, moment, until, parts=None):
    channels = Channel.objects.visible_to(user)
    return health.part_figures(channels, now=moment, until=until, parts=parts)


@pytest.mark.usefixtures("spread")
@pytest.mark.parametrize("reader", ["lead", "analyst", "admin_user", "owner"])
def test_the_parts_added_up_are_the_figures_read_whole_at_every_moment(reader, request):
    user = request.getfixturevalue(reader)
    until = NOW + DAY
    read = parts_read(user, NOW, until)
    kept = health.merged(
        [read.get(part, health.EMPTY_PART) for part in range(health.PARTS)], now=NOW
    )

    assert len(read) > 5
    assert_served_as_computed_then(kept, user)


@pytest.mark.usefixtures("spread")
def test_parts_read_later_add_up_with_parts_read_before(lead):
    until = NOW + DAY
    before = parts_read(lead, NOW, until)
    later = NOW + 5 * HOUR
    some = sorted(before)[:3]
    again = parts_read(lead, later, until, parts=some)
    parts = [again.get(part) or before.get(part, health.EMPTY_PART) for part in range(health.PARTS)]

    assert set(again) == set(some)
    kept = health.merged(parts, now=later)
    for instant in (later, later + 3 * HOUR, until - MICROSECOND):
        assert _found(kept.at(instant, None)) == _found(live(lead, instant, None))


@pytest.mark.usefixtures("spread")
def test_a_part_is_read_through_the_contacts_index_on_their_part(lead):
    with CaptureQueriesContext(connection) as queries:
        parts_read(lead, NOW, NOW + DAY, parts=[3])
    (statement,) = [q["sql"] for q in queries.captured_queries if "GROUPING SETS" in q["sql"]]
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner reads a table this small whole; what matters is that it can use the
        # index, i.e. that the expression the code filters by is the index's.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {statement}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "contacts_contact_health_part" in plan, plan


# The triggers: which parts a committed change moves on


def test_a_change_to_a_channel_moves_its_contacts_part_only(parts_in_place, owner):
    contact = factories.ContactFactory(organization=factories.OrganizationFactory())
    other = factories.ContactFactory()
    channel = factories.ChannelFactory(officer=owner, contact=contact)
    factories.ChannelFactory(officer=owner, contact=other)
    before = versions()

    Channel.objects.filter(pk=channel.pk).update(cadence_days=3)

    assert moved(before) == {part_of(contact)}
    assert part_of(contact) == contact.organization_id % health.PARTS


def test_a_contact_moved_to_another_organization_moves_both_parts(parts_in_place):
    first, second = factories.OrganizationFactory(), factories.OrganizationFactory()
    while second.pk % health.PARTS == first.pk % health.PARTS:
        second = factories.OrganizationFactory()
    contact = factories.ContactFactory(organization=first)
    before = versions()

    Contact.objects.filter(pk=contact.pk).update(organization=second)

    assert moved(before) == {first.pk % health.PARTS, second.pk % health.PARTS}


def test_grants_and_organizations_move_their_parts(parts_in_place, lead):
    organization = factories.OrganizationFactory()
    contact = factories.ContactFactory(organization=None, sensitivity=Sensitivity.PROTECTED)
    before = versions()
    factories.GrantFactory(contact=contact, user=lead)
    granted = moved(before)
    before = versions()
    Organization.objects.filter(pk=organization.pk).update(name="Renamed")

    assert granted == {contact.pk % health.PARTS}
    assert moved(before) == {organization.pk % health.PARTS}


@pytest.mark.parametrize("change", ["team_member", "climate", "username"])
def test_a_change_that_bears_on_every_part_moves_them_all(parts_in_place, change, lead):
    before = versions()
    if change == "team_member":
        factories.TeamFactory(name="new").members.add(lead)
    elif change == "climate":
        factories.ClimateFactory(level="crisis", started_at=NOW)
    else:
        type(lead).objects.filter(pk=lead.pk).update(username="lead2")

    assert moved(before) == set(range(health.PARTS))


def test_a_sign_in_a_rollback_and_a_rolled_back_savepoint_move_nothing(parts_in_place, owner):
    contact, other = factories.ContactFactory(), factories.ContactFactory()
    while part_of(other) == part_of(contact):
        other = factories.ContactFactory()
    before = versions()
    type(owner).objects.filter(pk=owner.pk).update(last_login=NOW)
    with transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(layer="narrative")
        transaction.set_rollback(True)
    assert moved(before) == set()

    with transaction.atomic():
        with transaction.atomic():
            Contact.objects.filter(pk=contact.pk).update(layer="narrative")
            transaction.set_rollback(True)
        Contact.objects.filter(pk=other.pk).update(layer="narrative")

    assert moved(before) == {part_of(other)}


def test_parts_emptied_come_back_under_a_new_number(parts_in_place, owner):
    before = versions()
    HealthPart.objects.filter(id__gte=10).delete()
    assert figure_cache.part_versions() is None

    factories.ChannelFactory(officer=owner)

    assert figure_cache.part_versions() is not None
    assert moved(before) == set(range(health.PARTS))


# The page: a change reads its parts again; the figures are always those computed now


def health_page(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("network_health"))
    assert response.status_code == 200
    response.part_reads = [
        q["sql"] for q in queries.captured_queries if "GROUPING SETS" in q["sql"]
    ]
    return response


@pytest.mark.parametrize(
    "change",
    ["exchange", "channel_closed", "grant", "contact_layer", "organization", "team", "climate"],
)
@pytest.mark.usefixtures("spread")
def test_after_any_committed_change_the_page_shows_the_figures_computed_then(
    parts_in_place, client, change, owner, lead, outsider
):
    later = NOW + 6 * HOUR
    with time_machine.travel(NOW, tick=False):
        first = health_page(client, lead)
    with time_machine.travel(later, tick=False):
        before = health_page(client, lead)  # kept, channels fallen due counted out
    with time_machine.travel(NOW, tick=False):
        make_change(change, owner=owner, lead=lead, outsider=outsider)
    with time_machine.travel(later, tick=False):
        after = health_page(client, lead)
        again = health_page(client, lead)
        expected = page_of(lead, later)

    assert first.part_reads
    assert not before.part_reads
    assert not again.part_reads
    assert after.part_reads
    assert shown(after) == shown(again) == expected
    assert shown(after) != shown(before)
    every_part = change in {"team", "climate"}
    # One part read again, filtered to it; or all of them, unfiltered.
    (read,) = after.part_reads
    assert ("= ANY(ARRAY" in read) is not every_part, read


@pytest.mark.usefixtures("spread")
def test_readers_never_share_parts(parts_in_place, client, analyst, lead):
    with time_machine.travel(NOW, tick=False):
        for user in (lead, analyst, lead, analyst):
            assert shown(health_page(client, user)) == page_of(user, NOW)
        assert page_of(analyst, NOW) != page_of(lead, NOW)  # the restricted contact


@pytest.mark.usefixtures("spread")
def test_inside_a_transaction_with_changes_of_its_own_the_parts_are_not_used(
    parts_in_place, client, lead, owner
):
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        Channel.objects.filter(officer=owner).update(cadence_days=2)
        assert figure_cache.part_versions() is None
        figures = figure_cache.network_health(lead, now=NOW, limit=None)
        assert _found(figures) == _found(live(lead, NOW))
        transaction.set_rollback(True)
    assert figure_cache.part_versions() is not None


@pytest.mark.usefixtures("spread")
def test_every_table_the_parts_read_moves_them(lead, analyst, admin_user):
    with CaptureQueriesContext(connection) as queries:
        for reader in (lead, analyst, admin_user):
            read = parts_read(reader, NOW, NOW + DAY)
            health.merged(list(read.values()), now=NOW)
            health.part_figures(Channel.objects.visible_to(reader), now=NOW, until=NOW, parts=[1])
    read, triggered = tables_read(queries), tables_triggered("indicators_health_")
    assert {"contacts_channel", "contacts_contact", "contacts_grant", "auth_user"} <= read
    # The reader's roles are part of every key instead.
    assert read - triggered <= {"auth_group", "auth_user_groups"}


def test_the_first_and_the_last_part_move_alone_and_together(parts_in_place):
    # The parts noted are the bits of a bigint: part 63 is its sign bit.
    by_part = {}
    while len(by_part) < 2:
        organization = factories.OrganizationFactory()
        if organization.pk % health.PARTS in (0, health.PARTS - 1):
            by_part.setdefault(organization.pk % health.PARTS, organization)
    for part, organization in by_part.items():
        before = versions()
        Organization.objects.filter(pk=organization.pk).update(name=f"Part {part}")
        assert moved(before) == {part}
    before = versions()
    with transaction.atomic():
        for organization in by_part.values():
            Organization.objects.filter(pk=organization.pk).update(name=f"Both {organization.pk}")

    assert moved(before) == {0, health.PARTS - 1}


@pytest.mark.usefixtures("spread")
def test_many_parts_changed_are_read_with_all_the_others(
    parts_in_place, client, lead, owner, monkeypatch
):
    monkeypatch.setattr(health, "PARTS_READ_APART", 2)
    with time_machine.travel(NOW, tick=False):
        health_page(client, lead)
        contacts = Contact.objects.filter(channels__officer=owner).distinct()
        touched = {part_of(contact) for contact in contacts}
        assert len(touched) > 2
        contacts.update(layer="narrative")
        after = health_page(client, lead)
        again = health_page(client, lead)

        (read,) = after.part_reads
        assert "= ANY(ARRAY" not in read  # every part, not those three
        assert not again.part_reads
        assert shown(after) == shown(again) == page_of(lead, NOW)


@pytest.mark.usefixtures("spread")
def test_a_protected_contact_the_reader_may_not_see_is_in_no_part_of_theirs(
    parts_in_place, client, lead, admin_user, outsider
):
    """The parts read through ``visible_to`` like the whole: a protected contact of the
    outsider's, alone in its organization, never reaches the lead's figures (its
    organization would be a single-channel one), where the superuser's show it."""
    hidden = factories.ContactFactory(
        owner=outsider,
        sensitivity=Sensitivity.PROTECTED,
        organization=factories.OrganizationFactory(name="Hidden Press Club"),
    )
    factories.ChannelFactory(officer=outsider, contact=hidden)
    with time_machine.travel(NOW, tick=False):
        for user in (lead, admin_user):
            health_page(client, user)  # every part read and kept
        # A change in the hidden contact's part: that part alone is read again.
        Contact.objects.filter(pk=hidden.pk).update(layer="narrative")
        seen = {user: health_page(client, user) for user in (lead, admin_user)}

    (read,) = seen[lead].part_reads
    assert "= ANY(ARRAY" in read
    for user, response in seen.items():
        assert shown(response) == page_of(user, NOW)
    assert b"Hidden Press Club" not in seen[lead].content
    assert b"Hidden Press Club" in seen[admin_user].content
