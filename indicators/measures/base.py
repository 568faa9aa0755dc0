"""Windows, buckets and results of the indicators, and the folding of one query's grouped
rows into series: a loop over groups (a few per bucket), never over rows."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import connection
from django.utils import timezone

from indicators.measures.polarity import NEUTRAL, POLARITIES, assess

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
PERIODS = tuple(PERIOD_MONTHS)
MAX_BUCKETS = 60

COUNT, SUM, SHARE, MEAN = "count", "sum", "share", "mean"
TOTAL, PREVIOUS = "total", "previous"
ALL_FILTERS = ("layer", "category", "country")
SIGNAL_FILTERS = ("layer", "country")


# Windows and buckets


def period_start(day: dt.date, period: str) -> dt.date:
    """The first day of the month, quarter or year that ``day`` falls in."""
    months = PERIOD_MONTHS[period]
    return day.replace(month=(day.month - 1) // months * months + 1, day=1)


def add_months(first_of_month: dt.date, months: int) -> dt.date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first_of_month: dt.date, later_first_of_month: dt.date) -> int:
    return (
        (later_first_of_month.year - first_of_month.year) * 12
        + later_first_of_month.month
        - first_of_month.month
    )


def shift_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (earlier when negative), or the month's last day when
    it is shorter: 31 March less one month is 28 February."""
    first = add_months(day.replace(day=1), months)
    last = add_months(first, 1) - dt.timedelta(days=1)
    return first.replace(day=min(day.day, last.day))


def count_buckets(start: dt.date, end: dt.date, period: str) -> int:
    first, last = period_start(start, period), period_start(end, period)
    months = (last.year - first.year) * 12 + last.month - first.month
    return months // PERIOD_MONTHS[period] + 1


@dataclass(frozen=True)
class Bucket:
    start: dt.date  # the period's first day: the label
    lower: dt.date  # the part of the period inside the window: [lower, upper)
    upper: dt.date


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date  # included
    period: str
    now: dt.datetime

    @property
    def stop(self) -> dt.date:
        return self.end + dt.timedelta(days=1)

    def buckets(self) -> list[Bucket]:
        step = PERIOD_MONTHS[self.period]
        first = period_start(self.start, self.period)
        count = count_buckets(self.start, self.end, self.period)
        labels = [add_months(first, step * index) for index in range(count)]
        return [
            Bucket(label, max(label, self.start), min(add_months(label, step), self.stop))
            for label in labels
        ]

    @property
    def today(self) -> dt.date:
        return mission_today(self.now)

    @property
    def is_running(self) -> bool:
        """The window holds today: its last days have not happened yet."""
        return self.start <= self.today <= self.end

    def previous(self) -> Window:
        """The window to compare with: just before, as many whole months, or else as many
        days. A running window is compared with the same days of the one before: its
        whole periods (or months) earlier, up to today's counterpart, so that a part of a
        period is never set against a whole one."""
        if self.is_running:
            return self._same_days_before()
        if self.start.day == 1 and self.stop.day == 1:
            start = add_months(self.start, -months_between(self.start, self.stop))
        else:
            start = self.start - (self.stop - self.start)
        return Window(start, self.start - dt.timedelta(days=1), self.period, self.now)

    def _same_days_before(self) -> Window:
        today, day = self.today, dt.timedelta(days=1)
        if self.start.day != 1:
            return replace(
                self, start=self.start - (today + day - self.start), end=self.start - day
            )
        unit = self.period if self.start == period_start(self.start, self.period) else "month"
        nominal_stop = add_months(period_start(self.end, unit), PERIOD_MONTHS[unit])
        months = months_between(self.start, nominal_stop)
        return replace(
            self, start=add_months(self.start, -months), end=shift_months(today, -months)
        )

    def covered(self, bucket: Bucket) -> tuple[dt.date, dt.date] | None:
        """The days of a bucket's period that it counts (inside the window, up to today),
        first and last; None when it has not begun."""
        last = min(bucket.upper - dt.timedelta(days=1), self.today)
        return (bucket.lower, last) if bucket.lower <= last else None

    def is_partial(self, bucket: Bucket) -> bool:
        """The bucket counts part of its period only: the period is still running, or
        the window starts or ends inside it."""
        covered = self.covered(bucket)
        period_last = add_months(bucket.start, PERIOD_MONTHS[self.period]) - dt.timedelta(days=1)
        return covered is not None and covered != (bucket.start, period_last)


