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
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Value, When

from contacts.models import Channel

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
    inner, params = _channel_rows(channels, now).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(statement(inner, limit=limit, vendor=connection.vendor), params)
        rows = cursor.fetchall()
    return _figures(rows)


def lapses(channels, *, now, until) -> tuple:
    """The active channels kept within cadence at ``now`` that fall due before ``until``
    (excluded), if nothing is touched, restarted or created and no climate level starts
    meanwhile: (moment, layer, category, officer id, channels) by moment, one statement."""
    rows = (
        channels.with_due(now)
        .filter(status=ACTIVE, next_due_at__gt=now, next_due_at__lt=until)
        .order_by()
        .values(
            "next_due_at",
            layer_key=F("contact__layer"),
            category_key=F("contact__category"),
            officer_key=F("officer_id"),
        )
        .annotate(rows=Count("pk"))
        .order_by("next_due_at")
    )
    return tuple(
        (row["next_due_at"], row["layer_key"], row["category_key"], row["officer_key"], row["rows"])
        for row in rows
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


def _channel_rows(channels, now):
    """One row per channel: its officer, status, contact's layer, category and
    organization, and ``kept`` (1 when not due yet at ``now``, under the climate then)."""
    kept = Case(
        When(next_due_at__gt=now, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    return (
        channels.with_due(now)
        .order_by()
        .annotate(
            officer_key=F("officer_id"),
            status_key=F("status"),
            layer_key=F("contact__layer"),
            category_key=F("contact__category"),
            organization_key=F("contact__organization_id"),
            kept=kept,
        )
        .values(*KEYS, "status_key", "kept")
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
