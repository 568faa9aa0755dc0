"""Network health's figures kept in parts (migrations ``indicators.0006`` and ``0007``,
``indicators.cache._health_in_parts``): the parts of the standard contacts' channels,
shared by every reader, and the reader's own others added up are the figures read whole at
every moment they serve; a committed change moves on exactly the numbers it touches (the
parts of its contacts, the private number of the restricted and protected ones'), so that
the next request reads those again, through the contacts' index on their part, and shows
the figures computed then; the climate level is in the keys, and the task that reads the
shared parts under every level runs in a real worker.

The parts are PostgreSQL's; they serve a reader only outside a transaction with changes of
its own, so the tests of the page commit (``transactional_db``)."""

import datetime as dt
import importlib
import json
import re
import time
from types import SimpleNamespace

import pytest
import redis
import time_machine
from celery import current_app
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from contacts import imports
from contacts.models import Channel, Climate, Contact, ImportBatch, Organization, Sensitivity
from indicators import cache as figure_cache
from indicators import health, tally
from indicators.models import HealthPart
from indicators.tasks import AHEAD, REFRESH_HEALTH_PARTS
from tests import factories
from tests.contacts.imports_support import upload_file
from tests.events.test_tasks import broker_url  # noqa: F401 (the fixture)
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
from tests.workers import running_worker, worker_environment

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


PRIVATE = health.PARTS  # the private number's row (indicators.0007)
EVERY_NUMBER = {*range(health.PARTS), PRIVATE}


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
    assert len(versions()) == health.PARTS + 1


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
@pytest.mark.parametrize("reader", ["lead", "analyst", "admin_user", "owner", "outsider"])
def test_the_shared_parts_and_the_readers_own_added_up_are_the_whole(reader, request):
    user = request.getfixturevalue(reader)
    factories.GrantFactory(  # a standard contact granted: counted once, in the shared parts
        user=user, contact=Channel.objects.filter(contact__sensitivity="standard")[0].contact
    )
    everyone, own = Channel.objects.visible_apart(user)
    until = NOW + DAY
    shared = health.part_figures(everyone, now=NOW, until=until, parts=None)
    others = health.part_figures(own, now=NOW, until=until, parts=None, apart=False)
    kept = health.merged([*shared.values(), *others.values()], now=NOW)

    assert others or reader in ("analyst", "outsider")
    assert_served_as_computed_then(kept, user)


@pytest.mark.usefixtures("spread")
@pytest.mark.parametrize("reader", ["lead", "analyst", "admin_user", "owner", "outsider"])
def test_visible_apart_splits_what_the_reader_sees_in_two(reader, request, lead):
    user = request.getfixturevalue(reader)
    protected = Contact.objects.get(sensitivity=Sensitivity.PROTECTED)
    factories.GrantFactory(user=user, contact=protected)
    factories.GrantFactory(user=lead, contact=Contact.objects.filter(sensitivity="standard")[0])
    everyone, own = Channel.objects.visible_apart(user)
    shared_rows, own_rows = set(everyone), set(own)

    assert shared_rows.isdisjoint(own_rows)
    assert shared_rows | own_rows == set(Channel.objects.visible_to(user))
    assert {row.contact.sensitivity for row in shared_rows} == {"standard"}
    assert shared_rows == set(Channel.objects.seen_by_all_staff())
    assert protected.pk in {row.contact_id for row in own_rows}


@pytest.mark.usefixtures("spread")
def test_a_user_who_may_see_nothing_reads_nothing_and_shares_nothing(parts_in_place, lead, owner):
    type(lead).objects.filter(pk=lead.pk).update(is_active=False)
    lead.refresh_from_db()
    everyone, own = Channel.objects.visible_apart(lead)
    assert not everyone.exists()
    assert not own.exists()
    with time_machine.travel(NOW, tick=False):
        in_parts = figure_cache.network_health(lead, now=NOW, limit=None)
        with transaction.atomic():  # changes of its own: read whole
            Channel.objects.filter(officer=owner).update(cadence_days=2)
            whole = figure_cache.network_health(lead, now=NOW, limit=None)
            transaction.set_rollback(True)
    for figures in (in_parts, whole):
        assert set(figures.by_status.values()) == {0}
        assert figures.by_officer == figures.single_channel == []
        assert figures.by_layer == figures.by_category == []
    # Nothing was kept for any reader on their account.
    _, versions, _ = figure_cache.part_versions()
    keys = [
        figure_cache.key((version, factor), None, "network_health_part", {"part": part}, None)
        for part, version in enumerate(versions)
        for factor in settings.CLIMATE_FACTORS.values()
    ]
    assert figure_cache.cache.get_many(keys) == {}


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