def mission_zone() -> zoneinfo.ZoneInfo:
    """The zone the strategy's months are counted in: the mission's (``TIME_ZONE``), not
    the reader's, so that every reader gets the same figures (and the channels' recorded
    month starts, which are midnight there)."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def mission_today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now, mission_zone())


def moment(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the mission's zone."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=mission_zone())


# Results


@dataclass(frozen=True)
class Point:
    start: dt.date
    value: float | int | None
    is_partial: bool = False  # counts part of its period only (``Window.is_partial``)


@dataclass(frozen=True)
class Part:
    """One slice of an indicator: ``by`` names the dimension, ``key`` its value."""

    by: str
    key: str
    series: list[Point]
    total: float | int | None
    previous: float | int | None
    change: float | int | None
    polarity: str = NEUTRAL

    @property
    def assessment(self) -> str | None:
        return assess(self.polarity, self.change)


@dataclass(frozen=True)
class Result:
    name: str
    area: str
    title: str
    unit: str
    period: str
    start: dt.date
    end: dt.date
    filters: tuple[str, ...]
    series: list[Point]
    total: float | int | None
    previous: float | int | None
    change: float | int | None
    breakdown: list[Part] = field(default_factory=list)
    polarity: str = NEUTRAL
    previous_start: dt.date | None = None  # the window ``previous`` is the figure of
    previous_end: dt.date | None = None

    @property
    def assessment(self) -> str | None:
        """Whether ``change`` is good news: better, worse, same, or None."""
        return assess(self.polarity, self.change)

    @property
    def partial_periods(self) -> list[dt.date]:
        return [point.start for point in self.series if point.is_partial]


@dataclass(frozen=True)
class Definition:
    name: str
    area: str
    # In English (marked with gettext_noop) as the API and the files give it; the pages
    # translate it.
    title: str
    unit: str
    filters: tuple[str, ...]
    compute: Callable[..., Result]
    polarity: str
    # Reads a state at ``now`` (the bucket in progress): its figures may change with time
    # alone, not only with the data (``indicators.cache``). The others change with the data
    # and the day only.
    reads_now: bool = False
    # For such an indicator, when given: ``figures(user, *, until, **filters)`` returns its
    # figures (``.at(moment)``) for any moment from ``now`` to ``until`` (excluded), when
    # neither the data nor the climate changes meanwhile.
    figures: Callable[..., Figures] | None = None


REGISTRY: dict[str, Definition] = {}


def indicator(
    name: str,
    *,
    area: str,
    title: str,
    unit: str,
    polarity: str,
    filters=ALL_FILTERS,
    reads_now: bool = False,
):
    """Register an indicator function under ``name``; ``polarity`` says which way is good
    (``indicators.measures.polarity``); ``reads_now``: it reads a state at ``now``."""
    if polarity not in POLARITIES:
        raise ValueError(f"{name}: polarity {polarity!r} is not one of {POLARITIES}.")

    def register(function):
        REGISTRY[name] = Definition(
            name, area, title, unit, tuple(filters), function, polarity, reads_now
        )
        return function

    return register


def figures_of(name: str):
    """Register ``figures`` for the indicator ``name`` (``Definition.figures``)."""

    def register(function):
        REGISTRY[name] = replace(REGISTRY[name], figures=function)
        return function

    return register


class Figures:
    """An indicator's figures as they stand at any moment they serve: ``at(moment)``."""

    def at(self, moment: dt.datetime) -> Result:
        raise NotImplementedError


@dataclass(frozen=True)
class Fixed(Figures):
    """Figures that are the same at every moment they serve."""

    result: Result

    def at(self, moment: dt.datetime) -> Result:
        return self.result


