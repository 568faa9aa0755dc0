"""Benchmark of the reminder sweep on PostgreSQL against its floor (not a test).

The floor is one hand-written ``INSERT ... SELECT`` doing the same work as the sweep's
``channel_due`` insert, the visibility rule included (a reminder only for an officer who may
see the channel's contact). Targets (the issue): the sweep takes at most 1.5x the floor, and the
sweeping process peaks at 200 MB of RSS at most, at 1,000,000 channels with 10% overdue, and
again right after the climate turns to ``crisis``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trackii_bench \\
        .venv/bin/python benchmarks/sweep.py               # full size, writes BENCHMARKS.md
    .venv/bin/python benchmarks/sweep.py --size 100000     # a quick check, prints only

The database must be a dedicated one (its name must contain ``bench``): the script creates
it when missing, migrates it, fills it with COPY and truncates tables in it. The data set
is kept between runs (a marker table records its parameters) and rebuilt only when the
parameters change or with ``--regenerate``.

Each timed run starts from the same state (reminders truncated, or refilled and analysed
for the climate and re-run scenarios; then CHECKPOINT) and runs in a fresh Python process,
so its peak RSS is that process's own (``VmHWM`` at its exit; ``ru_maxrss`` would also
count the parent's pages copied at fork). Sweep and floor runs alternate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from common import (
    child_env,
    code_version,
    continue_sequences,
    copy_lines,
    database_name,
    ensure_database,
    host,
    migrate,
    peak_rss_kb,
    postgres_version,
    record_dataset,
)
from common import database_url as common_database_url
from common import stored_dataset as common_stored_dataset
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/trackii_bench"
NOW = dt.datetime(2025, 6, 2, 6, 0, tzinfo=dt.UTC)
OFFICERS = 200
TEAM_SIZE = 10  # officers 1-10 form team 1, 11-20 team 2, ...
INACTIVE_OFFICER = 200  # has left: holds channels still, sees nothing
SUPERUSER_OFFICER = 199  # an administrator who also holds channels: sees everything
SENSITIVITIES = (("standard", 82), ("restricted", 13), ("protected", 5))
GRANT_TO_HOLDER = 0.2  # of the restricted and protected contacts: granted to a channel holder
GRANT_TO_OTHER = 0.08  # ... and to some other officer
CHANNELS_PER_CONTACT = 4
OVERDUE_EVERY = 10  # every 10th channel is overdue under the normal climate
CRISIS_FACTOR = 0.25  # settings.CLIMATE_FACTORS["crisis"], informal channels only
SEED = 20250602
FULL_SIZE = 1_000_000
TARGET_RATIO = 1.5
TARGET_RSS_MB = 200
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

# The channels due at %(now)s, with their due moment: the floor's SELECT, written by hand
# (GREATEST ignores NULLs, so a dismissal moment counts only when there is one). The hours
# are double precision, as the sweep's: a bare 24.0 is numeric, and numeric arithmetic
# over every channel row is slower (the channel scan about 1.5x).
DUE_CHANNELS = """
FROM contacts_channel AS c
CROSS JOIN LATERAL (
    SELECT GREATEST(COALESCE(c.last_touch_at, c.created_at), c.count_restarted_at)
        + c.cadence_days
        * CASE WHEN c.kind = 'informal' THEN %(informal_hours)s::float8 ELSE 24.0::float8 END
        * INTERVAL '1 hour' AS due_at
) AS d
WHERE c.status = 'active'
  AND d.due_at <= %(now)s
"""
# Whether the channel's officer may see its contact (contacts.querysets
# contact_visible_to_user_in): an active user, and a superuser, or the contact standard,
# owned by them, granted to them, or restricted and owned by one of their teammates.
VISIBLE_TO_OFFICER = """
  AND u.is_active
  AND (u.is_superuser
       OR co.sensitivity = 'standard'
       OR co.owner_id = c.officer_id
       OR EXISTS (SELECT 1 FROM contacts_grant g
                  WHERE g.contact_id = co.id AND g.user_id = c.officer_id)
       OR (co.sensitivity = 'restricted' AND EXISTS (
              SELECT 1 FROM contacts_team_members mine
              JOIN contacts_team_members theirs ON theirs.team_id = mine.team_id
              WHERE mine.user_id = c.officer_id AND theirs.user_id = co.owner_id)))