@pytest.mark.parametrize("sensitivity", [Sensitivity.RESTRICTED, Sensitivity.PROTECTED])
def test_a_change_to_a_private_contact_or_its_channel_moves_its_part_and_the_private_number(
    parts_in_place, owner, sensitivity
):
    contact = factories.ContactFactory(sensitivity=sensitivity)
    channel = factories.ChannelFactory(officer=owner, contact=contact)
    standard = factories.ChannelFactory(officer=owner)
    before = versions()
    Channel.objects.filter(pk=channel.pk).update(cadence_days=3)
    by_channel = moved(before)
    before = versions()
    Contact.objects.filter(pk=contact.pk).update(layer="narrative")
    by_contact = moved(before)
    before = versions()
    Contact.objects.filter(pk=standard.contact_id).update(sensitivity=sensitivity)
    made_private = moved(before)
    before = versions()
    Channel.objects.filter(pk=standard.pk).update(cadence_days=3)  # of a private one now

    assert by_channel == by_contact == {part_of(contact), PRIVATE}
    assert made_private == {part_of(standard.contact), PRIVATE}
    assert moved(before) == {part_of(standard.contact), PRIVATE}


@pytest.mark.parametrize(
    ("change", "private"),
    [
        ("grant", True),
        ("team_member", True),
        ("organization", False),
        ("username", False),
        ("climate", False),
    ],
)
def test_what_the_shared_parts_do_not_read_moves_no_part_but_the_generation(
    parts_in_place, change, private, lead
):
    organization = factories.OrganizationFactory()
    contact = factories.ContactFactory(organization=None, sensitivity=Sensitivity.PROTECTED)
    before, generation = versions(), figure_cache.generation()
    if change == "grant":
        factories.GrantFactory(contact=contact, user=lead)
    elif change == "organization":
        Organization.objects.filter(pk=organization.pk).update(name="Renamed")
    elif change == "team_member":
        factories.TeamFactory(name="new").members.add(lead)
    elif change == "climate":  # its level is in the keys
        factories.ClimateFactory(level="crisis", started_at=NOW)
    else:
        type(lead).objects.filter(pk=lead.pk).update(username="lead2")

    assert moved(before) == ({PRIVATE} if private else set())
    assert figure_cache.generation() != generation


READ_COLUMNS = importlib.import_module("indicators.migrations.0011_health_parts_read_columns").READ


@pytest.mark.parametrize(
    ("values", "private"),
    [
        ({"full_name": "Renamed Person"}, False),
        ({"email": "new@example.org", "phone": "+972 3 555 0199"}, False),
        ({"notes": "re-encrypted or edited"}, False),
        ({"birth_year": 1970, "country": "FR", "languages": ["fr"]}, False),
        ({"full_name": "Renamed Person"}, True),  # a protected contact: the private number
    ],
)
def test_a_contact_changed_in_what_the_parts_do_not_read_moves_no_part(
    parts_in_place, owner, values, private
):
    contact = factories.ContactFactory(
        owner=owner, sensitivity=Sensitivity.PROTECTED if private else Sensitivity.STANDARD
    )
    factories.ChannelFactory(officer=owner, contact=contact)
    before, generation = versions(), figure_cache.generation()

    for name, value in values.items():
        setattr(contact, name, value)
    contact.save()  # a whole row written (updated_at too), as the web and the API do

    assert moved(before) == ({PRIVATE} if private else set())
    assert figure_cache.generation() != generation


@pytest.mark.parametrize(
    "values",
    [
        {"layer": "narrative"},
        {"category": "think_tank"},
        {"sensitivity": Sensitivity.RESTRICTED},
        {"organization": "other"},
    ],
)
def test_a_contact_changed_in_what_the_parts_read_moves_its_parts(parts_in_place, owner, values):
    first = factories.OrganizationFactory()
    other = factories.OrganizationFactory()
    while other.pk % health.PARTS == first.pk % health.PARTS:
        other = factories.OrganizationFactory()
    contact = factories.ContactFactory(owner=owner, organization=first, category="academic")
    before = versions()

    Contact.objects.filter(pk=contact.pk).update(
        **{name: other if value == "other" else value for name, value in values.items()}
    )

    expected = {first.pk % health.PARTS}
    if "organization" in values:
        expected.add(other.pk % health.PARTS)
    if "sensitivity" in values:
        expected.add(PRIVATE)
    assert moved(before) == expected


