"""The network-health figures every reader shares (the channels of standard contacts),
read from the tally the database keeps as changes happen (``HealthTally``, migration
``indicators.0012``), PostgreSQL only.

``shared_part`` gives the same ``health.Part`` as reading every shared channel
(``health.part_figures`` over ``Channel.objects.seen_by_all_staff()``), in one statement:
the tally's groups summed, the channels falling due on a day after ``until``'s counted as
kept, and the channels falling due from the start of ``now``'s day (UTC) to the end of
``until``'s read from the channels themselves (kept when due after ``now``; the lapses
when due before ``until``). One statement, so one snapshot: the tally and the channels
read agree.

``keep_up`` (the task of ``indicators.tasks``, every 15 seconds) folds each group's rows
into one, the days before yesterday into one (``compact``), and reads the tally anew when
the settings name a cadence factor it is not kept under (``rebuild``, after a deployment
changed ``CLIMATE_FACTORS``; the factors it was kept under stay, so that processes whose
settings differ do not read it anew in turn); meanwhile ``shared_part`` answers None for a
factor it does not keep and the page reads the channels.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import defaultdict

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from contacts.models import Channel
from indicators import health
from indicators.models import HealthTally

SCHEMA = importlib.import_module("indicators.migrations.0012_health_tally")
TALLY = HealthTally._meta.db_table
FACTORS = SCHEMA.FACTORS
DAY = dt.timedelta(seconds=SCHEMA.DAY)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# The active channels whose start of count lies where, given their cadence and kind, they
# fall due from the first moment to the second (a second more either side: the exact test
# is the due moment's), under the informal channels' cadence hours of a day: each
# cadence and kind found through indicators.0012's index (a skip over its first columns),
# then the range of starts in it. The channels are the queryset's table, unaliased.
START = SCHEMA.COUNTED_FROM
WITHIN = f"""
"contacts_channel"."id" = ANY(ARRAY(
    WITH RECURSIVE kinds AS (
        (SELECT cadence_days, kind FROM contacts_channel WHERE status = '{SCHEMA.ACTIVE}'
         ORDER BY cadence_days, kind LIMIT 1)
        UNION ALL
        SELECT later.cadence_days, later.kind FROM kinds CROSS JOIN LATERAL (
            SELECT cadence_days, kind FROM contacts_channel
            WHERE status = '{SCHEMA.ACTIVE}'
              AND (cadence_days, kind) > (kinds.cadence_days, kinds.kind)
            ORDER BY cadence_days, kind LIMIT 1) later)
    SELECT found.id FROM kinds CROSS JOIN LATERAL (
        SELECT ch.id FROM contacts_channel ch
        WHERE ch.status = '{SCHEMA.ACTIVE}' AND ch.cadence_days = kinds.cadence_days
          AND ch.kind = kinds.kind
          AND {START} >= %s::timestamptz - (kinds.cadence_days * CASE WHEN kinds.kind =
              'informal' THEN %s::float8 ELSE 24.0::float8 END) * INTERVAL '1 hour'
              - INTERVAL '1 second'
          AND {START} < %s::timestamptz - (kinds.cadence_days * CASE WHEN kinds.kind =
              'informal' THEN %s::float8 ELSE 24.0::float8 END) * INTERVAL '1 hour'
              + INTERVAL '1 second'
        OFFSET 0) found))"""  # noqa: S608


def day_of(when: dt.datetime) -> int:
    """The tally's day of a moment: whole days since 1970-01-01 UTC."""
    return (when - EPOCH) // DAY