"""
WITH_PEOPLE = """
JOIN contacts_contact AS co ON co.id = c.contact_id
JOIN auth_user AS u ON u.id = c.officer_id
"""
# The floor: one statement doing the work of the sweep's channel_due insert, for the
# overdue channels whose officer may see the contact. Like the sweep, it lets the partial
# unique index (one pending channel_due per channel) skip the channels that already have a
# reminder, through ON CONFLICT DO NOTHING.
FLOOR_SQL = (
    "INSERT INTO contacts_reminder "
    "(kind, recipient_id, channel_id, exchange_id, due_at, status, created_at) "
    "SELECT 'channel_due', c.officer_id, c.id, NULL, d.due_at, 'open', %(now)s"
    + DUE_CHANNELS.replace("WHERE", WITH_PEOPLE + "WHERE")
    + VISIBLE_TO_OFFICER
    + "ON CONFLICT DO NOTHING"
)
COUNT_DUE_SQL = "SELECT count(*)" + DUE_CHANNELS
# Overdue channels whose officer may not see the contact: neither the sweep nor the floor
# reminds them.
COUNT_HIDDEN_DUE_SQL = (
    "SELECT count(*)"
    + DUE_CHANNELS.replace("WHERE", WITH_PEOPLE + "WHERE")
    + "  AND NOT (TRUE"
    + VISIBLE_TO_OFFICER
    + ")"
)

# Other tables (event reminders) refer to reminders; they are empty here.
EMPTY_REMINDERS = "TRUNCATE contacts_reminder RESTART IDENTITY CASCADE"

# What a run leaves behind, compared across every run of a scenario.
SIGNATURE_SQL = """
SELECT count(*), coalesce(sum(channel_id), 0), coalesce(sum(extract(epoch FROM due_at)), 0)
FROM contacts_reminder WHERE kind = 'channel_due' AND status = 'open'
"""

# The tables the data set fills, children first (for TRUNCATE).
DATA_TABLES = (
    "contacts_reminder",
    "contacts_exchange_officers",
    "contacts_exchange_contacts",
    "contacts_exchange",
    "contacts_channel",
    "contacts_grant",
    "contacts_contact",
    "contacts_climate",
    "contacts_team_members",
    "contacts_team",
    "auth_user",
)
MARKER_TABLE = "benchmark_dataset"  # the parameters of the data set in place


def database_url() -> str:
    return common_database_url(DEFAULT_URL)


def identifiers(names) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(name) for name in names)


CATEGORIES = ("academic", "journalist", "think_tank", "cultural", "civil_society", "community")
LAYERS = ("security", "political", "narrative", "soft_cultural", "civil_epistemic")
COUNTRIES = ("RU", "DE", "FR", "IL", "GE", "AM", "KZ", "UA", "FI", "EE")
EXCHANGE_KINDS = ("meeting", "call", "message", "email", "event", "letter")
CADENCES = {
    "key": (14, 21, 30),
    "normal": (30, 45, 60),
    "peripheral": (60, 90, 120),
}


# Connections and safety


# The data set


def dataset_params(size: int, exchange_share: float) -> dict:
    return {
        "version": 2,
        "channels": size,
        "exchange_share": exchange_share,
        "contacts": -(-size // CHANNELS_PER_CONTACT),
        "officers": OFFICERS,
        "sensitivities": dict(SENSITIVITIES),
        "now": NOW.isoformat(),
        "seed": SEED,
    }


def stored_dataset(conn) -> dict | None:
    """The data set in place (common.stored_dataset), its row counts in loading order."""
    dataset = common_stored_dataset(conn, MARKER_TABLE)
    if dataset is not None:
        counts = dataset["rows"]
        dataset["rows"] = {
            table: counts[table] for table in reversed(DATA_TABLES) if table in counts
        }
    return dataset


def ts(moment: dt.datetime) -> str:
    return moment.isoformat(sep=" ")


def user_lines():
    joined = ts(NOW - 1000 * DAY)
    for pk in range(1, OFFICERS + 1):
        superuser = "t" if pk == SUPERUSER_OFFICER else "f"
        active = "f" if pk == INACTIVE_OFFICER else "t"
        yield (
            f"{pk}\t!bench\t\\N\t{superuser}\tofficer{pk:03d}\tOfficer\t{pk:03d}\t\t"
            f"{superuser}\t{active}\t{joined}"
        )


def team_of(officer: int) -> int:
    return (officer - 1) // TEAM_SIZE + 1


def team_lines():
    for pk in range(1, OFFICERS // TEAM_SIZE + 1):
        yield f"{pk}\tteam {pk}"


def team_member_lines():
    for officer in range(1, OFFICERS + 1):
        yield f"{officer}\t{team_of(officer)}\t{officer}"


def names_journalist(contact: int) -> str:
    """Exchange.names_journalist (COPY text) of an exchange naming only this contact."""
    return "t" if CATEGORIES[(contact - 1) % len(CATEGORIES)] == "journalist" else "f"


def sensitivities(contacts: int) -> bytearray:
    """Each contact's sensitivity (an index into SENSITIVITIES, by contact index): 82%
    standard, 13% restricted, 5% protected, drawn apart from the channels."""
    rng = random.Random(SEED + 1)  # noqa: S311 - reproducible benchmark data
    names = [name for name, _ in SENSITIVITIES]
    drawn = rng.choices(range(len(names)), weights=[w for _, w in SENSITIVITIES], k=contacts)
    return bytearray(drawn)


def contact_lines(contacts: int, levels: bytearray):
    created = ts(NOW - 800 * DAY)
    for index in range(contacts):
        pk = index + 1
        category = CATEGORIES[index % len(CATEGORIES)]
        layer = LAYERS[index % len(LAYERS)]
        country = COUNTRIES[index % len(COUNTRIES)]
        sensitivity = SENSITIVITIES[levels[index]][0]
        owner = officer_of(index, 0)
        yield (
            f'{pk}\tContact {pk}\t\t{category}\t\t\t{country}\t["ru", "en"]\t{layer}\t'
            f"{sensitivity}\t\t{created}\t{created}\t{owner}\t\\N"
        )


def officer_of(contact_index: int, k: int) -> int:
    """The k-th officer of a contact, distinct for k = 0..3: the owner (k = 0), one of the
    owner's teammates (k = 1), and two officers of other teams (k = 2, 3)."""
    owner = (contact_index * 37) % OFFICERS
    if k == 0:
        return owner + 1
    if k == 1:
        start = owner - owner % TEAM_SIZE
        return start + (owner % TEAM_SIZE + 1 + contact_index % (TEAM_SIZE - 1)) % TEAM_SIZE + 1
    return (owner + (k - 1) * 7 * TEAM_SIZE) % OFFICERS + 1