def test_a_statement_changing_many_contacts_moves_only_the_parts_of_those_it_changed(
    parts_in_place,
):
    contacts = [factories.ContactFactory(organization=None, layer="security") for _ in range(6)]
    changed = contacts[:2]
    before = versions()

    # One statement over six contacts: two change layer, four are written as they were.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contacts_contact SET layer = CASE WHEN id = ANY(%s) THEN 'narrative' "
            "ELSE layer END, updated_at = now() WHERE id = ANY(%s)",
            [[c.pk for c in changed], [c.pk for c in contacts]],
        )

    assert moved(before) == {part_of(contact) for contact in changed}


def test_a_contact_whose_id_changed_moves_both_parts(parts_in_place):
    contact = factories.ContactFactory(organization=None)
    new_id = contact.pk + 1
    while (
        new_id % health.PARTS == contact.pk % health.PARTS
        or Contact.objects.filter(pk=new_id).exists()
    ):
        new_id += 1
    before = versions()

    with connection.cursor() as cursor:
        cursor.execute("UPDATE contacts_contact SET id = %s WHERE id = %s", [new_id, contact.pk])

    assert moved(before) == {contact.pk % health.PARTS, new_id % health.PARTS}


@pytest.mark.usefixtures("spread")
def test_the_parts_read_of_contacts_only_the_columns_whose_change_moves_them(lead):
    """What keeps the trigger's column list (indicators.0011) true: the shared parts'
    statements name no other column of the contacts, by their name or an alias."""
    everyone = Channel.objects.seen_by_all_staff()
    with CaptureQueriesContext(connection) as shared:
        health.part_figures(everyone, now=NOW, until=NOW + DAY, parts=None, factor=0.5)
        health.part_figures(everyone, now=NOW, until=NOW + DAY, parts=[1], factor=0.5)
        figure_cache.refresh_health_parts(now=NOW, ahead=AHEAD)
    sql = " ".join(query["sql"] for query in shared.captured_queries)

    # The contacts by their name, or under an alias (the subquery of a part's contacts).
    names = {"contacts_contact", *re.findall(r'"contacts_contact" (?:AS )?"?([A-Z]\d+)\b', sql)}
    columns = {column for name in names for column in re.findall(rf'"{name}"\."(\w+)"', sql)}
    assert len(names) > 1, sql
    assert {"id", "organization_id", "layer"} <= columns, sql
    assert columns <= {"id", *READ_COLUMNS}


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
    assert moved(before) == EVERY_NUMBER


# The page: a change reads its parts again; the figures are always those computed now


STANDARD_ONLY = """"contacts_contact"."sensitivity" = 'standard'"""


