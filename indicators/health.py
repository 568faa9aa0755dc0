"""The figures of the network-health page, read in one statement over the channels a reader
may see: channels by status; active channels kept within cadence by layer and by category;
active and overdue channels per officer; organizations whose contacts hold exactly one
active channel. The two lists are bounded (the first ``limit`` rows) and counted in SQL.

The channels arrive as a queryset (``Channel.objects.visible_to(user)``), so the access
rule stays the queryset's: its compiled SQL is the one place the rows come from. The
statement groups them once into every grouping the page needs (``GROUPING SETS`` on
PostgreSQL; on SQLite, which has none, the same groups as a ``UNION ALL`` of ``GROUP BY``\\ s
over one common table). Seven passes over the channels joined to their contacts cost
0.36 s at 130,000 channels; one costs about a third of that.

The page reads them through ``indicators.cache.network_health``: kept per reader with the
moments, up to the figures' horizon, at which channels kept within cadence fall due
(``lapses``), so that ``Kept.at`` gives the figures of any later moment it serves without
reading the channels again.

On PostgreSQL the figures are also read and kept in parts (``part_figures``, ``merged``): a
channel's part is its contact's ``mod(COALESCE(organization_id, id), PARTS)`` (migrations
``indicators.0006`` and ``0007``, whose triggers move on only the parts a change touches),
so that after an exchange is logged only its channel's part is read again, through an index
of the contacts, and the parts' figures are added up. The parts hold the standard
contacts' channels, shared by every reader; a reader's others are read as one more set of
parts (``apart=False``) and added up with them (``indicators.cache._health_in_parts``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, replace

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Value, When
from django.db.models.functions import Coalesce, Mod

from contacts import search
from contacts.models import Channel, Contact

# The groupings: a name and the columns grouped, every one also by status.
GROUPINGS = (
    ("status", ()),
    ("layer", ("layer_key",)),
    ("category", ("category_key",)),
    ("officer", ("officer_key",)),
    ("organization", ("organization_key",)),
)
# The keys, and a type for a NULL in their place (the first branch of a UNION sets a
# column's type on PostgreSQL).
KEYS = {
    "layer_key": "TEXT",
    "category_key": "TEXT",
    "officer_key": "BIGINT",
    "organization_key": "BIGINT",
}
ACTIVE = Channel.Status.ACTIVE.value


@dataclass(frozen=True)
class HealthFigures:
    """``by_status``: {status: channels}; ``by_layer`` and ``by_category``: {key, channels,
    kept} over active channels, by key; ``by_officer``: {officer_id, officer__username,
    channels, overdue, by_name} over active channels, most overdue first (then by_name: the
    place by username), of ``officers`` in all;
    ``single_channel``: {contact__organization, contact__organization__name, channels}, by
    name, of ``single_channel_total`` in all (the names of the querysets they replace)."""

    by_status: dict[str, int]
    by_layer: list[dict]
    by_category: list[dict]
    by_officer: list[dict]
    officers: int
    single_channel: list[dict]
    single_channel_total: int


def health_figures(channels, *, now, limit: int | None) -> HealthFigures:
    """The page's figures over ``channels`` (visible ones) at ``now``, each list cut to
    ``limit`` rows (None: every row)."""
    try:
        inner, params = _channel_rows(channels, now).query.sql_with_params()
    except EmptyResultSet:  # none to read (a reader who may see nothing)
        return _figures([])
    with connection.cursor() as cursor:
        cursor.execute(statement(inner, limit=limit, vendor=connection.vendor), params)
        rows = cursor.fetchall()
    return _figures(rows)


def lapses(channels, *, now, until, factor=None) -> tuple:
    """The active channels kept within cadence at ``now`` that fall due before ``until``
    (excluded), if nothing is touched, restarted or created and no climate level starts
    meanwhile: (moment, layer, category, officer id, channels) by moment, one statement;
    ``factor``: under that cadence factor of informal channels, not the climate's now."""
    falling = channels.with_due(now, factor=factor).filter(
        status=ACTIVE, next_due_at__gt=now, next_due_at__lt=until
    )
    rows = (
        falling_by_moment(falling)
        .order_by("next_due_at")
        .values_list("next_due_at", "layer_key", "category_key", "officer_key", "falling")
    )
    return tuple(rows)