def grant_lines(levels: bytearray):
    """Grants on restricted and protected contacts: to one of the officers holding a
    channel with the contact (GRANT_TO_HOLDER of them), and to some other officer
    (GRANT_TO_OTHER), granted by the owner."""
    rng = random.Random(SEED + 2)  # noqa: S311 - reproducible benchmark data
    created = ts(NOW - 500 * DAY)
    pk = 0
    for index, level in enumerate(levels):
        if level == 0:  # standard
            continue
        owner = officer_of(index, 0)
        users = []
        if rng.random() < GRANT_TO_HOLDER:
            users.append(officer_of(index, rng.randrange(1, CHANNELS_PER_CONTACT)))
        if rng.random() < GRANT_TO_OTHER:
            other = rng.randrange(1, OFFICERS + 1)
            if other != owner and other not in users:
                users.append(other)
        for user in users:
            pk += 1
            yield f"{pk}\t{created}\t{index + 1}\t{owner}\t{user}"


@dataclass
class ChannelRow:
    pk: int
    contact: int
    officer: int
    kind: str
    priority: str
    cadence: int
    status: str
    last_touch: dt.datetime | None
    restarted: dt.datetime | None
    created: dt.datetime


def channels(size: int):
    """Every channel, deterministic. Exactly every OVERDUE_EVERY-th one is active and
    overdue under the normal climate; the others are either not due, or not active (some of
    those long untouched, so that the status test matters). Mixed kinds, priorities and
    cadences; some never touched (counted from creation), some restarted by a dismissal."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible benchmark data, nothing secret
    rand = rng.random
    for index in range(size):
        contact_index, k = divmod(index, CHANNELS_PER_CONTACT)
        kind = "informal" if rand() < 0.7 else "formal"
        roll = rand()
        priority = "key" if roll < 0.15 else ("normal" if roll < 0.75 else "peripheral")
        cadence = rng.choice(CADENCES[priority])
        period = cadence * DAY
        restarted = None
        shape = rand()
        if index % OVERDUE_EVERY == 0:
            status = "active"
            # Due between one hour and one cadence ago.
            counted_from = NOW - period - HOUR - (period - HOUR) * rand()
        else:
            roll = rand()
            status = "active" if roll < 0.9 else ("paused" if roll < 0.96 else "closed")
            if status == "active":
                # Due between one hour and one cadence from now.
                counted_from = NOW - (period - HOUR) * rand()
            else:
                counted_from = NOW - 3 * period * rand()
        if shape < 0.08:  # never touched: counted from creation
            last_touch, created = None, counted_from
        elif shape < 0.12:  # a dismissal restarted the count after an older touch
            restarted = counted_from
            last_touch = counted_from - period * (1 + rand())
            created = last_touch - 400 * DAY * rand()
        else:
            last_touch = counted_from
            created = last_touch - 700 * DAY * rand()
        yield ChannelRow(
            pk=index + 1,
            contact=contact_index + 1,
            officer=officer_of(contact_index, k),
            kind=kind,
            priority=priority,
            cadence=cadence,
            status=status,
            last_touch=last_touch,
            restarted=restarted,
            created=created,
        )


def channel_line(row: ChannelRow) -> str:
    last = ts(row.last_touch) if row.last_touch else "\\N"
    restarted = ts(row.restarted) if row.restarted else "\\N"
    created = ts(row.created)
    return (
        f"{row.pk}\t{row.kind}\t{row.priority}\t{row.cadence}\t{row.status}\t{last}\t"
        f"{restarted}\t{created}\t{created}\t{row.officer}\t{row.contact}"
    )


def generate(conn, size: int, exchange_share: float) -> dict:
    """Fill the tables with COPY; one last exchange per touched channel (or a share of
    them), with its contact and officer rows."""
    params = dataset_params(size, exchange_share)
    tables = identifiers([*DATA_TABLES, MARKER_TABLE])
    conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(tables))
    rows = {}
    started = time.perf_counter()
    with conn.transaction():
        rows["auth_user"] = copy_lines(
            conn,
            "auth_user",
            "id, password, last_login, is_superuser, username, first_name, last_name, email, "
            "is_staff, is_active, date_joined",
            user_lines(),
        )
        rows["contacts_team"] = copy_lines(conn, "contacts_team", "id, name", team_lines())
        rows["contacts_team_members"] = copy_lines(
            conn, "contacts_team_members", "id, team_id, user_id", team_member_lines()
        )
        levels = sensitivities(params["contacts"])
        rows["contacts_contact"] = copy_lines(
            conn,
            "contacts_contact",
            "id, full_name, native_name, category, email, phone, country, languages, layer, "
            "sensitivity, notes, created_at, updated_at, owner_id, organization_id",
            contact_lines(params["contacts"], levels),
        )
        rows["contacts_grant"] = copy_lines(
            conn,
            "contacts_grant",
            "id, created_at, contact_id, granted_by_id, user_id",
            grant_lines(levels),
        )
        exchanges: list[tuple[int, int, str]] = []
        every = max(1, round(1 / exchange_share)) if exchange_share > 0 else 0

        def channel_rows():
            for row in channels(size):
                if row.last_touch and every and row.pk % every == 0:
                    exchanges.append((row.contact, row.officer, ts(row.last_touch)))
                yield channel_line(row)

        rows["contacts_channel"] = copy_lines(
            conn,
            "contacts_channel",
            "id, kind, priority, cadence_days, status, last_touch_at, count_restarted_at, "
            "created_at, updated_at, officer_id, contact_id",
            channel_rows(),
        )
        rows["contacts_exchange"] = copy_lines(
            conn,
            "contacts_exchange",
            "id, occurred_at, kind, summary, notes, topics, follow_up_on, created_at, "
            "updated_at, created_by_id, names_journalist, is_sealed",
            (
                f"{n}\t{at}\t{EXCHANGE_KINDS[n % 6]}\tCatch-up\t\t[]\t\\N\t{at}\t{at}\t{officer}"
                f"\t{names_journalist(contact)}\tf"
                for n, (contact, officer, at) in enumerate(exchanges, 1)
            ),
        )
        rows["contacts_exchange_contacts"] = copy_lines(
            conn,
            "contacts_exchange_contacts",
            "id, exchange_id, contact_id",
            (f"{n}\t{n}\t{contact}" for n, (contact, _, _) in enumerate(exchanges, 1)),
        )
        rows["contacts_exchange_officers"] = copy_lines(
            conn,
            "contacts_exchange_officers",
            "id, exchange_id, user_id",
            (f"{n}\t{n}\t{officer}" for n, (_, officer, _) in enumerate(exchanges, 1)),
        )
        continue_sequences(conn, rows)  # after the copied ids
    return record_dataset(conn, MARKER_TABLE, DATA_TABLES, params, rows, started)


# Timed runs


@dataclass
class Run:
    seconds: float  # the sweep call / the floor statement and its commit
    process_seconds: float  # the whole process, interpreter start to exit
    rss_mb: float
    inserted: int
    statements: list = field(default_factory=list)


def run_child(url: str, which: str, informal_hours: float) -> Run:
    command = [sys.executable, __file__, "--child", which, "--informal-hours", str(informal_hours)]
    started = time.perf_counter()
    process = subprocess.run(  # noqa: S603 - our own interpreter and script
        command, env=child_env(url), cwd=ROOT, stdout=subprocess.PIPE, check=False
    )
    process_seconds = time.perf_counter() - started
    if process.returncode:
        sys.exit(f"The {which} process failed ({process.returncode}).")
    report = json.loads(process.stdout)
    return Run(
        seconds=report["seconds"],
        process_seconds=process_seconds,
        rss_mb=report["peak_rss_kb"] / 1024,
        inserted=report["inserted"],
        statements=report.get("statements", []),
    )


def child_sweep() -> dict:
    import django

    django.setup()
    from django.db import connection

    from contacts.services import sweep_reminders

    statements = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            label = sql.split(None, 1)[0]
            if label == "INSERT":
                label += " follow_up" if "follow_up" in params else " channel_due"
            statements.append([label, time.perf_counter() - started])

    connection.ensure_connection()
    with connection.execute_wrapper(timed):
        started = time.perf_counter()
        result = sweep_reminders(now=NOW)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "inserted": result.channel_due, "statements": statements}


def child_floor(informal_hours: float) -> dict:
    # JIT off, as the project's own sessions (trackii/settings.py).
    with psycopg.connect(
        os.environ["DATABASE_URL"], cursor_factory=psycopg.ClientCursor, options="-c jit=off"
    ) as conn:
        started = time.perf_counter()
        cursor = conn.execute(FLOOR_SQL, {"now": NOW, "informal_hours": informal_hours})
        inserted = cursor.rowcount
        conn.commit()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "inserted": inserted}


@dataclass
class Scenario:
    name: str
    title: str
    climate: str | None  # a climate row started an hour before NOW
    informal_hours: float
    prefilled: bool  # the normal climate's reminders already pending
    targeted: bool


SCENARIOS = (
    Scenario("normal", "Sweep, normal climate (10% overdue)", None, 24.0, False, True),
    Scenario(
        "crisis",
        "Climate to crisis, then sweep (normal reminders already pending)",
        "crisis",
        24.0 * CRISIS_FACTOR,
        True,
        True,
    ),
    Scenario("rerun", "Sweep again, nothing new (idempotent re-run)", None, 24.0, True, False),
)


def count_overdue(conn, informal_hours: float) -> int:
    """Active channels due at NOW, whether or not they have a pending reminder."""
    params = {"now": NOW, "informal_hours": informal_hours}
    return conn.execute(COUNT_DUE_SQL, params).fetchone()[0]


def count_hidden_overdue(conn, informal_hours: float) -> int:
    """Active channels due at NOW whose officer may not see the contact."""
    params = {"now": NOW, "informal_hours": informal_hours}
    return conn.execute(COUNT_HIDDEN_DUE_SQL, params).fetchone()[0]


def prepare(conn, scenario: Scenario) -> None:
    """The same starting state before every run of a scenario."""
    conn.execute(EMPTY_REMINDERS)
    if scenario.prefilled:
        conn.execute(FLOOR_SQL, {"now": NOW, "informal_hours": 24.0})
    # Statistics as they are in production: analysed, even when empty (after a fresh
    # install). An anti-join against an empty-analysed table used to be planned as a
    # rescan per channel (quadratic); the sweep no longer has one.
    conn.execute("VACUUM ANALYZE contacts_reminder")
    conn.execute("CHECKPOINT")


def set_climate(conn, level: str | None) -> None:
    conn.execute("DELETE FROM contacts_climate")
    if level:
        conn.execute(
            "INSERT INTO contacts_climate (level, note, started_at, created_at) "
            "VALUES (%s, 'benchmark', %s, %s)",
            [level, NOW - HOUR, NOW - HOUR],
        )


def run_scenario(conn, url: str, scenario: Scenario, repeat: int) -> dict:
    set_climate(conn, scenario.climate)
    conn.execute(EMPTY_REMINDERS)
    overdue = count_overdue(conn, scenario.informal_hours)
    hidden = count_hidden_overdue(conn, scenario.informal_hours)
    sweeps, floors, signatures = [], [], set()
    try:
        for round_ in range(repeat):
            for which, runs in (("sweep", sweeps), ("floor", floors)):
                prepare(conn, scenario)
                run = run_child(url, which, scenario.informal_hours)
                runs.append(run)
                signatures.add(conn.execute(SIGNATURE_SQL).fetchone())
                print(
                    f"  {scenario.name:6} {round_ + 1}/{repeat} {which}: {run.seconds:7.3f} s "
                    f"(process {run.process_seconds:6.3f} s, {run.rss_mb:5.1f} MB, "
                    f"{run.inserted} inserted)",
                    flush=True,
                )
    finally:
        set_climate(conn, None)
    inserted = {run.inserted for run in sweeps + floors}
    if len(inserted) != 1 or len(signatures) != 1:
        sys.exit(f"{scenario.name}: sweep and floor disagree: {inserted}, {signatures}")
    return {
        "scenario": scenario,
        "overdue": overdue,
        "hidden": hidden,
        "inserted": inserted.pop(),
        "sweeps": sweeps,
        "floors": floors,
    }


# Report


def summary(values: list[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


def fmt(values: list[float]) -> str:
    low, mid, high = summary(values)
    return f"{low:.3f} / {mid:.3f} / {high:.3f}"


def ratio(sweeps: list[float], floors: list[float]) -> float:
    return statistics.median(s / f for s, f in zip(sweeps, floors, strict=True))


def statement_medians(sweeps: list[Run]) -> str:
    labels: dict[str, list[float]] = {}
    for run in sweeps:
        for label, seconds in run.statements:
            labels.setdefault(label, []).append(seconds)
    return ", ".join(
        f"{label} {statistics.median(values):.3f}"
        for label, values in labels.items()
        if statistics.median(values) >= 0.0005
    )


def table(results: list[dict]) -> str:
    lines = [
        "| scenario | overdue | hidden | inserted | sweep s (min / median / max) "
        "| floor s (min / median / max) | median ratio | sweep process s (median) "
        "| floor process s (median) | process ratio | sweep peak RSS MB (max) "
        "| floor peak RSS MB (max) |",
        "| --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        sweeps, floors = result["sweeps"], result["floors"]
        sweep_s, floor_s = [r.seconds for r in sweeps], [r.seconds for r in floors]
        sweep_p, floor_p = [r.process_seconds for r in sweeps], [r.process_seconds for r in floors]
        lines.append(
            f"| {result['scenario'].title} | {result['overdue']:,} | {result['hidden']:,} "
            f"| {result['inserted']:,} "
            f"| {fmt(sweep_s)} | {fmt(floor_s)} | {ratio(sweep_s, floor_s):.2f}x "
            f"| {statistics.median(sweep_p):.3f} | {statistics.median(floor_p):.3f} "
            f"| {ratio(sweep_p, floor_p):.2f}x "
            f"| {max(r.rss_mb for r in sweeps):.1f} | {max(r.rss_mb for r in floors):.1f} |"
        )
    return "\n".join(lines)


def verdicts(results: list[dict]) -> list[str]:
    lines = []
    for result in results:
        if not result["scenario"].targeted:
            continue
        sweeps, floors = result["sweeps"], result["floors"]
        median_ratio = ratio([r.seconds for r in sweeps], [r.seconds for r in floors])
        rss = max(r.rss_mb for r in sweeps)
        ok_ratio = "met" if median_ratio <= TARGET_RATIO else "NOT met"
        ok_rss = "met" if rss <= TARGET_RSS_MB else "NOT met"
        lines.append(
            f"- {result['scenario'].title}: time {median_ratio:.2f}x the floor "
            f"(target <= {TARGET_RATIO}x: {ok_ratio}); peak RSS {rss:.1f} MB "
            f"(target <= {TARGET_RSS_MB} MB: {ok_rss})."
        )
    return lines


def machine(conn) -> dict:
    import django

    names = ("shared_buffers", "work_mem", "max_wal_size", "synchronous_commit")
    return {
        "code": code_version("contacts"),
        "host": host(),
        "software": f"{postgres_version(conn, names)}; Python {platform.python_version()}, "
        f"Django {django.get_version()}, psycopg {psycopg.__version__}",
    }


def replace_section(path: Path, section: str) -> str:
    """BENCHMARKS.md with this benchmark's section replaced and every other one kept."""
    title, _, body = section.partition("\n\n")  # "# Benchmarks", then "## Reminder sweep..."
    old = path.read_text() if path.exists() else title + "\n"
    parts = old.split("\n## ")
    kept = [part for part in parts[1:] if not part.startswith("Reminder sweep")]
    return "\n## ".join([parts[0].rstrip() + "\n", body.removeprefix("## ").rstrip() + "\n", *kept])