def health_page(client, user):
    """The page, its statements that read shared parts (``part_reads``: the standard
    contacts' channels), those that read the reader's own (``own_reads``), and those that
    sum the tally (``tally_reads``: indicators.0012)."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("network_health"))
    assert response.status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if "GROUPING SETS" in q["sql"]]
    response.part_reads = [sql for sql in reads if STANDARD_ONLY in sql]
    response.own_reads = [sql for sql in reads if STANDARD_ONLY not in sql]
    response.tally_reads = [
        q["sql"] for q in queries.captured_queries if "FROM indicators_healthtally" in q["sql"]
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
        refreshed(NOW)  # the shared parts read under every level, as the task does
        first = health_page(client, lead)
    with time_machine.travel(later, tick=False):
        before = health_page(client, lead)  # kept, channels fallen due counted out
    with time_machine.travel(NOW, tick=False):
        make_change(change, owner=owner, lead=lead, outsider=outsider)
    with time_machine.travel(later, tick=False):
        after = health_page(client, lead)
        again = health_page(client, lead)
        expected = page_of(lead, later)

    assert not first.part_reads
    assert first.own_reads
    assert not (first.tally_reads)
    assert not (before.tally_reads)
    assert not (after.tally_reads)
    assert not (again.tally_reads)
    assert not (before.part_reads)
    assert not (before.own_reads)
    assert not (again.part_reads)
    assert not (again.own_reads)
    assert shown(after) == shown(again) == expected
    assert shown(after) != shown(before)
    # The reader's own channels read again after a change to what they read; of the shared
    # parts, one (filtered to it); none after a grant's or the climate's (the parts under
    # each level's factor are kept).
    assert len(after.own_reads) == (change in {"grant", "team", "climate"})
    if change in {"grant", "climate"}:
        assert after.part_reads == []
    else:
        (read,) = after.part_reads
        assert "= ANY(ARRAY" in read, read


@pytest.mark.usefixtures("spread")
def test_readers_share_the_standard_contacts_parts_and_never_their_own(
    parts_in_place, client, analyst, lead, admin_user
):
    with time_machine.travel(NOW, tick=False):
        pages = [health_page(client, user) for user in (lead, analyst, admin_user, lead)]
        for response, user in zip(pages, (lead, analyst, admin_user, lead), strict=True):
            assert shown(response) == page_of(user, NOW)
        assert page_of(analyst, NOW) != page_of(lead, NOW)  # the restricted contact

    # The first reader sums the tally (no part kept yet); the others read their own
    # channels only (the analyst sees no restricted contact here: the statement reads none).
    assert [len(response.tally_reads) for response in pages] == [1, 0, 0, 0]
    assert [len(response.part_reads) for response in pages] == [0, 0, 0, 0]
    assert [len(response.own_reads) for response in pages] == [1, 1, 1, 0]


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
    """The shared parts are kept under their parts' numbers and the climate level's cadence
    factor (read apart); a reader's sum of them and of their own channels under the figure
    generation: each table read moves what keys it."""
    everyone = Channel.objects.seen_by_all_staff()
    with CaptureQueriesContext(connection) as shared:
        health.part_figures(everyone, now=NOW, until=NOW + DAY, parts=None, factor=0.5)
        health.part_figures(everyone, now=NOW, until=NOW + DAY, parts=[1], factor=0.5)
    with CaptureQueriesContext(connection) as per_reader:
        for reader in (lead, analyst, admin_user):
            figure_cache.network_health(reader, now=NOW, limit=None)
    read = tables_read(shared)
    assert read == {"contacts_channel", "contacts_contact"}
    assert read <= tables_triggered("indicators_health_")
    read = tables_read(per_reader)
    assert {"contacts_grant", "contacts_team_members", "auth_user"} <= read
    # The reader's roles are part of every key instead.
    allowed = {"auth_group", "auth_user_groups", "indicators_healthpart"}
    assert read - tables_triggered("indicators_figures_") <= allowed | {
        "indicators_figuregeneration"
    }


def test_the_first_and_the_last_part_move_alone_and_together(parts_in_place):
    # The parts noted are the bits of a bigint: part 63 is its sign bit.
    by_part = {}
    while len(by_part) < 2:
        contact = factories.ContactFactory(organization=None)
        if part_of(contact) in (0, health.PARTS - 1):
            by_part.setdefault(part_of(contact), contact)
    for part, contact in by_part.items():
        before = versions()
        Contact.objects.filter(pk=contact.pk).update(layer="narrative")
        assert moved(before) == {part}
    before = versions()
    with transaction.atomic():
        for contact in by_part.values():
            Contact.objects.filter(pk=contact.pk).update(layer="security")

    assert moved(before) == {0, health.PARTS - 1}


@pytest.mark.usefixtures("spread")
def test_a_change_to_a_few_parts_reads_them_and_to_more_sums_the_tally(
    parts_in_place, client, lead, owner
):
    with time_machine.travel(NOW, tick=False):
        refreshed(NOW)  # every part read and kept, as the task does
        assert not health_page(client, lead).part_reads
        contacts = Contact.objects.filter(channels__officer=owner).order_by("pk")
        by_part = {part_of(contact): contact.pk for contact in contacts}
        assert len(by_part) > figure_cache.READ_BEFORE_TALLY + 1
        few = list(by_part.values())[: figure_cache.READ_BEFORE_TALLY]
        Contact.objects.filter(pk__in=few).update(layer="narrative")
        after_few = health_page(client, lead)
        expected_after_few = page_of(lead, NOW)
        contacts.update(layer="narrative")
        after_many = health_page(client, lead)
        again = health_page(client, lead)

    (read,) = after_few.part_reads
    assert "= ANY(ARRAY" in read  # those parts only
    assert not after_few.tally_reads
    assert not after_many.part_reads
    assert len(after_many.tally_reads) == 1
    assert not again.part_reads
    assert not again.tally_reads
    assert shown(after_few) == expected_after_few != shown(after_many)
    assert shown(after_many) == shown(again) == page_of(lead, NOW)


@pytest.mark.usefixtures("spread")
def test_a_protected_contact_the_reader_may_not_see_is_in_no_part_of_theirs(
    parts_in_place, client, lead, admin_user, outsider
):
    """The shared parts hold standard contacts only, a reader's own channels are read
    through ``visible_to``: a protected contact of the outsider's, alone in its
    organization, never reaches the lead's figures (its organization would be a
    single-channel one), where the superuser's show it."""
    hidden = factories.ContactFactory(
        owner=outsider,
        sensitivity=Sensitivity.PROTECTED,
        organization=factories.OrganizationFactory(name="Hidden Press Club"),
    )
    factories.ChannelFactory(officer=outsider, contact=hidden)
    with time_machine.travel(NOW, tick=False):
        refreshed(NOW)  # every part read and kept, as the task does
        for user in (lead, admin_user):
            health_page(client, user)
        # A change in the hidden contact's part: that part alone is read again.
        Contact.objects.filter(pk=hidden.pk).update(layer="narrative")
        seen = {user: health_page(client, user) for user in (lead, admin_user)}

    (read,) = seen[lead].part_reads
    assert "= ANY(ARRAY" in read
    for user, response in seen.items():
        assert shown(response) == page_of(user, NOW)
    assert b"Hidden Press Club" not in seen[lead].content
    assert b"Hidden Press Club" in seen[admin_user].content
    # The parts every reader shares never hold it, whoever read them.
    _, versions, _ = figure_cache.part_versions()
    everyone = Channel.objects.seen_by_all_staff()
    for factor in settings.CLIMATE_FACTORS.values():
        shared, _ = figure_cache.shared_parts(
            everyone, versions, factor=factor, now=NOW, until=NOW + DAY
        )
        assert not any(
            hidden.organization_id in entry.figures.single_channel + entry.figures.several
            for entry in shared.values()
        )
        # Nor the tally.
        summed = tally.shared_part(now=NOW, until=NOW + DAY, factor=factor)
        assert hidden.organization_id not in summed.single_channel + summed.several