def falling_by_moment(channels):
    """``channels`` (annotated ``with_due``) counted by due moment, layer, category and
    officer: ``next_due_at``, ``layer_key``, ``category_key``, ``officer_key``,
    ``falling``."""
    return (
        channels.order_by()
        .values(
            "next_due_at",
            layer_key=F("contact__layer"),
            category_key=F("contact__category"),
            officer_key=F("officer_id"),
        )
        .annotate(falling=Count("pk"))
    )


@dataclass(frozen=True)
class Kept:
    """Figures read at ``read_at`` with every list in full (``health_figures(limit=None)``)
    and ``lapses`` up to their horizon: ``at(moment, limit)`` counts the channels fallen due
    by ``moment`` out of the kept ones (into the officers' overdue, whose order they change)
    and cuts the lists. Statuses and single-channel organizations do not change with time."""

    read_at: dt.datetime
    figures: HealthFigures
    lapses: tuple = ()

    def at(self, moment: dt.datetime, limit: int | None) -> HealthFigures:
        layers, categories, officers = Counter(), Counter(), Counter()
        for when, layer, category, officer, rows in self.lapses:
            if when > moment:  # a channel is kept while its next due moment is later
                break
            layers[layer] += rows
            categories[category] += rows
            officers[officer] += rows
        figures = self.figures
        by_officer = sorted(
            (
                {**row, "overdue": row["overdue"] + officers[row["officer_id"]]}
                for row in figures.by_officer
            ),
            key=lambda row: (-row["overdue"], row["by_name"]),
        )
        return replace(
            figures,
            by_layer=_counted_out(figures.by_layer, layers),
            by_category=_counted_out(figures.by_category, categories),
            by_officer=by_officer[:limit],
            single_channel=figures.single_channel[:limit],
        )


def _counted_out(groups: list[dict], fallen_due: Counter) -> list[dict]:
    return [{**group, "kept": group["kept"] - fallen_due[group["key"]]} for group in groups]