def markdown(results, dataset, command, info, repeat, exchange_note) -> str:
    params, rows = dataset["params"], dataset["rows"]
    sizes = ", ".join(f"{table}: {count:,}" for table, count in rows.items())
    statement_lines = [
        f"- {result['scenario'].name}: {statement_medians(result['sweeps'])}" for result in results
    ]
    return "\n".join(
        [
            "# Benchmarks",
            "",
            "## Reminder sweep at 1,000,000 channels (PostgreSQL)"
            if params["channels"] == FULL_SIZE
            else f"## Reminder sweep at {params['channels']:,} channels (PostgreSQL)",
            "",
            "The sweep (`contacts.services.sweep_reminders(now=NOW)`) against its floor: one "
            "hand-written `INSERT ... SELECT ... ON CONFLICT DO NOTHING` doing the same work "
            "(see `FLOOR_SQL` in "
            "`benchmarks/sweep.py`), the visibility rule included: a reminder only for a "
            "channel whose officer may see its contact (an active user, and a superuser, or "
            "the contact standard, owned by them, granted to them, or restricted and owned "
            "by a teammate; `contact_visible_to_user_in` in the sweep), written by hand as "
            "joins to the contact and the user and `EXISTS` on the grants and the team "
            "members. Targets: sweep <= 1.5x the floor, peak RSS of the "
            "sweeping process <= 200 MB.",
            "",
            "Command (from the repository root; creates, migrates and fills the database "
            "the first time, reuses the data afterwards):",
            "",
            "```sh",
            command,
            "```",
            "",
            f"Machine: {info['host']}. A shared, noisy machine: absolute seconds move "
            "from run to run, the ratios are what matter.",
            f"Software: {info['software']}. Code: {info['code']}.",
            "",
            f"Data set (fixed `NOW` = {NOW.isoformat()}, no climate record = normal): "
            f"{sizes}. 200 officers in 20 teams of 10 (one of them inactive, one a "
            "superuser); contacts 82% standard, 13% restricted, 5% protected (drawn), each "
            "with four channels: its owner's, an owner's teammate's and two of officers of "
            "other teams; grants on 20% of the restricted and protected contacts to one of "
            "their channels' officers and on 8% to another officer. So a channel of a "
            "restricted contact held outside the owner's team, or of a protected one held "
            "by anyone but the owner, is hidden from its officer unless granted (the "
            "*hidden* column: overdue, but neither the sweep nor the floor reminds it). "
            "Every channel is active, paused or closed, informal (70%) or "
            "formal, key/normal/peripheral with cadences of 14 to 120 days; exactly 10% "
            "are active and overdue under the normal climate; 8% were never touched "
            "(counted from creation) and 4% had their count restarted by a dismissal. "
            f"{exchange_note} Generated with COPY in {dataset['generated_seconds']:.0f} s "
            "(including VACUUM (FREEZE, ANALYZE)).",
            "",
            "Method: before every run the reminders are truncated (for the climate and "
            "re-run scenarios, then refilled with the normal climate's pending reminders"
            "), then VACUUM ANALYZE (so an emptied table is analysed as empty, as after a "
            "fresh install) and CHECKPOINT, so that each run does the same work. The sweep "
            "and the floor skip channels that already have a pending reminder through the "
            "partial unique index (ON CONFLICT DO NOTHING), not an anti-join, which "
            "PostgreSQL plans as a per-channel rescan when the table was analysed empty "
            "(measured before this change: 20k overdue 2.3 s, 50k 13.7 s, 150k 183 s). Each "
            "run is a fresh Python process; sweep and floor runs alternate "
            f"(A B A B ..., {repeat} each). *sweep s* is the `sweep_reminders` call "
            "(connection already open: the climate lookup, the snoozed update, the "
            "channel_due and follow_up inserts and their commits); *floor s* is the "
            "floor statement and its commit over psycopg (connection already open). "
            "*median ratio* is the median of the pairwise ratios sweep/floor. *process s* "
            "is the whole process (interpreter start, imports, connection, work, exit); "
            "peak RSS is each process's own high-water resident set (`VmHWM` in "
            "`/proc/self/status` at its exit). Every run "
            "of a scenario leaves exactly the same reminders (count, channels, due "
            "moments), checked.",
            "",
            table(results),
            "",
            "Median time of each of the sweep's statements, in seconds. The rest of the "
            "call is mostly the commit, where the deferred foreign-key checks of every "
            "inserted reminder (its channel, its recipient) run; the floor pays them too:",
            "",
            *statement_lines,
            "",
            "Targets:",
            "",
            *verdicts(results),
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=FULL_SIZE, help="channels (1,000,000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each, per scenario")
    parser.add_argument(
        "--exchanges",
        type=float,
        default=1.0,
        help="share of touched channels given their last exchange (1.0: all)",
    )
    parser.add_argument("--regenerate", action="store_true", help="rebuild the data set")
    parser.add_argument(
        "--write",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write BENCHMARKS.md (default: only at the full size)",
    )
    parser.add_argument("--child", choices=["sweep", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--informal-hours", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        report = child_sweep() if args.child == "sweep" else child_floor(args.informal_hours)
        report["peak_rss_kb"] = peak_rss_kb()
        print(json.dumps(report))
        return

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trackii.settings")
    url = database_url()
    ensure_database(url)
    print(f"Migrating {database_name(url)}", flush=True)
    migrate(child_env(url))

    with psycopg.connect(url, autocommit=True) as conn:
        dataset = stored_dataset(conn)
        if (
            args.regenerate
            or dataset is None
            or dataset["params"] != dataset_params(args.size, args.exchanges)
        ):
            print(f"Generating {args.size:,} channels", flush=True)
            dataset = generate(conn, args.size, args.exchanges)
        else:
            print(f"Reusing the data set ({args.size:,} channels)", flush=True)
        print(
            "  " + ", ".join(f"{t} {n:,}" for t, n in dataset["rows"].items()),
            f"({dataset['generated_seconds']:.0f} s)",
            flush=True,
        )
        expected = -(-args.size // OVERDUE_EVERY)
        set_climate(conn, None)
        conn.execute(EMPTY_REMINDERS)
        if (overdue := count_overdue(conn, 24.0)) != expected:
            sys.exit(f"Expected {expected} overdue channels, found {overdue}.")

        results = []
        for scenario in SCENARIOS:
            print(f"{scenario.title}", flush=True)
            results.append(run_scenario(conn, url, scenario, args.repeat))
        conn.execute(EMPTY_REMINDERS)
        info = machine(conn)

    exchange_note = (
        "Every touched channel has its last exchange (one contact, one officer), so "
        "`last_touch_at` agrees with the exchanges; no exchange has a follow-up date, so "
        "the sweep's follow_up insert finds nothing to do."
        if dataset["params"]["exchange_share"] >= 1
        else f"{dataset['rows']['contacts_exchange']:,} touched channels have their last "
        "exchange (a share, to keep generation short); no exchange has a follow-up date."
    )
    command = shlex.join(["DATABASE_URL=" + url, ".venv/bin/python", "benchmarks/sweep.py"])
    extra = sys.argv[1:]
    if extra:
        command += " " + shlex.join(extra)
    print()
    print(table(results))
    print()
    print("\n".join(verdicts(results)))
    write = args.write if args.write is not None else args.size == FULL_SIZE
    if write:
        path = ROOT / "BENCHMARKS.md"
        section = markdown(results, dataset, command, info, args.repeat, exchange_note)
        path.write_text(replace_section(path, section))
        print(f"\nWrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
