"""The indicators' figures kept in Django's cache (Redis in production, the process's own
memory in the embedded default), per reader, indicator, window and filters, and never
served once they may have changed.

A figure can change in two ways only:

- with the data: every table an indicator reads has a trigger that moves the *figure
  generation* on when a change commits (migration ``indicators.0002``; any path: the web,
  the API, the admin, a bulk ``update()``, raw SQL). The generation is read before anything
  else and is part of every key, so a figure computed before a change is never found
  after it;
- with time alone: every key holds the mission's date (the window, the periods in
  progress and the windows compared turn at midnight), and an indicator that reads a state
  at ``now`` (``Definition.reads_now``) keeps its figures only until the first moment they
  may change with no write (``measures.network.horizon``; ``channels_within_cadence``
  also counts out the channels whose cadence runs out meanwhile, ``Lapsing``).

On PostgreSQL the reader's own transaction counts too: when it has changed a table the
indicators read and not committed yet, its latest change's mark (a sequence value, never
reused) is part of the key. ``INDICATOR_CACHE_SECONDS`` bounds how long a figure stays (0:
nothing is kept).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import inspect
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.utils import translation

from contacts import access, expressions, querysets, states
from contacts.access import roles_of
from contacts.models import Channel
from indicators import health, measures, tally
from indicators.measures import network
from indicators.measures.base import REGISTRY, Figures, Fixed, Result, moment, sharing
from indicators.models import FigureGeneration, HealthPart

VERSION = 1  # of the entries' shape


@functools.cache
def code_fingerprint() -> str:
    """What the figures are computed by: the measures' source and the keep-in-touch rules
    they apply. A deployment that changes them never reads a figure kept by the one before."""
    modules = (
        access,
        expressions,
        sys.modules[__name__],
        measures,
        measures.base,
        measures.civil,
        measures.narrative,
        measures.network,
        measures.presence,
        measures.queries,
        measures.security,
        health,
        querysets,
        states,
        tally,
    )
    digest = hashlib.sha256(repr(VERSION).encode())
    for module in modules:
        digest.update(Path(inspect.getfile(module)).read_bytes())
    return digest.hexdigest()[:16]


# Where the indicators' triggers keep the mark of this transaction's latest change.
MARK_SETTING = "trackii.figure_mark"


def generation() -> tuple | None:
    """The figure generation and, when this transaction has changes of its own not
    committed yet, their latest mark: one query, to run before any figure is read. None
    when there is no generation (its row was emptied, as a test's flush does): nothing is
    then kept."""
    table = connection.ops.quote_name(FigureGeneration._meta.db_table)
    if connection.vendor == "postgresql":
        # The latest mark is a transaction-local setting (indicators.0005): empty or unset
        # when this transaction has changed nothing the indicators read.
        sql = (
            f"SELECT (SELECT value FROM {table} WHERE id = 1), "  # noqa: S608
            f"NULLIF(current_setting('{MARK_SETTING}', true), '')::bigint"
        )
    else:
        sql = f"SELECT value, NULL FROM {table} WHERE id = 1"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    return tuple(row)


def enabled() -> bool:
    """Whether figures are kept: a positive ``INDICATOR_CACHE_SECONDS``; on SQLite, only
    outside a transaction (SQLite marks no change of the reader's own, so a figure computed
    from changes that may still be rolled back is not kept)."""
    if settings.INDICATOR_CACHE_SECONDS <= 0:
        return False
    return connection.vendor == "postgresql" or not connection.in_atomic_block


def shared_between_processes() -> bool:
    """Whether the cache is one every process reads (Redis), not each its own memory: only
    then do the parts the task reads reach the web's processes."""
    return not isinstance(caches["default"], LocMemCache | DummyCache)


@dataclass(frozen=True)
class Entry:
    """Figures kept for the moments from ``valid_from`` to ``valid_until`` (excluded)."""

    valid_from: dt.datetime
    valid_until: dt.datetime
    figures: Figures

    def serves(self, now: dt.datetime) -> bool:
        return self.valid_from <= now < self.valid_until


def key(stamp: tuple, user, name: str, filters: dict, today: dt.date) -> str:
    """The cache key of one indicator's figures: the generation (and the reader's own
    uncommitted mark), the reader (their id, whether active or a superuser, their roles:
    what they may see and whether they get the breakdown by officer; None for figures any
    user who may see anything may read: ``shared_parts``), the indicator, the window and
    filters, the mission's date, the language, and what computes the figures (the code, the
    settings it reads, the database)."""
    reader = None
    if user is not None:
        reader = (user.pk, user.is_active, user.is_superuser, tuple(sorted(roles_of(user))))
    computed_by = (
        code_fingerprint(),
        settings.TIME_ZONE,
        sorted(settings.CLIMATE_FACTORS.items()),
        [settings.DATABASES["default"].get(part) for part in ("HOST", "PORT", "NAME")],
    )
    language = translation.get_language()  # should a title ever be translated when computed
    text = repr((computed_by, stamp, reader, name, sorted(filters.items()), today, language))
    return "indicators:" + hashlib.sha256(text.encode()).hexdigest()


def compute_all(user, *, now: dt.datetime, **filters) -> list[Result]:
    """``measures.compute_all``, each indicator's figures taken from the cache when they
    were kept for this reader, window, filters and day under the current generation and
    still serve ``now``; the others computed and kept."""
    return _compute(list(REGISTRY), user, now=now, **filters)


def compute(name: str, user, *, now: dt.datetime, **filters) -> Result:
    """``measures.compute`` through the cache (KeyError for an unknown name)."""
    if name not in REGISTRY:
        raise KeyError(name)
    return _compute([name], user, now=now, **filters)[0]


def _computed(names: list[str], user, **filters) -> list[Result]:
    with sharing():
        return [REGISTRY[name].compute(user, **filters) for name in names]


def _compute(names: list[str], user, *, now: dt.datetime, **filters) -> list[Result]:
    if not enabled():
        return _computed(names, user, now=now, **filters)
    # First: any figure read below is at least as recent as this generation.
    stamp = generation()
    if stamp is None:
        return _computed(names, user, now=now, **filters)
    today = measures.mission_today(now)
    keys = {name: key(stamp, user, name, filters, today) for name in names}
    found = cache.get_many(list(keys.values()))
    results, kept = {}, {}
    midnight = moment(today + dt.timedelta(days=1))
    later = None  # the horizon of the states read now, read once if needed
    with sharing():
        for name in names:
            entry = found.get(keys[name])
            if isinstance(entry, Entry) and entry.serves(now):
                results[name] = entry.figures.at(now)
                continue
            definition = REGISTRY[name]
            # A window that ended before today reads its states at past instants only.
            if definition.reads_now and filters["end"] >= today:
                if later is None:
                    later = [network.horizon(now)]
                until = min(when for when in (midnight, later[0]) if when is not None)
                if definition.figures is not None:
                    figures = definition.figures(user, now=now, until=until, **filters)
                else:
                    figures = Fixed(definition.compute(user, now=now, **filters))
                entry = Entry(now, until, figures)
            else:
                figures = Fixed(definition.compute(user, now=now, **filters))
                entry = Entry(moment(today), midnight, figures)
            results[name] = figures.at(now)
            kept[keys[name]] = entry
    if kept:
        seconds = max(entry.valid_until - now for entry in kept.values()).total_seconds()
        timeout = min(settings.INDICATOR_CACHE_SECONDS, max(1, math.ceil(seconds)))
        cache.set_many(kept, timeout)
    return [results[name] for name in names]


def network_health(user, *, now: dt.datetime, limit: int | None) -> health.HealthFigures:
    """The network-health page's figures for ``user`` at ``now``, each list cut to ``limit``
    rows: kept as the indicators' are (the generation, the reader, the mission's date) from
    ``now`` until the first moment a state may change with no write (``network.horizon``) or
    midnight, with the channels falling due meanwhile (``health.Kept``). On PostgreSQL,
    outside a transaction with changes of its own, kept in parts (``_health_in_parts``)."""
    channels = Channel.objects.visible_to(user)
    if not enabled():
        return health.health_figures(channels, now=now, limit=limit)
    if connection.vendor == "postgresql" and (stamp := part_versions()) is not None:
        return _health_in_parts(user, stamp, now=now, limit=limit)
    if (stamp := generation()) is None:
        return health.health_figures(channels, now=now, limit=limit)
    today = measures.mission_today(now)
    entry_key = key(stamp, user, "network_health", {}, today)
    entry = cache.get(entry_key)
    if isinstance(entry, Entry) and entry.serves(now):
        return entry.figures.at(now, limit)
    until = _until(now, today)
    figures = health.Kept(
        read_at=now,
        figures=health.health_figures(channels, now=now, limit=None),
        lapses=health.lapses(channels, now=now, until=until),
    )
    cache.set(entry_key, Entry(now, until, figures), _timeout(now, until))
    return figures.at(now, limit)


def part_versions() -> tuple | None:
    """The figure generation, the number of each part of the network-health figures
    (``HealthPart``, by part) and the private number (of the channels of restricted and
    protected contacts: row ``health.PARTS``), read before any figure: one query. None when
    this transaction has changes of its own not committed yet (the numbers move at commit
    only) or when the rows are not all there (emptied, as a test's flush does)."""
    table = connection.ops.quote_name(HealthPart._meta.db_table)
    generation_table = connection.ops.quote_name(FigureGeneration._meta.db_table)
    sql = (
        f"SELECT array_agg(id ORDER BY id), array_agg(value ORDER BY id), "  # noqa: S608
        f"current_setting('{MARK_SETTING}', true), "
        f"(SELECT value FROM {generation_table} WHERE id = 1) FROM {table}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        ids, values, mark, generation_now = cursor.fetchone()
    if mark or generation_now is None or ids != list(range(health.PARTS + 1)):
        return None
    return generation_now, tuple(values[: health.PARTS]), values[health.PARTS]


def _health_in_parts(user, stamp: tuple, *, now, limit) -> health.HealthFigures:
    """The figures of the channels every reader sees (their contacts standard) kept in
    parts shared by all readers, each under its part's number and the informal channels'
    cadence factor (the climate level's: ``shared_parts``), so that a change makes only the
    parts it touched be read again, and a change of climate none that the task keeping them
    read (``refresh_health_parts``) has read under the new level; the reader's others (the
    restricted and protected contacts' channels they may see, a few) read with them, never
    shared, kept per reader under the private number (which a change to those contacts,
    their channels, grants, teams and their members moves on) and the factor; the sum kept
    per reader under the figure generation (which users' and organizations' names and the
    climate move on too). The figures depend on the data and the moment only (not on the
    mission's date, which the other entries' keys hold), so each entry serves from the
    moment it was read until its horizon (which a later climate level's start bounds) or a
    day later, with the channels falling due by then."""
    generation_now, versions, private = stamp
    whole_key = key(("parts", generation_now), user, "network_health", {}, None)
    whole = cache.get(whole_key)
    if isinstance(whole, Entry) and whole.serves(now):
        return whole.figures.at(now, limit)
    everyone, own = Channel.objects.visible_apart(user)
    if everyone.query.is_empty():  # a reader who may see nothing shares nothing
        return health.merged([], now=now).at(now, limit)
    until, factor = _parts_until(now), querysets.informal_factor(now)
    entries = _shared(everyone, versions, factor=factor, now=now, until=until)
    own_key = key(("own", private, factor), user, "network_health_own", {}, None)
    own_entry = cache.get(own_key)
    if not (isinstance(own_entry, Entry) and own_entry.serves(now)):
        read = health.part_figures(
            own, now=now, until=until, parts=None, apart=False, factor=factor
        )
        own_entry = Entry(now, until, tuple(read.values()))
        cache.set(own_key, own_entry, _timeout(now, until))
    figures = health.merged([*(entry.figures for entry in entries), *own_entry.figures], now=now)
    # Not past the horizon now either: a climate level recorded since the parts were read
    # (which moved the generation, so the sum is made again here) starts there.
    until = min(until, own_entry.valid_until, *(entry.valid_until for entry in entries))
    cache.set(whole_key, Entry(now, until, figures), _timeout(now, until))
    return figures.at(now, limit)


# Beyond this many shared parts to read, a reader sums the tally instead (at 130,000
# channels: one part 25 ms, four 84, the tally 50 whatever changed).
READ_BEFORE_TALLY = 2


def _shared(everyone, versions: tuple, *, factor: float, now, until) -> list[Entry]:
    """The figures of the channels every reader sees, as entries to add up: the parts
    kept, and those missing read (``shared_parts``); or, when more than
    ``READ_BEFORE_TALLY`` are missing (at a first visit, or after a change that touched
    many), the tally the database keeps (``indicators.tally``: a few thousand rows, where
    the parts would read their channels), kept under every part's number for any reader.
    The task (``refresh_health_parts``) reads the parts again meanwhile."""
    whole_key = key((versions, factor), None, "network_health_tally", {}, None)
    whole = cache.get(whole_key)
    if isinstance(whole, Entry) and whole.serves(now):
        return [whole]
    kept = _kept_parts(versions, factor=factor, now=now, until=until)
    if len(kept[2]) > READ_BEFORE_TALLY:
        part = tally.shared_part(now=now, until=until, factor=factor, everyone=everyone)
        if part is not None:
            whole = Entry(now, until, part)
            cache.set(whole_key, whole, _timeout(now, until))
            return [whole]
    entries, _ = shared_parts(everyone, versions, factor=factor, now=now, until=until, kept=kept)
    return list(entries.values())


def _kept_parts(versions: tuple, *, factor: float, now, until, fresh_until=None) -> tuple:
    """The shared parts' keys and entries kept (by part), and the parts to read: missing,
    or serving no longer than ``fresh_until`` when that is before ``until``."""
    keys = {
        part: key((version, factor), None, "network_health_part", {"part": part}, None)
        for part, version in enumerate(versions)
    }
    found = cache.get_many(list(keys.values()))
    entries = {part: found.get(part_key) for part, part_key in keys.items()}
    missing = [
        part
        for part, entry in entries.items()
        if not (isinstance(entry, Entry) and entry.serves(now))
        # About to stop serving, and read now would serve longer (not up to a horizon
        # still ahead: those parts are read once it has passed).
        or (fresh_until is not None and entry.valid_until <= fresh_until < until)
    ]
    return keys, entries, missing


def shared_parts(
    everyone, versions: tuple, *, factor: float, now, until, fresh_until=None, kept=None
) -> tuple:
    """The parts of the channels every reader sees (``everyone``:
    ``Channel.objects.seen_by_all_staff()``) under the informal channels' cadence
    ``factor``, kept under their numbers for any reader, by part, and the parts read: those
    missing, or serving no longer than ``fresh_until`` when that is before ``until`` (for
    the task that keeps them read), read at ``now`` and kept until ``until``. ``kept``:
    what ``_kept_parts`` found, when already asked."""
    keys, entries, missing = kept or _kept_parts(
        versions, factor=factor, now=now, until=until, fresh_until=fresh_until
    )
    if missing:
        if len(missing) > health.PARTS_READ_APART:
            missing = list(keys)  # as cheap to read them all (and keep them all fresh)
        read = health.part_figures(
            everyone,
            now=now,
            until=until,
            parts=None if len(missing) == len(keys) else missing,
            factor=factor,
        )
        fresh = {part: Entry(now, until, read.get(part, health.EMPTY_PART)) for part in missing}
        cache.set_many({keys[part]: entry for part, entry in fresh.items()}, _timeout(now, until))
        entries.update(fresh)
    return entries, missing


def refresh_health_parts(*, now: dt.datetime, ahead: dt.timedelta) -> int:
    """Read the shared parts of the network-health figures that are missing or will stop
    serving within ``ahead``, under every climate level's cadence factor (the task, every
    15 seconds: so that the first reader after a change of climate, a change of many parts
    or a quiet night finds them read): how many were read. Nothing on SQLite, without the
    parts' rows or with the cache off."""
    if not enabled() or connection.vendor != "postgresql" or not shared_between_processes():
        return 0
    stamp = part_versions()
    if stamp is None:
        return 0
    _, versions, _ = stamp
    everyone, until = Channel.objects.seen_by_all_staff(), _parts_until(now)
    read = 0
    for factor in sorted(set(settings.CLIMATE_FACTORS.values())):
        _, parts = shared_parts(
            everyone, versions, factor=factor, now=now, until=until, fresh_until=now + ahead
        )
        read += len(parts)
    return read


def _parts_until(now: dt.datetime) -> dt.datetime:
    """Until when parts read at ``now`` may be kept: the horizon or a day later."""
    return min(when for when in (now + dt.timedelta(days=1), network.horizon(now)) if when)


def _until(now: dt.datetime, today: dt.date) -> dt.datetime:
    """Until when figures read at ``now`` may be kept: the horizon or midnight."""
    midnight = moment(today + dt.timedelta(days=1))
    return min(when for when in (midnight, network.horizon(now)) if when)


def _timeout(now: dt.datetime, until: dt.datetime) -> int:
    seconds = (until - now).total_seconds()
    return min(settings.INDICATOR_CACHE_SECONDS, max(1, math.ceil(seconds)))
