"""The network-health tally (migration ``indicators.0012``, ``indicators.tally``): whatever
writes the channels or the contacts, and however, the tally the triggers keep sums to the
figures read from every shared channel (``health.part_figures`` over
``Channel.objects.seen_by_all_staff()``) under every climate level's factor and at every
moment a channel falls due; folding its rows and reading it anew change nothing; a factor
it does not keep is never summed; a writer's rows not yet committed survive a fold; and
the task keeps it."""

import datetime as dt
import importlib
import re
import threading
from collections import Counter

import psycopg
import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from contacts.models import Channel, Contact, Sensitivity
from indicators import health, tally
from indicators.models import HealthTally
from indicators.tasks import refresh_health_parts
from tests import factories
from tests.indicators.test_health_cache import DAY, HOUR, MICROSECOND, NOW

SCHEMA = importlib.import_module("indicators.migrations.0012_health_tally")
FACTORS = sorted(set(settings.CLIMATE_FACTORS.values()))


def read_whole(moment, until, factor) -> health.Part:
    """The shared figures read from every channel, as one ``Part`` (the organizations of
    every part together)."""
    parts = health.part_figures(
        Channel.objects.seen_by_all_staff(), now=moment, until=until, parts=None, factor=factor
    )
    summed = {"by_status": {}, "by_layer": {}, "by_category": {}, "by_officer": {}}
    single, several, lapses = [], [], []
    for part in parts.values():
        for name, sums in summed.items():
            for key, value in getattr(part, name).items():
                if name == "by_status":
                    sums[key] = sums.get(key, 0) + value
                else:
                    before = sums.get(key, (0, 0))
                    sums[key] = (before[0] + value[0], before[1] + value[1])
        single += part.single_channel
        several += part.several
        lapses += part.lapses
    return health.Part(
        **summed,
        single_channel=tuple(sorted(single)),
        several=tuple(sorted(several)),
        lapses=tuple(sorted(lapses, key=repr)),
    )


def as_compared(part: health.Part) -> health.Part:
    """The same figures put alike: statuses with channels, lapses summed by moment and
    group (a part reads them per part)."""
    lapses = Counter()
    for when, *group, channels in part.lapses:
        lapses[(when, *group)] += channels
    return health.Part(
        by_status={key: n for key, n in part.by_status.items() if n},
        by_layer=part.by_layer,
        by_category=part.by_category,
        by_officer=part.by_officer,
        single_channel=part.single_channel,
        several=part.several,
        lapses=tuple(sorted(lapses.items(), key=repr)),
    )


def assert_tally_sums_to_the_channels(moments=(NOW,)) -> None:
    """Under every factor the tally keeps (the settings' and any it was kept under)."""
    factors = tally.kept_factors()
    assert set(tally.SCHEMA.factors()) <= set(factors)
    for factor in factors:
        for moment in moments:
            until = moment + DAY
            summed = tally.shared_part(now=moment, until=until, factor=factor)
            assert summed is not None
            assert as_compared(summed) == as_compared(read_whole(moment, until, factor)), (
                factor,
                moment,
            )


@pytest.fixture
def network(owner, teammate, lead):
    """Channels of standard, restricted and protected contacts, formal and informal, with
    and without an organization, falling due over the day around ``NOW``."""
    organizations = [factories.OrganizationFactory(name=f"Org {n}") for n in range(4)]
    officers = [owner, teammate, lead]
    channels = []
    for number in range(24):
        channels.append(
            factories.ChannelFactory(
                officer=officers[number % 3],
                contact=factories.ContactFactory(
                    owner=owner,
                    layer=("security", "political", "")[number % 3],
                    category=("journalist", "academic")[number % 2],
                    organization=organizations[number % 4] if number % 5 else None,
                    sensitivity=(
                        Sensitivity.RESTRICTED,
                        Sensitivity.STANDARD,
                        Sensitivity.STANDARD,
                        Sensitivity.PROTECTED,
                    )[number % 4],
                ),
                kind=(Channel.Kind.INFORMAL, Channel.Kind.FORMAL)[number % 2],
                status=Channel.Status.PAUSED if number == 10 else Channel.Status.ACTIVE,
                cadence_days=1 + number % 4,
                created_at=NOW - 40 * DAY,
                last_touch_at=NOW - (1 + number % 4) * DAY + dt.timedelta(hours=number - 8),
            )
        )
    return channels


def moments_falling_due() -> list:
    """``NOW`` and the moments channels fall due within the day after it, and the
    microsecond before each."""
    kept = read_whole(NOW, NOW + DAY, FACTORS[0])
    moments = {NOW}
    for when, *_ in kept.lapses:
        moments |= {when, when - MICROSECOND}
    return sorted(moment for moment in moments if moment >= NOW)