# The refresh: the shared parts read before a reader needs them


LEVELS = len(set(settings.CLIMATE_FACTORS.values()))


def refreshed(moment) -> int:
    return figure_cache.refresh_health_parts(now=moment, ahead=AHEAD)


def test_the_refresh_reads_the_shared_parts_missing_or_about_to_stop_serving(parts_in_place, owner):
    contact = factories.ContactFactory()
    factories.ChannelFactory(officer=owner, contact=contact, last_touch_at=NOW - DAY)

    # Under each climate level's factor.
    assert refreshed(NOW) == health.PARTS * LEVELS
    assert refreshed(NOW + HOUR) == 0
    Channel.objects.filter(contact=contact).update(cadence_days=3)
    assert refreshed(NOW + HOUR) == LEVELS  # the part moved on
    # Read at NOW (kept a day): about to stop serving within AHEAD, read again (all of
    # them, being more than PARTS_READ_APART).
    assert refreshed(NOW + DAY - AHEAD + MICROSECOND) == health.PARTS * LEVELS
    assert refreshed(NOW + DAY) == 0


def test_parts_kept_up_to_a_horizon_are_read_again_once_it_has_passed(parts_in_place, owner):
    horizon = NOW + 2 * HOUR
    factories.ChannelFactory(officer=owner, created_at=horizon)  # counted from then on

    assert refreshed(NOW) == health.PARTS * LEVELS
    # Read again before the horizon they would serve no longer: left alone.
    assert refreshed(horizon - MICROSECOND) == 0
    assert refreshed(horizon) == health.PARTS * LEVELS


def test_the_refresh_reads_nothing_with_the_cache_off(parts_in_place, settings):
    settings.INDICATOR_CACHE_SECONDS = 0
    assert refreshed(NOW) == 0


