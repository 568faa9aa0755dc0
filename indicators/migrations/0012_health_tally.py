"""The network-health figures every reader shares, kept as changes happen (issue 21).

After a change touching every part of indicators.0006 (a bulk edit of channels, of the
contacts' organizations, layers, categories or sensitivities, an import across the
mission), the first reader of ``/health/`` read every shared channel: about twice the
floor, over the 150 ms target. Here triggers keep, in ``indicators_healthtally``, how many
channels of standard contacts fall in each group the page shows, so that the page sums a
few thousand rows instead (``indicators.tally``):

- by status; per organization, its active channels (the single-channel organizations);
- over active channels, under each informal cadence factor of the climate levels (the
  table ``indicators_health_factor``, of ``CLIMATE_FACTORS`` when this migration ran:
  ``indicators.tally.keep_up`` writes it again and reads the tally anew when the settings
  change), per layer, category and officer, and by the day (UTC) on which the channels fall
  due, so that a reader counts those due after ``now`` from the days after it, and reads
  the channels falling due within its own day or two, found through an index of the active
  channels by cadence, kind and start of count (a range of starts per cadence and kind).

The rows are changes: each statement on the channels or the contacts adds, for the rows it
wrote, what they count now less what they counted before, summed per group (no row is
updated in place, so writers never wait for one another here). A channel counts while it
and its contact both exist and the contact is standard, as the shared figures read them.
A contact's update that does not change what they read (organization, layer, category,
sensitivity) writes nothing. The days before yesterday are all one to a reader (their
channels are overdue): ``indicators.tally.compact`` folds them into one row per group.
``TRUNCATE`` of either table empties the tally (which then holds no channel, as the tables
do) and marks nothing folded. ``indicators_health_factor`` has no model, so a test's flush
leaves it.
"""

from django.conf import settings
from django.db import migrations, models

import contacts.models.choices

TALLY = "indicators_healthtally"
# The factors the tally is kept under, each with the day before which its rows have been
# folded into the day before it (indicators.tally.compact): a reader reads days from then on.
FACTORS = "indicators_health_factor"
NOTHING_FOLDED = -(2**31)
ACTIVE = "active"
STANDARD = "standard"
DAY = 86400

# A channel's start of count and its next due moment under factor f.factor, as
# contacts.querysets.ChannelQuerySet.with_due computes them (the same expression, so the
# day found here is the day it gives).
COUNTED_FROM = (
    "GREATEST(COALESCE(ch.last_touch_at, ch.created_at), "
    "COALESCE(ch.count_restarted_at, COALESCE(ch.last_touch_at, ch.created_at)))"
)
DUE = (
    "(r.counted_from + (r.cadence_days * CASE WHEN r.kind = 'informal' "
    "THEN 24.0::float8 * f.factor ELSE 24.0::float8 END) * INTERVAL '1 hour')"
)
# The columns of ``r``, the channels counted (``n``: 1 or -1) with their contacts.
ROW = (
    "ch.status, ch.officer_id, c.layer, c.category, c.organization_id, "
    f"{COUNTED_FROM} AS counted_from, ch.cadence_days, ch.kind"
)

# Given ``r``, what its rows count, summed per group. Only this file's constants are
# interpolated.
ADD = f"""
INSERT INTO {TALLY} (factor, grouping, label, ref, bucket, channels)
SELECT factor, grouping, label, ref, bucket, sum(n) FROM (
    SELECT NULL::float8 AS factor, 's' AS grouping, r.status::text AS label,
           NULL::bigint AS ref, 0 AS bucket, r.n FROM r
    UNION ALL
    SELECT NULL, 'g', NULL, r.organization_id, 0, r.n FROM r
    WHERE r.status = '{ACTIVE}' AND r.organization_id IS NOT NULL
    UNION ALL
    SELECT f.factor, k.grouping, k.label, k.ref,
           floor(extract(epoch FROM {DUE}) / {DAY})::int, r.n
    FROM r CROSS JOIN {FACTORS} f
    CROSS JOIN LATERAL (VALUES ('l', r.layer::text, NULL::bigint),
                               ('c', r.category::text, NULL::bigint),
                               ('o', NULL::text, r.officer_id::bigint)) k (grouping, label, ref)
    WHERE r.status = '{ACTIVE}'
) counted GROUP BY factor, grouping, label, ref, bucket HAVING sum(n) <> 0"""  # noqa: S608

# The active channels by cadence, kind and start of count: a reader finds those falling due
# within its day or two through it, cadence by cadence (indicators.tally.WITHIN).
INDEX = "contacts_channel_counted_from"
INDEX_SQL = (
    f"CREATE INDEX {INDEX} ON contacts_channel "
    f"(cadence_days, kind, ({COUNTED_FROM.replace('ch.', '')})) WHERE status = '{ACTIVE}'"
)