@pytest.mark.usefixtures("network")
def test_the_tally_sums_to_the_shared_channels_at_every_moment_they_fall_due():
    moments = moments_falling_due()

    assert len(moments) > 6
    assert_tally_sums_to_the_channels(moments)


CHANGES = {
    "a touch": lambda ch: Channel.objects.filter(pk=ch[1].pk).update(last_touch_at=NOW),
    "a restart": lambda ch: Channel.objects.filter(pk=ch[2].pk).update(count_restarted_at=NOW),
    "a cadence": lambda ch: Channel.objects.filter(pk=ch[5].pk).update(cadence_days=9),
    "a kind": lambda ch: Channel.objects.filter(pk=ch[22].pk).update(kind="formal"),
    "a status": lambda ch: Channel.objects.filter(pk__in=[ch[1].pk, ch[5].pk]).update(
        status="closed"
    ),
    "a new officer": lambda ch: Channel.objects.filter(pk=ch[9].pk).update(
        officer=factories.UserFactory()
    ),
    "a channel saved whole": lambda ch: Channel.objects.get(pk=ch[13].pk).save(),
    "a channel moved to another contact": lambda ch: Channel.objects.filter(pk=ch[14].pk).update(
        contact=factories.ContactFactory(layer="narrative")
    ),
    "a channel deleted": lambda ch: Channel.objects.filter(pk=ch[17].pk).delete(),
    "a new channel": lambda ch: factories.ChannelFactory(contact=ch[2].contact),
    "every channel in bulk": lambda ch: Channel.objects.update(cadence_days=30),
    "a layer": lambda ch: Contact.objects.filter(pk=ch[1].contact_id).update(layer="narrative"),
    "a category": lambda ch: Contact.objects.filter(pk=ch[2].contact_id).update(
        category="academic"
    ),
    "an organization": lambda ch: Contact.objects.filter(pk=ch[5].contact_id).update(
        organization=factories.OrganizationFactory()
    ),
    "made restricted": lambda ch: Contact.objects.filter(pk=ch[6].contact_id).update(
        sensitivity=Sensitivity.RESTRICTED
    ),
    "made standard": lambda ch: Contact.objects.filter(pk=ch[0].contact_id).update(
        sensitivity=Sensitivity.STANDARD
    ),
    "a contact deleted with its channels": lambda ch: Contact.objects.filter(
        pk=ch[9].contact_id
    ).delete(),
    "every contact in bulk": lambda ch: Contact.objects.update(layer="security"),
    "a name only": lambda ch: Contact.objects.filter(pk=ch[1].contact_id).update(
        full_name="Someone Else"
    ),
}


@pytest.mark.usefixtures("network")
@pytest.mark.parametrize("change", CHANGES)
def test_after_any_change_the_tally_sums_to_the_shared_channels(network, change):
    figures = [as_compared(read_whole(NOW, NOW + DAY, factor)) for factor in FACTORS]
    CHANGES[change](network)

    if change not in {"a name only", "a channel saved whole"}:
        after = [as_compared(read_whole(NOW, NOW + DAY, factor)) for factor in FACTORS]
        assert after != figures
    assert_tally_sums_to_the_channels((NOW, NOW + 5 * HOUR))


@pytest.mark.usefixtures("network")
def test_raw_sql_that_deletes_a_contact_before_its_channels_or_changes_its_id(network):
    contact = network[1].contact_id
    with connection.cursor() as cursor:
        # The foreign keys are deferred: the contact can go first, then its channels.
        cursor.execute("DELETE FROM contacts_contact WHERE id = %s", [contact])
        assert_tally_sums_to_the_channels()
        cursor.execute("DELETE FROM contacts_channel WHERE contact_id = %s", [contact])
        assert_tally_sums_to_the_channels()
        moved = network[2].contact_id
        cursor.execute("UPDATE contacts_contact SET id = id + 100000 WHERE id = %s", [moved])
        assert_tally_sums_to_the_channels()
        cursor.execute(
            "UPDATE contacts_channel SET contact_id = contact_id + 100000 WHERE contact_id = %s",
            [moved],
        )
        assert_tally_sums_to_the_channels()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("network")
def test_a_truncate_empties_the_tally_with_the_channels():
    assert HealthTally.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE contacts_channel CASCADE")

    assert not HealthTally.objects.exists()
    assert_tally_sums_to_the_channels()