def queued(url: str) -> list[str]:
    """The names of the tasks waiting in the broker's default queue."""
    client = redis.Redis.from_url(url)
    try:
        messages = client.lrange("celery", 0, -1)
        return [json.loads(message)["headers"]["task"] for message in messages]
    finally:
        client.close()


def _import_standard_contacts(owner) -> None:
    rows = "".join(f"Guest {n},academic\n" for n in range(3))
    batch = imports.start_import(
        user=owner,
        file=upload_file("guests.csv", f"Full name,Category\n{rows}".encode()),
        sensitivity=Sensitivity.STANDARD,
        now=timezone.now(),
    )
    imports.preview_batch(batch_id=batch.pk)
    imports.confirm_import(batch, user=owner, only_valid=False, now=timezone.now())
    imports.commit_batch(batch_id=batch.pk, now=timezone.now())


def test_an_import_committed_queues_the_refresh_once(
    parts_in_place,
    owner,
    broker_url,  # noqa: F811 (the fixture)
):
    _import_standard_contacts(owner)

    waiting = queued(broker_url)
    assert waiting.count(REFRESH_HEALTH_PARTS) == 1
    assert Contact.objects.filter(full_name__startswith="Guest ").count() == 3


def test_with_a_cache_of_each_processs_own_the_refresh_reads_nothing_and_is_not_queued(
    parts_in_place,
    owner,
    settings,
    broker_url,  # noqa: F811 (the fixture)
):
    """What a worker keeps in its own memory no web process reads (PostgreSQL without
    REDIS_URL): the task does not read it, an import does not queue it."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert figure_cache.shared_between_processes() is False

    assert refreshed(NOW) == 0
    _import_standard_contacts(owner)
    assert REFRESH_HEALTH_PARTS not in queued(broker_url)


def refresh_interval() -> tuple:
    task = PeriodicTask.objects.select_related("interval").get(task=REFRESH_HEALTH_PARTS)
    return task.interval.every, task.interval.period


def test_the_refresh_runs_every_15_seconds_on_postgresql_and_an_operators_interval_stays(db):
    every_15 = importlib.import_module(
        "indicators.migrations.0009_refresh_health_parts_every_15_seconds"
    )
    assert refresh_interval() == (15, "seconds")  # as migrated

    every_15.remove_schedule(django_apps, None)  # migrated backwards
    assert refresh_interval() == (1, "minutes")
    every_15.install_schedule(django_apps, None)
    assert refresh_interval() == (15, "seconds")

    # Elsewhere than on PostgreSQL (the embedded default's SQLite keeps no parts): a minute.
    every_15.remove_schedule(django_apps, None)
    on_sqlite = SimpleNamespace(connection=SimpleNamespace(vendor="sqlite"))
    every_15.install_schedule(django_apps, on_sqlite)
    assert refresh_interval() == (1, "minutes")
    every_15.install_schedule(django_apps, None)

    # An interval an operator chose in the admin is theirs, either way.
    PeriodicTask.objects.filter(task=REFRESH_HEALTH_PARTS).update(
        interval=IntervalSchedule.objects.create(every=5, period="minutes")
    )
    every_15.install_schedule(django_apps, None)
    every_15.remove_schedule(django_apps, None)
    assert refresh_interval() == (5, "minutes")


@pytest.mark.usefixtures("spread")
def test_after_a_change_of_climate_the_refreshed_parts_serve_under_the_new_level(
    parts_in_place, client, lead
):
    with time_machine.travel(NOW, tick=False):
        before = health_page(client, lead)
        refreshed(NOW)
        factories.ClimateFactory(level="crisis", started_at=NOW - HOUR)
        after = health_page(client, lead)
        expected = page_of(lead, NOW)

    assert after.part_reads == []  # read under every level before the change
    assert len(after.own_reads) == 1  # the reader's own, under the new level
    assert shown(after) == expected
    assert shown(after) != shown(before)  # channels overdue under crisis, not before


@pytest.mark.usefixtures("spread")
def test_a_real_worker_runs_the_refresh_so_a_change_of_climate_finds_its_parts_read(
    parts_in_place,
    client,
    lead,
    broker_url,  # noqa: F811 (the fixture)
):
    """The task, sent as beat sends it, run by a real worker into the cache the web reads:
    after a change of climate committed through the service, the lead's page reads their
    own channels only."""
    from contacts import services

    with running_worker(environment=worker_environment(broker_url=broker_url)) as worker:
        sent = current_app.send_task(REFRESH_HEALTH_PARTS)
        worker.wait_for_task(REFRESH_HEALTH_PARTS, sent.id)
    services.record_climate_level(level="crisis", started_at=NOW - HOUR, note="test")
    after = health_page(client, lead)

    assert after.part_reads == []
    assert len(after.own_reads) == 1
    assert shown(after) == page_of(lead, timezone.now())


def _batch_in(batch: ImportBatch, status: str, worker) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status == status:
            return
        time.sleep(0.1)
    raise AssertionError(f"Import {batch.pk} is {batch.status}, not {status}:\n{worker.output}")


def _refreshes_run(worker, count: int) -> None:
    """Wait until the worker has run the refresh ``count`` times (none sent by beat: the
    test's worker runs none)."""
    succeeded = re.compile(rf"Task {re.escape(REFRESH_HEALTH_PARTS)}\[[^\]]+\] succeeded")
    deadline = time.monotonic() + 60
    while len(succeeded.findall(worker.output)) < count:
        assert time.monotonic() < deadline, f"{count} refreshes not run:\n{worker.output}"
        time.sleep(0.1)


@pytest.mark.usefixtures("spread")
def test_a_real_worker_reads_the_parts_again_right_after_an_import_and_after_its_revert(
    parts_in_place,
    client,
    lead,
    owner,
    broker_url,  # noqa: F811 (the fixture)
):
    """An import of standard contacts into more parts than are read apart, run by a real
    worker, is followed on it by the refresh (no schedule runs here), so the lead's first
    page after it reads no shared part and shows the figures computed then; its revert too."""
    rows = "".join(f"Guest {n},academic\n" for n in range(health.PARTS_READ_APART + 4))
    upload = upload_file("guests.csv", f"Full name,Category\n{rows}".encode())
    with running_worker(environment=worker_environment(broker_url=broker_url)) as worker:
        refreshed(timezone.now())
        assert health_page(client, lead).part_reads == []  # every part read before
        batch = imports.start_import(
            user=owner, file=upload, sensitivity=Sensitivity.STANDARD, now=timezone.now()
        )
        _batch_in(batch, ImportBatch.Status.PREVIEW_READY, worker)
        before = versions()

        imports.confirm_import(batch, user=owner, only_valid=False, now=timezone.now())
        _batch_in(batch, ImportBatch.Status.IMPORTED, worker)
        _refreshes_run(worker, 1)
        moved_by_import, imported = moved(before), versions()
        after_import = health_page(client, lead)
        expected_after_import = page_of(lead, timezone.now())

        imports.revert_import(batch, user=owner, now=timezone.now())
        _batch_in(batch, ImportBatch.Status.REVERTED, worker)
        _refreshes_run(worker, 2)
        moved_by_revert = moved(imported)
        after_revert = health_page(client, lead)
        expected_after_revert = page_of(lead, timezone.now())

    # The import moved more parts than a reader would read apart, the revert them again.
    assert len(moved_by_import - {PRIVATE}) > health.PARTS_READ_APART
    assert len(moved_by_revert - {PRIVATE}) > health.PARTS_READ_APART
    assert Contact.objects.filter(full_name__startswith="Guest ").count() == 0
    assert after_import.part_reads == []
    assert shown(after_import) == expected_after_import
    assert after_revert.part_reads == []
    assert shown(after_revert) == expected_after_revert


@pytest.mark.usefixtures("spread")
def test_a_climate_level_recorded_to_start_later_ends_what_was_kept_when_it_starts(
    parts_in_place, client, lead
):
    """Parts and a reader's own channels kept before the level was recorded serve until
    their own horizon; the reader's sum made after it, from them, serves only until the
    level starts (the horizon now), then the figures under the new level show."""
    starts = NOW + 2 * HOUR
    with time_machine.travel(NOW, tick=False):
        health_page(client, lead)  # parts and own channels kept for a day
        factories.ClimateFactory(level="crisis", started_at=starts)
    with time_machine.travel(NOW + HOUR, tick=False):
        before = health_page(client, lead)  # the sum made again, from what was kept
    with time_machine.travel(starts + HOUR, tick=False):
        after = health_page(client, lead)
        expected = page_of(lead, starts + HOUR)

    assert before.part_reads == []
    assert before.own_reads == []
    assert shown(after) == expected
    assert shown(after) != shown(before)