@dataclass(frozen=True)
class Lapsing(Figures):
    """A share of the rows kept up at each instant, read at ``read_at``: its tallies then
    (plain dicts: ``{slot: [numerator, denominator]}`` overall and per (dimension, key)),
    and ``lapses``, the moments at which rows kept up at ``read_at`` stop being so before
    the figures' horizon, each with the (dimension, key) pairs of the row and how many
    rows, in order. At a later moment, the slots read at ``read_at`` (``now_slots``: the
    bucket in progress, the window's total when it runs) count those rows out; the other
    slots are read at fixed instants and stay."""

    name: str
    start: dt.date
    end: dt.date
    period: str
    read_at: dt.datetime
    overall: dict
    parts: dict
    missing: frozenset
    now_slots: tuple
    lapses: tuple[tuple[dt.datetime, tuple[tuple[str, str], ...], int], ...] = ()

    @classmethod
    def of(cls, name: str, window: Window, overall: Tally, parts: dict, **fields) -> Lapsing:
        return cls(
            name=name,
            start=window.start,
            end=window.end,
            period=window.period,
            read_at=window.now,
            overall={slot: list(counts) for slot, counts in overall.slots.items()},
            parts={
                key: {slot: list(counts) for slot, counts in tally.slots.items()}
                for key, tally in parts.items()
            },
            **fields,
        )

    def at(self, moment: dt.datetime) -> Result:
        overall, parts = Tally(), defaultdict(Tally)
        for slot, (numerator, denominator) in self.overall.items():
            overall.add(slot, numerator, denominator)
        for key, slots in self.parts.items():
            for slot, (numerator, denominator) in slots.items():
                parts[key].add(slot, numerator, denominator)
        for when, keys, rows in self.lapses:
            if when > moment:
                break
            for slot in self.now_slots:
                overall.add(slot, -rows)
                for key in keys:
                    parts[key].add(slot, -rows)
        window = Window(self.start, self.end, self.period, moment)
        return build_result(self.name, window, overall, parts, missing=self.missing)


def compute(name: str, user, **filters) -> Result:
    """One indicator by name (KeyError for an unknown name)."""
    return REGISTRY[name].compute(user, **filters)


def compute_all(user, **filters) -> list[Result]:
    """Every indicator, in the order of DESIGN.md's list; indicators that read the same
    statement (the three invitation rates) share one run of it."""
    with sharing():
        return [definition.compute(user, **filters) for definition in REGISTRY.values()]


_shared_rows: ContextVar[dict | None] = ContextVar("indicator_shared_rows", default=None)


@contextmanager
def sharing():
    """Within this block (``compute_all``), a statement several indicators read runs once."""
    token = _shared_rows.set({})
    try:
        yield
    finally:
        _shared_rows.reset(token)


def shared_rows(key: tuple, run: Callable[[], list]) -> list:
    """The rows of ``run()``, run once per ``sharing`` block for each ``key`` (which must
    name everything the statement depends on: the reader, the window, the filters); run
    every time outside one."""
    memo = _shared_rows.get()
    if memo is None:
        return run()
    if key not in memo:
        memo[key] = run()
    return memo[key]


# Folding the grouped rows of one query into series (a loop over groups, never over rows)


class Tally:
    """Numerator and denominator per slot: a bucket's start, TOTAL or PREVIOUS."""

    def __init__(self):
        self.slots: dict = defaultdict(lambda: [0, 0])

    def add(self, slot, numerator, denominator=0) -> None:
        counts = self.slots[slot]
        counts[0] += numerator or 0
        counts[1] += denominator or 0


def _value(unit: str, numerator, denominator):
    if unit in (COUNT, SUM):
        return int(numerator)
    if not denominator:
        return None
    return round(numerator / denominator, 4 if unit == SHARE else 2)


def _change(total, previous):
    if total is None or previous is None:
        return None
    return round(total - previous, 4)


def _figures(tally: Tally, unit: str, window: Window, *, missing=(), of: Tally | None = None):
    """(series, total, previous) of a tally; ``of``: each slot's value is the tally's
    denominator as a share of that of ``of`` (the share of each theme in all coverage)."""

    def value(slot):
        if slot in missing:
            return None
        numerator, denominator = tally.slots.get(slot, (0, 0))
        if of is not None:
            numerator, denominator = denominator, of.slots.get(slot, (0, 0))[1]
        return _value(unit, numerator, denominator)

    series = [
        Point(bucket.start, value(bucket.start), window.is_partial(bucket))
        for bucket in window.buckets()
    ]
    return series, value(TOTAL), value(PREVIOUS)