@pytest.mark.usefixtures("network")
def test_a_change_that_alters_no_figure_writes_no_row(network):
    rows = HealthTally.objects.count()
    Contact.objects.update(full_name="Renamed", notes="Re-encrypted")
    Channel.objects.update(priority="key")
    for channel in network[:3]:
        Channel.objects.get(pk=channel.pk).save()

    assert HealthTally.objects.count() == rows


@pytest.mark.usefixtures("network")
def test_folding_the_rows_leaves_one_per_group_and_the_same_sums(network):
    for channel in network[1::2]:  # (the formal ones: the informal stay overdue for days)
        Channel.objects.filter(pk=channel.pk).update(last_touch_at=NOW - HOUR)
    Contact.objects.filter(pk=network[1].contact_id).update(layer="narrative")
    rows = HealthTally.objects.count()

    went = tally.compact(now=NOW)

    left = HealthTally.objects.count()
    assert went == rows - left > 0
    groups = HealthTally.objects.values_list("factor", "grouping", "label", "ref", "bucket")
    assert len(set(groups)) == left
    assert not HealthTally.objects.filter(channels=0).exists()
    assert_tally_sums_to_the_channels((NOW, NOW + 3 * HOUR))
    assert tally.compact(now=NOW) == 0
    # The days before yesterday are one row per group: a reader of a moment before
    # yesterday is told so (and reads the channels).
    yesterday = tally.day_of(NOW) - 1
    past = HealthTally.objects.filter(factor__isnull=False, bucket__lt=yesterday)
    assert set(past.values_list("bucket", flat=True)) == {yesterday - 1}
    assert tally.shared_part(now=NOW - DAY, until=NOW, factor=1.0) is not None
    assert tally.shared_part(now=NOW - 2 * DAY, until=NOW, factor=1.0) is None


@pytest.fixture
def crisis_at_a_fifth():
    """The crisis level's factor changed by a deployment (0.25 to 0.2); the tally kept
    under the settings' factors again afterwards (the factors' table outlives a test)."""
    with override_settings(CLIMATE_FACTORS={**settings.CLIMATE_FACTORS, "crisis": 0.2}):
        yield
    tally.rebuild(only_the_settings=True)
    assert tally.kept_factors() == FACTORS


@pytest.mark.usefixtures("network", "crisis_at_a_fifth")
def test_a_factor_the_tally_does_not_keep_is_never_summed_until_it_is_read_anew(network):
    assert tally.shared_part(now=NOW, until=NOW + DAY, factor=0.2) is None
    assert tally.keep_up(now=NOW) == HealthTally.objects.count() > 0  # read anew
    # The factor it was kept under stays (processes with the former settings, in a
    # rolling deployment, do not read it anew in turn).
    assert tally.kept_factors() == sorted({*FACTORS, 0.2})
    tally.keep_up(now=NOW)  # only folded now
    assert tally.kept_factors() == sorted({*FACTORS, 0.2})
    for factor in (0.2, 0.25):
        summed = tally.shared_part(now=NOW, until=NOW + DAY, factor=factor)
        assert as_compared(summed) == as_compared(read_whole(NOW, NOW + DAY, factor))
    # And kept by the triggers under the new factor from then on.
    Channel.objects.filter(pk=network[2].pk).update(last_touch_at=NOW - 3 * HOUR)
    summed = tally.shared_part(now=NOW, until=NOW + DAY, factor=0.2)
    assert as_compared(summed) == as_compared(read_whole(NOW, NOW + DAY, 0.2))


def test_the_days_are_those_the_channels_fall_due_on_at_their_edges(owner):
    """A channel due exactly at midnight UTC lies in that day, one due a microsecond before
    in the day before: the tally and the channels read agree at the edge."""
    midnight = dt.datetime(2026, 3, 17, tzinfo=dt.UTC)
    for offset in (dt.timedelta(0), -MICROSECOND, MICROSECOND):
        factories.ChannelFactory(
            officer=owner,
            kind=Channel.Kind.FORMAL,
            cadence_days=1,
            created_at=midnight - DAY - 5 * DAY,
            last_touch_at=midnight - DAY + offset,
        )
    assert tally.day_of(midnight) - tally.day_of(midnight - MICROSECOND) == 1
    for moment in (midnight - HOUR, midnight - MICROSECOND, midnight, midnight + MICROSECOND):
        for until in (moment + DAY, midnight, midnight + MICROSECOND):
            if until > moment:
                summed = tally.shared_part(now=moment, until=until, factor=1.0)
                whole = read_whole(moment, until, 1.0)
                assert as_compared(summed) == as_compared(whole), (moment, until)