def _channel_rows(channels, now, *also, factor=None):
    """One row per channel: its officer, status, contact's layer, category and
    organization, and ``kept`` (1 when not due yet at ``now``, under the climate then or
    the cadence ``factor`` given); and the annotations named in ``also``."""
    kept = Case(
        When(next_due_at__gt=now, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    return (
        channels.with_due(now, factor=factor)
        .order_by()
        .annotate(
            officer_key=F("officer_id"),
            status_key=F("status"),
            layer_key=F("contact__layer"),
            category_key=F("contact__category"),
            organization_key=F("contact__organization_id"),
            kept=kept,
        )
        .values(*KEYS, "status_key", "kept", *also)
    )


def statement(inner: str, *, limit: int | None, vendor: str) -> str:
    """The statement over ``inner`` (the compiled channel rows): a row per group of the
    statuses, layers and categories; the first ``limit`` officers and single-channel
    organizations, each row with its list's total and its place in the list. Its columns:
    grouping, status, key (layers, categories), id (officers, organizations), channels,
    kept, name (the username or the organization's), total, place, and an officer's place
    by username alone (which orders officers equally overdue: ``Kept.at``)."""
    # Only this module's names and an integer are interpolated; values travel as the
    # compiled queryset's parameters.
    cut = "" if limit is None else f"WHERE place <= {int(limit)}"
    return f"""
WITH {_groups(inner, vendor)}
SELECT grouping_name, status_key, COALESCE(layer_key, category_key), NULL, channels, kept,
       NULL, NULL, NULL, NULL
FROM grouped WHERE grouping_name IN ('status', 'layer', 'category')
UNION ALL
SELECT 'officer', NULL, NULL, officer_key, channels, kept, username, total, place, by_name
FROM (
    SELECT grouped.*, officer.username, COUNT(*) OVER () AS total, ROW_NUMBER() OVER (
        ORDER BY channels - kept DESC, officer.username, officer.id) AS place,
        ROW_NUMBER() OVER (ORDER BY officer.username, officer.id) AS by_name
    FROM grouped JOIN auth_user officer ON officer.id = grouped.officer_key
    WHERE grouping_name = 'officer' AND status_key = '{ACTIVE}') officers {cut}
UNION ALL
SELECT 'organization', NULL, NULL, organization_key, channels, kept, name, total, place,
       NULL
FROM (
    SELECT grouped.*, organization.name, COUNT(*) OVER () AS total, ROW_NUMBER() OVER (
        ORDER BY organization.name, organization.id) AS place
    FROM grouped JOIN contacts_organization organization
        ON organization.id = grouped.organization_key
    WHERE grouping_name = 'organization' AND status_key = '{ACTIVE}' AND channels = 1
    ) organizations {cut}"""  # noqa: S608


def _groups(inner: str, vendor: str) -> str:
    """The common table ``grouped``: grouping_name, status_key, the keys, channels, kept."""
    if vendor == "postgresql":
        # GROUPING() sets a bit for each key a row is not grouped by (the first key is the
        # highest bit): it tells a group of NULL keys from the grouping that has none.
        names = " ".join(f"WHEN {_grouping_bits(keys)} THEN '{name}'" for name, keys in GROUPINGS)
        sets = ", ".join(f"({', '.join(('status_key', *keys))})" for _, keys in GROUPINGS)
        return f"""grouped AS (
    SELECT CASE GROUPING({", ".join(KEYS)}) {names} END AS grouping_name, status_key,
           {", ".join(KEYS)}, COUNT(*) AS channels, SUM(kept) AS kept
    FROM ({inner}) channel_rows GROUP BY GROUPING SETS ({sets}))"""  # noqa: S608
    branches = " UNION ALL ".join(_branch(name, keys) for name, keys in GROUPINGS)
    return f"channel_rows AS ({inner}), grouped AS ({branches})"


def _branch(name: str, keys) -> str:
    """One grouping as a ``GROUP BY`` over ``channel_rows``, the keys it has not NULL."""
    columns = ", ".join(
        key if key in keys else f"CAST(NULL AS {type_}) AS {key}" for key, type_ in KEYS.items()
    )
    by = ", ".join(("status_key", *keys))
    return (
        f"SELECT '{name}' AS grouping_name, status_key, {columns}, COUNT(*) AS channels, "  # noqa: S608
        f"SUM(kept) AS kept FROM channel_rows GROUP BY {by}"
    )


def _grouping_bits(keys) -> int:
    return sum(1 << (len(KEYS) - 1 - index) for index, key in enumerate(KEYS) if key not in keys)


def _figures(rows) -> HealthFigures:
    by_status = {value: 0 for value in Channel.Status.values}
    shares = {"layer": [], "category": []}
    lists = {"officer": [], "organization": []}
    totals = {"officer": 0, "organization": 0}
    for grouping, status, key, pk, channels, kept, name, total, place, by_name in rows:
        channels, kept = int(channels), int(kept or 0)
        if grouping == "status":
            by_status[status] = channels
        elif grouping in shares:
            if status == ACTIVE:
                shares[grouping].append({"key": key, "channels": channels, "kept": kept})
        else:
            lists[grouping].append((place, pk, channels, kept, name, by_name))
            totals[grouping] = int(total)
    for grouping in shares.values():
        grouping.sort(key=lambda row: (row["key"] is None, row["key"] or ""))
    officers, organizations = sorted(lists["officer"]), sorted(lists["organization"])
    return HealthFigures(
        by_status=by_status,
        by_layer=shares["layer"],
        by_category=shares["category"],
        by_officer=[
            {
                "officer_id": pk,
                "officer__username": name,
                "channels": channels,
                "overdue": channels - kept,
                "by_name": int(by_name),
            }
            for _, pk, channels, kept, name, by_name in officers
        ],
        officers=totals["officer"],
        single_channel=[
            {"contact__organization": pk, "contact__organization__name": name, "channels": n}
            for _, pk, n, _, name, _ in organizations
        ],
        single_channel_total=totals["organization"],
    )


# The parts of indicators.0006: a channel's part is its contact's
# mod(COALESCE(organization_id, id), PARTS), the expression of the contacts' index there.
PARTS = 64
# Beyond this many parts, reading every part costs no more than reading those through the
# index (at 130,000 channels: 1 part 25 ms, 4 parts 84, 16 parts 190, 32 parts 320, all 310).
PARTS_READ_APART = 20


def part_of_contact(prefix: str = ""):
    """The part of the contact reached through ``prefix`` (as the migration computes it)."""
    return Mod(
        Coalesce(F(f"{prefix}organization_id"), F(f"{prefix}id")),
        Value(PARTS),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class Part:
    """One part's figures at the moment they were read: ``by_status`` {status: channels};
    ``by_layer``, ``by_category`` {key: (channels, kept)} and ``by_officer`` {officer id:
    (channels, kept)} over active channels; ``single_channel`` and ``several``: the
    organizations whose contacts hold exactly one active channel, and more than one (an
    organization lies in one part, but may be counted in parts of two readings: ``merged``
    adds them up); ``lapses`` as ``lapses`` gives them for the part."""

    by_status: dict
    by_layer: dict
    by_category: dict
    by_officer: dict
    single_channel: tuple
    several: tuple = ()
    lapses: tuple = ()


EMPTY_PART = Part({}, {}, {}, {}, ())


def part_figures(
    channels, *, now, until, parts, apart: bool = True, factor=None
) -> dict[int, Part]:
    """The figures of these ``parts`` (all when None) of ``channels`` (visible ones) at
    ``now``, with the channels falling due before ``until``: one statement (the rows
    read once, then grouped, and the lapses counted from them). A part
    without a visible channel is ``EMPTY_PART``. Not ``apart``: as few parts as may be
    (part 0, and the organizations' in their own), to be added up with others at once.
    ``factor``: under that cadence factor of informal channels (a climate level's), not
    the climate's at ``now``."""
    if parts is not None:
        # The parts' contacts, found through the index on their part (indicators.0006).
        in_parts = Contact.objects.alias(part=part_of_contact()).filter(part__in=sorted(parts))
        # As one array read first (search.InRows), which the channels' index on their
        # contact answers; as a join, the planner read every contact to match them.
        channels = channels.filter(search.InRows("contact", in_parts.values("pk")))
    part_key = part_of_contact("contact__") if apart else Value(0, IntegerField())
    channels = channels.annotate(part_key=part_key)
    rows = _channel_rows(channels, now, "part_key", "next_due_at", factor=factor)
    try:
        inner, params = rows.query.sql_with_params()
    except EmptyResultSet:  # none to read
        return {}
    # An organization lies in one part, its own id's: grouped by it alone.
    sets = ", ".join(
        f"({', '.join((*(() if name == 'organization' else ('part_key',)), 'status_key', *keys))})"
        for name, keys in GROUPINGS
    )
    # Only this module's names are interpolated; values travel as parameters. Kept: every
    # status group; of the others, active channels only. Then the lapses (grouping NULL):
    # the part, the due moment, the layer, category and officer, and how many.
    keys = ", ".join(KEYS)
    sql = f"""
WITH channel_rows AS MATERIALIZED ({inner})
SELECT GROUPING({keys}), part_key, status_key, {keys}, COUNT(*), SUM(kept), NULL
FROM channel_rows GROUP BY GROUPING SETS ({sets})
HAVING GROUPING({keys}) = {_grouping_bits(())} OR status_key = '{ACTIVE}'
UNION ALL
SELECT NULL, part_key, NULL, layer_key, category_key, officer_key, NULL, COUNT(*), NULL,
       next_due_at
FROM channel_rows WHERE status_key = '{ACTIVE}' AND next_due_at > %s AND next_due_at < %s
GROUP BY part_key, next_due_at, layer_key, category_key, officer_key"""  # noqa: S608
    every = parts is None
    with transaction.atomic() if every else nullcontext(), connection.cursor() as cursor:
        if every:
            # Every part: some 40,000 groups at 130,000 channels, which PostgreSQL would
            # sort rather than hash within its default 4 MB (0.37 s against 0.24).
            cursor.execute("SET LOCAL work_mem = '32MB'")
        cursor.execute(sql, [*params, now, until])
        found = cursor.fetchall()
    figures, falling = {}, {}
    names = {_grouping_bits(keys): (name, keys) for name, keys in GROUPINGS}
    for bits, part, status, *keys, channels_in, kept, due in found:
        if bits is None:  # a lapse
            layer, category, officer, _ = keys
            falling.setdefault(part, []).append((due, layer, category, officer, channels_in))
            continue
        name, grouped_by = names[bits]
        if name == "organization":
            if keys[-1] is None:
                continue
            part = keys[-1] % PARTS
        part_of = figures.setdefault(
            part,
            {"status": {}, "layer": {}, "category": {}, "officer": {}, "single": [], "several": []},
        )
        counts = (int(channels_in), int(kept or 0))
        values = dict(zip(KEYS, keys, strict=True))
        if name == "status":
            part_of["status"][status] = counts[0]
        elif name == "organization":
            part_of["single" if counts[0] == 1 else "several"].append(values["organization_key"])
        else:
            part_of[name][values[grouped_by[0]]] = counts
    for rows_of_part in falling.values():
        rows_of_part.sort(key=lambda row: row[0])
    return {
        part: Part(
            by_status=found["status"],
            by_layer=found["layer"],
            by_category=found["category"],
            by_officer=found["officer"],
            single_channel=tuple(sorted(found["single"])),
            several=tuple(sorted(found["several"])),
            lapses=tuple(falling.get(part, ())),
        )
        for part, found in figures.items()
    }


def merged(parts, *, now) -> Kept:
    """The page's figures from the parts' (``Part``\\ s read at or before ``now``, of
    channels no two of them hold), added up, with every part's lapses (``Kept.at`` counts
    out those fallen due by the moment it serves); the officers and organizations put in
    the database's order (one statement), every list in full."""
    by_status = Counter({value: 0 for value in Channel.Status.values})
    layers, categories, officers = {}, {}, {}
    organizations, falling = Counter(), []
    for part in parts:
        by_status.update(part.by_status)
        for sums, counts in (
            (layers, part.by_layer),
            (categories, part.by_category),
            (officers, part.by_officer),
        ):
            for key, (channels, kept) in counts.items():
                total = sums.setdefault(key, [0, 0])
                total[0] += channels
                total[1] += kept
        organizations.update(part.single_channel)
        organizations.update({organization: 2 for organization in part.several})
        falling.extend(part.lapses)
    single = [organization for organization, channels in organizations.items() if channels == 1]
    by_officer, single_channel = _in_database_order(officers, single)
    falling.sort(key=lambda row: row[0])
    return Kept(
        read_at=now,
        figures=HealthFigures(
            by_status=dict(by_status),
            by_layer=_shares(layers),
            by_category=_shares(categories),
            by_officer=by_officer,
            officers=len(by_officer),
            single_channel=single_channel,
            single_channel_total=len(single_channel),
        ),
        lapses=tuple(falling),
    )


def _shares(sums: dict) -> list[dict]:
    rows = [{"key": key, "channels": n, "kept": kept} for key, (n, kept) in sums.items()]
    return sorted(rows, key=lambda row: (row["key"] is None, row["key"] or ""))


def _in_database_order(officers: dict, organizations: list) -> tuple[list, list]:
    """The officers (most overdue first, then by username) with their place by username,
    and the organizations by name, as ``statement`` orders them: one statement, so that
    names sort by the database's collation."""
    ids = list(officers)
    sql = """
SELECT 'officer', officer.id, officer.username, counted.channels, counted.overdue,
       ROW_NUMBER() OVER (ORDER BY officer.username, officer.id)
FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS counted (id, channels, overdue)
JOIN auth_user officer ON officer.id = counted.id
UNION ALL
SELECT 'organization', organization.id, organization.name, NULL, NULL, NULL
FROM contacts_organization organization WHERE organization.id = ANY(%s::bigint[])
ORDER BY 1, 5 DESC, 3, 2"""
    params = [
        ids,
        [officers[pk][0] for pk in ids],
        [officers[pk][0] - officers[pk][1] for pk in ids],
        organizations,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    by_officer = [
        {
            "officer_id": pk,
            "officer__username": name,
            "channels": int(channels),
            "overdue": int(overdue),
            "by_name": int(by_name),
        }
        for kind, pk, name, channels, overdue, by_name in rows
        if kind == "officer"
    ]
    single_channel = [
        {"contact__organization": pk, "contact__organization__name": name, "channels": 1}
        for kind, pk, name, *_ in rows
        if kind == "organization"
    ]
    return by_officer, single_channel