# Every channel, as a new tally is read (indicators.tally.rebuild).
EVERY_CHANNEL = f"""
WITH r AS (
    SELECT 1 AS n, {ROW} FROM contacts_channel ch
    JOIN contacts_contact c ON c.id = ch.contact_id WHERE c.sensitivity = '{STANDARD}')
{ADD}"""  # noqa: S608

CHANNEL_COLUMNS = (
    "status",
    "officer_id",
    "contact_id",
    "kind",
    "cadence_days",
    "last_touch_at",
    "created_at",
    "count_restarted_at",
)
CONTACT_COLUMNS = ("organization_id", "layer", "category", "sensitivity")


def _changed(columns) -> str:
    """The rows of an update whose ``columns`` changed (or whose id did: no partner), each
    as it was (``was``, its id ``was_id``) and as it is (``now``, ``now_id``), NULL on the
    side it lacks. A full join,
    which PostgreSQL runs by hashing or merging only: the plan kept for the function after
    a one-row update stays linear for a bulk one (an anti-join kept as a nested loop over
    the transition tables, which have no index, would not)."""
    before = ", ".join(f"was.{column}" for column in columns)
    after = ", ".join(f"now.{column}" for column in columns)
    # Only this file's constants are interpolated.
    return (
        "SELECT was.id AS was_id, was, now.id AS now_id, now "  # noqa: S608
        "FROM old_rows was FULL JOIN new_rows now ON now.id = was.id "
        f"WHERE was.id IS NULL OR now.id IS NULL OR ({before}) IS DISTINCT FROM ({after})"
    )


# Beyond this many rows a statement's own copy of each statement below runs: PostgreSQL
# keeps a trigger statement's plan from its first run in a session, sized for that run's
# rows, and a plan made for a bulk statement (hashing every contact or channel) would cost
# every later one-row write as much; one made for a row, kept for a bulk one, stays linear.
BULK = 500


def _sized(rows: str, statements: str) -> str:
    """``statements`` as two copies of themselves, each planned for its own sizes: the
    transition table ``rows`` holding a few rows, or more than ``BULK``."""
    return (
        f"IF (SELECT count(*) FROM {rows}) > {BULK} THEN{statements}\n"  # noqa: S608
        f"        ELSE{statements}\n        END IF;"
    )


def _contacts_locked(*rows: str) -> str:
    """Lock the contacts the channels in ``rows`` name, in id order, before the channels
    are counted in the next statement (which reads them anew): a transaction changing one
    of them (its sensitivity, layer...) waits for this one to end, or this one for it, so
    neither counts the other's rows as they were before it (a channel inserted beside a
    contact made restricted would stay in the shared figures). FOR NO KEY UPDATE, the lock
    the contact's own update takes when its channels' dates are stored again
    (``contacts.contact_dates``): two writers of one contact's channels wait for one
    another here, where a shared lock each would deadlock as both then update the contact.
    A foreign key's check (FOR KEY SHARE) does not wait for it."""
    named = " UNION ".join(f"SELECT contact_id FROM {table}" for table in rows)  # noqa: S608
    return (
        f"\n            PERFORM FROM contacts_contact WHERE id IN ({named}) ORDER BY id "
        "FOR NO KEY UPDATE;"
    )


def _counted(
    sign: str, channels="contacts_channel ch", contacts="contacts_contact c", where=""
) -> str:
    """The channels ``ch`` joined to their contacts ``c``, standard ones, each counted
    ``sign`` (1 or -1): either side may be a transition table or an update's rows."""
    # Only this file's constants and clauses are interpolated.
    return (
        f"SELECT {sign} AS n, {ROW} FROM {channels} JOIN {contacts} "  # noqa: S608
        f"ON c.id = ch.contact_id WHERE c.sensitivity = '{STANDARD}'{where}"
    )


def _updated(columns, side: str) -> str:
    """An update's rows of the channels (``side`` 'ch') or the contacts ('c') whose
    ``columns`` changed, counted as they were (less) and as they are."""
    before, after = (
        f"changed CROSS JOIN LATERAL (SELECT (changed.{row}).*) {side}" for row in ("was", "now")
    )
    if side == "c":  # the channels first, then the contacts' rows in parentheses
        before, after = (
            _counted(sign, contacts=f"({rows})", where=f" AND changed.{row}_id IS NOT NULL")
            for sign, rows, row in (("-1", before, "was"), ("1", after, "now"))
        )
    else:
        before, after = (
            _counted(sign, channels=rows, where=f" AND changed.{row}_id IS NOT NULL")
            for sign, rows, row in (("-1", before, "was"), ("1", after, "now"))
        )
    return f"""
            WITH changed AS ({_changed(columns)}),
            r AS ({before}
                  UNION ALL {after})
            {ADD};"""