def test_the_tally_counts_only_the_channels_the_figures_read(db):
    """The triggers' column lists (indicators.0012): the shared figures' statements name no
    other column of the channels or the contacts, so a change of any other writes nothing
    that could matter."""
    with CaptureQueriesContext(connection) as read:
        tally.shared_part(now=NOW, until=NOW + DAY, factor=0.5)
        read_whole(NOW, NOW + DAY, 0.5)
    sql = " ".join(query["sql"] for query in read.captured_queries)
    channel_columns = set(re.findall(r'"contacts_channel"\."(\w+)"', sql))
    contact_columns = set(re.findall(r'"contacts_contact"\."(\w+)"', sql))

    assert {"status", "last_touch_at", "cadence_days"} <= channel_columns
    assert channel_columns <= {"id", *SCHEMA.CHANNEL_COLUMNS}
    assert {"layer", "sensitivity"} <= contact_columns
    assert contact_columns <= {"id", *SCHEMA.CONTACT_COLUMNS}


def connection_params() -> dict:
    """How a second connection reaches the test database."""
    params = connection.get_connection_params()
    return {key: params[key] for key in ("dbname", "user", "host", "port") if key in params}


@pytest.mark.django_db(transaction=True)
def test_a_writers_rows_not_yet_committed_survive_a_fold(owner):
    """The fold is one statement: rows a writer adds meanwhile are not seen, so not
    deleted, and count once committed."""
    contact = factories.ContactFactory(owner=owner)
    channel = factories.ChannelFactory(officer=owner, contact=contact, cadence_days=3)
    other = factories.ChannelFactory(last_touch_at=NOW)  # (its contact not held by the writer)
    writer = psycopg.connect(**connection_params(), autocommit=False)
    try:
        with writer.cursor() as cursor:
            cursor.execute(
                "UPDATE contacts_channel SET cadence_days = 7 WHERE id = %s", [channel.pk]
            )
        # Several rows per group, committed, beside the writer's open ones.
        Channel.objects.filter(pk=other.pk).update(status="paused")
        Channel.objects.filter(pk=other.pk).update(status="active")
        assert tally.compact(now=NOW) > 0
        writer.commit()
    finally:
        writer.close()

    assert Channel.objects.get(pk=channel.pk).cadence_days == 7
    assert_tally_sums_to_the_channels()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("crisis_at_a_fifth")
def test_a_rebuild_waits_for_an_open_writer_and_counts_its_change(owner):
    channel = factories.ChannelFactory(officer=owner, cadence_days=3)
    writer = psycopg.connect(**connection_params(), autocommit=False)
    done = threading.Event()

    def rebuild():
        from django.db import connection as own

        try:
            tally.keep_up(now=NOW)
        finally:
            own.close()
            done.set()

    try:
        with writer.cursor() as cursor:
            cursor.execute(
                "UPDATE contacts_channel SET cadence_days = 7 WHERE id = %s", [channel.pk]
            )
        thread = threading.Thread(target=rebuild)
        thread.start()
        assert not done.wait(1)  # held by the writer's transaction
        writer.commit()
        assert done.wait(30)
        thread.join()
    finally:
        writer.close()

    assert tally.kept_factors() == sorted({*FACTORS, 0.2})
    assert_tally_sums_to_the_channels()


@pytest.mark.usefixtures("network")
def test_the_task_folds_the_tally(network):
    for channel in network:
        Channel.objects.filter(pk=channel.pk).update(last_touch_at=NOW - 2 * HOUR)
    groups = HealthTally.objects.values("factor", "grouping", "label", "ref", "bucket")
    assert HealthTally.objects.count() > groups.distinct().count()

    with time_machine.travel(NOW, tick=False):
        refresh_health_parts()

    assert HealthTally.objects.count() == groups.distinct().count()
    assert_tally_sums_to_the_channels()