def build_result(name, window, overall: Tally, parts=None, *, missing=(), share_of_total=False):
    definition = REGISTRY[name]
    series, total, previous = _figures(overall, definition.unit, window, missing=missing)
    # Each part of a share of the total (a theme's share of coverage, an outcome's share of
    # meetings) may rise or fall for good or bad reasons: only the whole is judged.
    part_polarity = NEUTRAL if share_of_total else definition.polarity
    breakdown = []
    for (by, key), tally in sorted((parts or {}).items(), key=lambda item: item[0]):
        of = overall if share_of_total else None
        part_series, part_total, part_previous = _figures(
            tally, definition.unit, window, missing=missing, of=of
        )
        change = _change(part_total, part_previous)
        breakdown.append(
            Part(by, key, part_series, part_total, part_previous, change, part_polarity)
        )
    compared = window.previous()
    return Result(
        name=name,
        area=definition.area,
        title=definition.title,
        unit=definition.unit,
        period=window.period,
        start=window.start,
        end=window.end,
        filters=definition.filters,
        series=series,
        total=total,
        previous=previous,
        change=_change(total, previous),
        breakdown=breakdown,
        polarity=definition.polarity,
        previous_start=compared.start,
        previous_end=compared.end,
    )


def fold(rows, slots_of, dimensions=()) -> tuple[Tally, dict]:
    """Sum each group row into the overall tally and into one tally per (dimension, key).
    ``slots_of(row)`` yields (slot, numerator, denominator)."""
    overall, parts = Tally(), defaultdict(Tally)
    for row in rows:
        for slot, numerator, denominator in slots_of(row):
            overall.add(slot, numerator, denominator)
            for by, column in dimensions:
                parts[(by, str(row[column] or ""))].add(slot, numerator, denominator)
    return overall, parts


def fold_in_sql(queryset, slots, dimensions) -> tuple[Tally, dict]:
    """``fold`` done by the database, for a grouped ``values()`` queryset holding
    ``n_<column>`` and ``d_<column>`` for each (slot, column) of ``slots`` and one aliased
    key per (dimension, alias) of ``dimensions``: one statement sums its groups overall and
    by each dimension (thousands of groups in, a few hundred rows out)."""
    quote = connection.ops.quote_name
    names = [f"{prefix}_{column}" for _, column in slots for prefix in ("n", "d")]
    sums = ", ".join(f"CAST(SUM({quote(name)}) AS BIGINT)" for name in names)
    # Only the code's own labels and quoted aliases are interpolated; values travel as
    # the compiled queryset's parameters.
    selects = [f"SELECT '', NULL, {sums} FROM groups"]  # noqa: S608
    selects += [
        f"SELECT '{by}', {quote(alias)}, {sums} FROM groups GROUP BY {quote(alias)}"  # noqa: S608
        for by, alias in dimensions
    ]
    inner, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"WITH groups AS ({inner}) " + " UNION ALL ".join(selects), params)
        rows = cursor.fetchall()
    overall, parts = Tally(), defaultdict(Tally)
    for by, key, *vector in rows:
        tally = overall if not by else parts[(by, str(key or ""))]
        for index, (slot, _) in enumerate(slots):
            tally.add(slot, vector[2 * index], vector[2 * index + 1])
    return overall, parts


def count_groups_in_sql(queryset, key: str, columns: list[str]) -> list[dict]:
    """Over the groups of a grouped ``values()`` queryset, per value of its aliased ``key``:
    ``n_<column>``, how many groups hold exactly 1 in each of ``columns``."""
    quote = connection.ops.quote_name
    counts = ", ".join(
        f"SUM(CASE WHEN {quote(column)} = 1 THEN 1 ELSE 0 END)" for column in columns
    )
    inner, params = queryset.query.sql_with_params()
    # Only quoted aliases are interpolated; values travel as the compiled parameters.
    sql = f"SELECT {quote(key)}, {counts} FROM ({inner}) groups GROUP BY 1"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        {
            key: row[0],
            **{f"n_{column}": int(row[1 + index] or 0) for index, column in enumerate(columns)},
        }
        for row in rows
    ]


def flow_slots(row):
    if row["in_window"]:
        yield row["bucket"], row["numerator"], row.get("denominator")
        yield TOTAL, row["numerator"], row.get("denominator")
    else:
        yield PREVIOUS, row["numerator"], row.get("denominator")


def rate_slots(numerator: str, denominator: str):
    """``flow_slots`` over the named columns of a row holding several rates, leaving out
    the rows that count nothing for this one (so that they add no empty breakdown)."""

    def slots_of(row):
        if row[denominator]:
            yield from flow_slots(
                {**row, "numerator": row[numerator], "denominator": row[denominator]}
            )

    return slots_of


def column_slots(slots):
    def slots_of(row):
        for slot, column in slots:
            yield slot, row[f"n_{column}"], row.get(f"d_{column}")

    return slots_of