def _inserted_or_deleted(sign: str, table: str, side: str) -> str:
    rows = f"{table} {side}"
    counted = _counted(sign, channels=rows) if side == "ch" else _counted(sign, contacts=rows)
    return f"""
            WITH r AS ({counted})
            {ADD};"""


KEEP = f"""
CREATE OR REPLACE FUNCTION indicators_keep_health_tally() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        -- Not beside a fold, whose new rows this would not see.
        LOCK TABLE {FACTORS} IN SHARE UPDATE EXCLUSIVE MODE;
        DELETE FROM {TALLY};
        UPDATE {FACTORS} SET folded_before = {NOTHING_FOLDED};
    ELSIF TG_TABLE_NAME = 'contacts_channel' AND TG_OP = 'INSERT' THEN
        {_sized("new_rows", _contacts_locked("new_rows") + _inserted_or_deleted("1", "new_rows", "ch"))}
    ELSIF TG_TABLE_NAME = 'contacts_channel' AND TG_OP = 'DELETE' THEN
        {_sized("old_rows", _contacts_locked("old_rows") + _inserted_or_deleted("-1", "old_rows", "ch"))}
    ELSIF TG_TABLE_NAME = 'contacts_channel' THEN
        -- An update: the rows whose counted columns changed, before (less) and after.
        {_sized("new_rows", _contacts_locked("old_rows", "new_rows") + _updated(CHANNEL_COLUMNS, "ch"))}
    ELSIF TG_OP = 'INSERT' THEN
        {_sized("new_rows", _inserted_or_deleted("1", "new_rows", "c"))}
    ELSIF TG_OP = 'DELETE' THEN
        {_sized("old_rows", _inserted_or_deleted("-1", "old_rows", "c"))}
    ELSE
        -- A contact's update: its channels as it was (less) and as it is, when a column
        -- they are counted by changed (or its id: no partner to compare with). The
        -- statement holds the contacts' rows: a channel's writer waits for it.
        {_sized("new_rows", _updated(CONTACT_COLUMNS, "c"))}
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608

EVENTS = (
    ("i", "INSERT", "REFERENCING NEW TABLE AS new_rows"),
    ("u", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("d", "DELETE", "REFERENCING OLD TABLE AS old_rows"),
    ("t", "TRUNCATE", ""),
)
TABLES = ("contacts_channel", "contacts_contact")


def _name(table: str, suffix: str) -> str:
    return f"indicators_tally_{table}_{suffix}"[:63]


def factors() -> list[float]:
    """The informal cadence factors of the climate levels, each once, in order."""
    return sorted({float(factor) for factor in settings.CLIMATE_FACTORS.values()})


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute(
        f"CREATE TABLE {FACTORS} (factor double precision PRIMARY KEY, "
        f"folded_before integer NOT NULL DEFAULT {NOTHING_FOLDED})"
    )
    execute(f"INSERT INTO {FACTORS} (factor) SELECT unnest(%s::float8[])", [factors()])
    execute(KEEP)
    for table in TABLES:
        for suffix, event, referencing in EVENTS:
            execute(
                f"CREATE TRIGGER {_name(table, suffix)} AFTER {event} ON {table} {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION indicators_keep_health_tally()"
            )
    execute(EVERY_CHANNEL)
    execute(INDEX_SQL)
    execute("ANALYZE contacts_channel")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    for table in TABLES:
        for suffix, _, _ in EVENTS:
            execute(f"DROP TRIGGER {_name(table, suffix)} ON {table}")
    execute("DROP FUNCTION indicators_keep_health_tally()")
    execute(f"DROP INDEX {INDEX}")
    execute(f"DROP TABLE {FACTORS}")


class Migration(migrations.Migration):
    dependencies = [("indicators", "0011_health_parts_read_columns")]

    operations = [
        migrations.CreateModel(
            name="HealthTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("factor", models.FloatField(null=True, verbose_name="cadence factor")),
                ("grouping", models.CharField(max_length=1, verbose_name="grouping")),
                ("label", models.CharField(max_length=20, null=True, verbose_name="label")),
                ("ref", models.BigIntegerField(null=True, verbose_name="id")),
                ("bucket", models.IntegerField(verbose_name="due day")),
                ("channels", models.IntegerField(verbose_name="channels")),
            ],
            options={
                "indexes": [models.Index(fields=["factor"], name="health_tally_factor")],
            },
            bases=(contacts.models.choices.ChoiceLabels, models.Model),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