def shared_part(
    *, now: dt.datetime, until: dt.datetime, factor: float, everyone=None
) -> health.Part | None:
    """The figures of the channels every reader shares at ``now``, under the informal
    channels' cadence ``factor``, with those falling due before ``until`` (at most a day or
    two after ``now``): one statement. None when the tally is not kept under ``factor``
    (the settings changed and ``keep_up`` has not read it anew yet) or on SQLite.
    ``everyone``: the channels every reader sees, as ``visible_apart`` gave them (by
    default ``Channel.objects.seen_by_all_staff()``, the same rows): the channels falling
    due are read through it, as the triggers count its rows."""
    if connection.vendor != "postgresql":
        return None
    first, after = day_of(now), day_of(until) + 1
    start, end, hours = EPOCH + first * DAY, EPOCH + after * DAY, 24.0 * factor
    # This module's statement; values travel as parameters.
    within = RawSQL(WITHIN, [start, hours, end, hours], output_field=BooleanField())  # noqa: S611
    if everyone is None:
        everyone = Channel.objects.seen_by_all_staff()
    due = health.falling_by_moment(
        everyone.filter(within)
        .with_due(now, factor=factor)
        .filter(status=health.ACTIVE, next_due_at__gte=start, next_due_at__lt=end)
    )
    try:
        due_sql, due_params = due.query.sql_with_params()
    except EmptyResultSet:  # pragma: no cover - the filter names no empty set
        due_sql, due_params = "SELECT NULL, NULL, NULL, NULL, 0 WHERE false", ()
    # Only this module's names are interpolated; values travel as parameters. Columns:
    # grouping ('f': whether the factor is kept, and the day its rows are folded before;
    # 'd': channels falling due in the days read), label (a status, layer or category),
    # category, ref (an officer or an organization), channels, those falling due after the
    # days read, the due moment.
    sql = f"""
SELECT 'f', NULL, NULL, NULL::bigint, count(*), max(folded_before), NULL::timestamptz
FROM {FACTORS} WHERE factor = %s
UNION ALL
SELECT grouping, label, NULL, ref, sum(channels), sum(channels) FILTER (WHERE bucket >= %s),
       NULL
FROM {TALLY} WHERE factor IS NULL OR factor = %s
GROUP BY grouping, label, ref HAVING sum(channels) <> 0
UNION ALL
SELECT 'd', due.layer_key, due.category_key, due.officer_key, due.falling, NULL, due.next_due_at
FROM ({due_sql}) due"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [factor, after, factor, *due_params])
        rows = cursor.fetchall()
    return _part(rows, now=now, until=until, first=first)


def _part(rows, *, now, until, first: int) -> health.Part | None:
    """The ``health.Part`` of the statement's rows; None when the factor is not kept, or
    its rows are folded past the ``first`` day read (a moment before yesterday's)."""
    counts = {grouping: defaultdict(lambda: [0, 0]) for grouping in ("l", "c", "o")}
    by_status, single, several, lapses = {}, [], [], []
    for grouping, label, category, ref, channels, beyond, due in rows:
        channels = int(channels)
        if grouping == "f":
            if not channels or beyond > first:
                return None
        elif grouping == "s":
            by_status[label] = channels
        elif grouping == "g":
            (single if channels == 1 else several).append(ref)
        elif grouping == "d":
            for name, key in (("l", label), ("c", category), ("o", ref)):
                counts[name][key][1] += channels if due > now else 0
            if now < due < until:
                lapses.append((due, label, category, ref, channels))
        else:
            group = counts[grouping][ref if grouping == "o" else label]
            group[0] += channels
            group[1] += int(beyond or 0)
    lapses.sort(key=lambda row: row[0])
    return health.Part(
        by_status=by_status,
        by_layer={key: tuple(value) for key, value in counts["l"].items()},
        by_category={key: tuple(value) for key, value in counts["c"].items()},
        by_officer={key: tuple(value) for key, value in counts["o"].items()},
        single_channel=tuple(sorted(single)),
        several=tuple(sorted(several)),
        lapses=tuple(lapses),
    )


@transaction.atomic
def compact(*, now: dt.datetime) -> int:
    """Fold each group's rows into one (dropping groups that sum to nothing), the days
    before yesterday (``now``'s) into the day before it: how many rows went. One statement,
    so a writer's rows committed meanwhile stay as they are; the factors' table says from
    which day on a reader finds its days as they were."""
    if connection.vendor != "postgresql":
        return 0
    before = day_of(now) - 1
    with connection.cursor() as cursor:
        # Not beside another compaction or a rebuild; writers and readers go on.
        cursor.execute(f"LOCK TABLE {FACTORS} IN SHARE UPDATE EXCLUSIVE MODE")
        cursor.execute(
            f"""
WITH placed AS (
    SELECT id, factor, grouping, label, ref, bucket, CASE
        WHEN factor IS NOT NULL AND bucket < %(before)s THEN %(before)s - 1 ELSE bucket
    END AS day FROM {TALLY}),
grouped AS (
    SELECT id, bucket, day,
           count(*) OVER (PARTITION BY factor, grouping, label, ref, day) AS rows_in_group
    FROM placed),
gone AS (
    DELETE FROM {TALLY} row USING grouped
    WHERE row.id = grouped.id AND (grouped.rows_in_group > 1 OR grouped.bucket <> grouped.day)
    RETURNING row.factor, row.grouping, row.label, row.ref, grouped.day, row.channels),
kept AS (
    INSERT INTO {TALLY} (factor, grouping, label, ref, bucket, channels)
    SELECT factor, grouping, label, ref, day, sum(channels) FROM gone
    GROUP BY factor, grouping, label, ref, day HAVING sum(channels) <> 0
    RETURNING 1),
marked AS (
    UPDATE {FACTORS} SET folded_before = GREATEST(folded_before, %(before)s) RETURNING 1)
SELECT (SELECT count(*) FROM gone) - (SELECT count(*) FROM kept),
       (SELECT count(*) FROM marked)""",  # noqa: S608
            {"before": before},
        )
        return cursor.fetchone()[0]


def kept_factors() -> list[float]:
    """The factors the tally is kept under, in order."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT factor FROM {FACTORS} ORDER BY factor")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


@transaction.atomic
def rebuild(*, only_the_settings: bool = False, if_missing: bool = False) -> bool:
    """Keep the tally under the settings' factors from now on, besides those it was kept
    under (so that processes whose settings differ, as in a rolling deployment, do not
    read it anew in turn; ``only_the_settings``: drop the others), and read it anew from
    every channel. Waits for the transactions writing channels or contacts to end, and
    holds new ones until it commits (they read the factors' table under a lock this one
    excludes). ``if_missing`` (the task): only if, once it holds the lock, a factor of the
    settings is still not kept (another run may have read it anew meanwhile). Whether it
    read anew."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {FACTORS} IN ACCESS EXCLUSIVE MODE")
        factors = set(SCHEMA.factors())
        cursor.execute(f"SELECT factor FROM {FACTORS}")  # noqa: S608
        kept = {row[0] for row in cursor.fetchall()}
        if if_missing and factors <= kept:
            return False
        if not only_the_settings:
            factors |= kept
        cursor.execute(f"DELETE FROM {FACTORS}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {FACTORS} (factor) SELECT unnest(%s::float8[])",  # nothing folded
            [sorted(factors)],
        )
        cursor.execute(f"DELETE FROM {TALLY}")  # noqa: S608
        cursor.execute(SCHEMA.EVERY_CHANNEL)
    return True


def keep_up(*, now: dt.datetime) -> int:
    """The task's part: read the tally anew if the settings name a factor it is not kept
    under, else fold its rows at ``now``: how many rows went (or were read anew). Nothing
    on SQLite."""
    if connection.vendor != "postgresql":
        return 0
    if set(SCHEMA.factors()) - set(kept_factors()) and rebuild(if_missing=True):
        return HealthTally.objects.count()
    return compact(now=now)