def test_the_triggers_pair_an_updates_rows_by_a_full_join_only(db):
    """PostgreSQL keeps the plan of a trigger function's statement once made, sized for the
    transition tables of that first statement (which have no index): an anti-join or a
    join between the two transition tables planned after a one-row update stays a nested
    loop for a bulk one, quadratic in its rows (a statement over every channel ran for
    more than ten minutes so). A full join is hashed or merged, never a nested loop."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef('indicators_keep_health_tally'::regproc)")
        (source,) = cursor.fetchone()
    both = [line for line in source.splitlines() if "old_rows" in line and "new_rows" in line]
    paired = "old_rows was FULL JOIN new_rows now ON now.id = was.id"
    named = "(SELECT contact_id FROM old_rows UNION SELECT contact_id FROM new_rows)"

    assert "EXISTS" not in source.upper()
    assert len(both) == 6  # each in two copies: the one for a few rows, the bulk one
    assert all(paired in line or named in line for line in both)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", ["made restricted, a channel added", "a layer, a touch"])
def test_a_channel_written_beside_an_open_change_of_its_contact_is_counted_as_it_ends(
    owner, change
):
    """A channel's writer locks its contact before counting it: beside a
    transaction changing that contact and not committed yet, it waits, then counts the
    channel as the contact is now. Otherwise each would count the other's rows as they
    were: a channel added beside its contact made restricted would stay in the figures
    every reader shares (its organization a single-channel one)."""
    organization = factories.OrganizationFactory(name="Quiet Desk")
    contact = factories.ContactFactory(owner=owner, organization=organization, layer="security")
    channel = factories.ChannelFactory(officer=owner, contact=contact, last_touch_at=NOW - DAY)
    other_officer = factories.UserFactory()
    changing = psycopg.connect(**connection_params(), autocommit=False)
    done = threading.Event()

    def write_the_channel():
        from django.db import connection as own

        try:
            if change.startswith("made restricted"):
                factories.ChannelFactory(officer=other_officer, contact=contact)
            else:
                Channel.objects.filter(pk=channel.pk).update(last_touch_at=NOW)
        finally:
            own.close()
            done.set()

    try:
        with changing.cursor() as cursor:
            if change.startswith("made restricted"):
                cursor.execute(
                    "UPDATE contacts_contact SET sensitivity = 'restricted' WHERE id = %s",
                    [contact.pk],
                )
            else:
                cursor.execute(
                    "UPDATE contacts_contact SET layer = 'narrative' WHERE id = %s", [contact.pk]
                )
        writer = threading.Thread(target=write_the_channel)
        writer.start()
        assert not done.wait(1)  # waits for the contact's change to end
        changing.commit()
        assert done.wait(30)
        writer.join()
    finally:
        changing.close()

    assert_tally_sums_to_the_channels((NOW, NOW + HOUR))
    summed = tally.shared_part(now=NOW, until=NOW + DAY, factor=1.0)
    if change.startswith("made restricted"):
        assert organization.pk not in summed.single_channel + summed.several
        assert not summed.by_status
    else:
        assert summed.by_layer == {"narrative": (1, 1)}  # touched, under its new layer


@pytest.mark.django_db(transaction=True)
def test_two_writers_of_one_contacts_channels_wait_for_each_other_without_a_deadlock(owner):
    """Each touches its own channel of the contact, then stores the contact's dates (as
    logging an exchange does): the second waits at its channel for the first to end,
    where two shared locks on the contact would each wait for the other's."""
    contact = factories.ContactFactory(owner=owner)
    first = factories.ChannelFactory(officer=owner, contact=contact, last_touch_at=NOW - DAY)
    second = factories.ChannelFactory(contact=contact, last_touch_at=NOW - DAY)
    one = psycopg.connect(**connection_params(), autocommit=False)
    other = psycopg.connect(**connection_params(), autocommit=False)
    failures, done = [], threading.Event()

    def the_other():
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "UPDATE contacts_channel SET last_touch_at = %s WHERE id = %s",
                    [NOW, second.pk],
                )
                cursor.execute(
                    "UPDATE contacts_contact SET updated_at = %s WHERE id = %s", [NOW, contact.pk]
                )
            other.commit()
        except psycopg.Error as error:  # a deadlock, were it one
            failures.append(error)
        finally:
            done.set()

    try:
        with one.cursor() as cursor:
            cursor.execute(
                "UPDATE contacts_channel SET last_touch_at = %s WHERE id = %s", [NOW, first.pk]
            )
            thread = threading.Thread(target=the_other)
            thread.start()
            assert not done.wait(1)  # waiting for this transaction's lock on the contact
            cursor.execute(
                "UPDATE contacts_contact SET updated_at = %s WHERE id = %s", [NOW, contact.pk]
            )
        one.commit()
        assert done.wait(30)
        thread.join()
    finally:
        one.close()
        other.close()

    assert failures == []
    assert_tally_sums_to_the_channels()


@pytest.mark.usefixtures("network")
def test_a_rebuild_reads_the_tally_anew_and_the_tasks_only_when_a_factor_is_missing():
    """The task's rebuild reads nothing when the factors it wants are kept by the time it
    holds the lock (another run read them meanwhile); a rebuild asked for by hand (after
    rows were deleted from the tally, say) reads it anew from every channel."""
    HealthTally.objects.filter(grouping="o").delete()  # by hand: the officers' counts lost

    assert tally.rebuild(if_missing=True) is False
    assert not HealthTally.objects.filter(grouping="o").exists()
    assert tally.rebuild() is True
    assert_tally_sums_to_the_channels()
