"""Benchmark of REST API v1 reads on PostgreSQL against their floor (not a test).

With 100,000 contacts, the latency of ``GET /api/v1/contacts/?page_size=50`` (several
pages) and of ``GET /api/v1/contacts/{id}/``, each against the floor: a bare Django view
(``benchmarks/api_urls.py``) that reads the same rows through the same ``visible_to``
filter with ``.values()`` and writes them as JSON. Target (the issue): the API takes at
most 2x the floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trackii_bench_api \\
        .venv/bin/python benchmarks/api.py            # writes its section of BENCHMARKS.md
    .venv/bin/python benchmarks/api.py --pairs 30     # a quick check, prints only
    .venv/bin/python benchmarks/api.py --profile      # cProfile of the API list request

Requests are driven in-process with Django's test client (the whole request: middleware,
URL resolution, view, rendering; no HTTP server and no socket, so nothing constant dilutes
the ratio), as a non-superuser officer authenticated by token, so that ``visible_to``
filters. The settings are the project's with DEBUG off (``benchmarks/api_settings.py``).
After a warm-up, each request is timed in pairs, API and floor one after the other, the
order alternating from pair to pair, and the scenarios interleaved round by round.

The database must be a dedicated one (its name must contain ``bench``): the script creates
it when missing, migrates it and fills it with COPY. The data set is kept between runs (a
marker table records its parameters) and rebuilt only when they change or with
``--regenerate``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import random
import shlex
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the project's packages, not this folder's scripts

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from benchmarks.common import (  # noqa: E402
    child_env,
    code_version,
    continue_sequences,
    copy_lines,
    ensure_database,
    host,
    migrate,
    postgres_version,
    record_dataset,
    stored_dataset,
)
from benchmarks.common import database_url as common_database_url  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/trackii_bench_api"
SETTINGS = "benchmarks.api_settings"
NOW = dt.datetime(2025, 6, 2, 6, 0, tzinfo=dt.UTC)
SEED = 20250602
CONTACTS = 100_000
OFFICERS = 200
TEAM_SIZE = 10
ORGANIZATIONS = 2_000
TARGET_RATIO = 2.0
SEARCH_TARGET_MS = 50  # issue 17: a search answers in under 50 ms at 100,000 contacts
PAGE_SIZE = 50
PAGES = (1, 20, 1000)  # the first page, one a little in, one deep (offset 49,950)
# Searches (``?search=``) in each script the data set holds, each finding the same people
# whatever the script (the names' keys, contacts/names.py; issue 17's target: 50 ms).
SEARCHES = ("Петрова", "elena petrova", "Mikhail Levi", "כהן", "ნინო")
DETAIL_IDS = 40  # distinct contacts the detail requests cycle through
BENCH_OFFICER = 1  # the caller: officer001, team 1, not a superuser
MARKER_TABLE = "benchmark_api_dataset"
SECTION_TITLE = "REST API: contacts list and detail at 100,000 contacts (PostgreSQL)"

# The tables the data set fills, children first (for TRUNCATE).
DATA_TABLES = (
    "contacts_accesslog",
    "contacts_grant",
    "contacts_contact_tags",
    "contacts_tag",
    "contacts_contact",
    "contacts_organization",
    "contacts_team_members",
    "contacts_team",
    "trackii_apitoken",
    "auth_user_groups",
    "auth_user",
)

CATEGORIES = ("academic", "journalist", "think_tank", "cultural", "civil_society", "community")
LAYERS = ("security", "political", "narrative", "soft_cultural", "civil_epistemic")
COUNTRIES = ("RU", "IL", "DE", "FR", "GE", "AM", "KZ", "UA", "FI", "EE")
ORGANIZATION_KINDS = ("university", "research_institute", "think_tank", "media_outlet", "ngo")
LANGUAGES = (["ru", "en"], ["ru", "he", "en"], ["he", "en"], ["ru"], ["en", "de"])
# (Latin, native) first and last names: a mix of scripts, as the mission's contacts are.
FIRST = (
    ("Anna", "Анна"),
    ("Dmitry", "Дмитрий"),
    ("Elena", "Елена"),
    ("Sergei", "Сергей"),
    ("Olga", "Ольга"),
    ("Mikhail", "Михаил"),
    ("Yael", "יעל"),
    ("Avi", "אבי"),
    ("Noa", "נועה"),
    ("Nino", "ნინო"),
    ("Giorgi", "გიორგი"),
    ("Aigerim", "Айгерим"),
)
LAST = (
    ("Petrova", "Петрова"),
    ("Ivanov", "Иванов"),
    ("Smirnova", "Смирнова"),
    ("Kuznetsov", "Кузнецов"),
    ("Levi", "לוי"),
    ("Mizrahi", "מזרחי"),
    ("Cohen", "כהן"),
    ("Beridze", "ბერიძე"),
    ("Abenova", "Абенова"),
    ("Sokolov", "Соколов"),
)
TAGS = (
    "education", "energy", "visas", "water-tech", "media", "culture", "security", "history",
    "diaspora", "science", "startups", "health", "film", "music", "theatre", "literature",
    "sport", "religion", "youth", "alumni", "women", "archives", "museums", "translation",
    "agriculture", "climate", "cyber", "law", "economy", "tourism",
)  # fmt: skip


# Connections and safety


def identifiers(names) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(name) for name in names)


# The data set


def dataset_params() -> dict:
    return {
        "version": 2,  # 2: the names' search keys (contacts/names.py) stored
        "contacts": CONTACTS,
        "officers": OFFICERS,
        "team_size": TEAM_SIZE,
        "organizations": ORGANIZATIONS,
        "tags": len(TAGS),
        "now": NOW.isoformat(),
        "seed": SEED,
    }


def ts(moment: dt.datetime) -> str:
    return moment.isoformat(sep=" ")


def text(value: str) -> str:
    """A value for COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "")


def copy_rows(conn, table: str, columns: str, rows) -> int:
    """COPY rows (tuples of already formatted strings)."""
    return copy_lines(conn, table, columns, ("	".join(row) for row in rows))


def owner_of(index: int) -> int:
    return index % OFFICERS + 1


def team_of(user: int) -> int:
    return (user - 1) // TEAM_SIZE + 1


def sensitivity_of(index: int) -> str:
    """85% standard, 10% restricted, 5% protected."""
    kind = index % 20
    return "protected" if kind == 0 else ("restricted" if kind in (1, 2) else "standard")


def token_key(user: int) -> str:
    return hashlib.sha1(f"track-ii-bench-api-{SEED}-{user}".encode()).hexdigest()  # noqa: S324


def generate(conn) -> dict:
    """Fill the tables with COPY: officers in teams, organizations, contacts (names in
    several scripts, notes encrypted as the application stores them), tags and grants."""
    from contacts import crypto  # needs the Django settings (the notes' key)
    from contacts.names import keys
    from trackii import tokens

    rng = random.Random(SEED)  # noqa: S311 - reproducible benchmark data, nothing secret
    rows = {}
    started = time.perf_counter()
    conn.execute(
        sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
            identifiers([*DATA_TABLES, MARKER_TABLE])
        )
    )
    officer_group = conn.execute("SELECT id FROM auth_group WHERE name = 'officer'").fetchone()[0]
    joined = ts(NOW - dt.timedelta(days=1000))
    with conn.transaction():
        rows["auth_user"] = copy_rows(
            conn,
            "auth_user",
            "id, password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined",
            (
                (str(u), "!bench", "f", f"officer{u:03d}", "Officer", f"{u:03d}",
                 f"officer{u:03d}@mission.example", "f", "t", joined)
                for u in range(1, OFFICERS + 1)
            ),
        )  # fmt: skip
        rows["auth_user_groups"] = copy_rows(
            conn,
            "auth_user_groups",
            "user_id, group_id",
            ((str(u), str(officer_group)) for u in range(1, OFFICERS + 1)),
        )
        teams = -(-OFFICERS // TEAM_SIZE)
        rows["contacts_team"] = copy_rows(
            conn, "contacts_team", "id, name", ((str(t), f"team {t}") for t in range(1, teams + 1))
        )
        rows["contacts_team_members"] = copy_rows(
            conn,
            "contacts_team_members",
            "team_id, user_id",
            ((str(team_of(u)), str(u)) for u in range(1, OFFICERS + 1)),
        )
        # API tokens as the application stores them: a digest of the key (trackii.tokens),
        # expiring long after any run of the benchmark (the requests run at the real time).
        never = ts(dt.datetime(2099, 12, 31, tzinfo=dt.UTC))
        rows["trackii_apitoken"] = copy_rows(
            conn,
            "trackii_apitoken",
            "id, user_id, name, digest, created_at, expires_at",
            (
                (str(u), str(u), "benchmark", tokens.digest(token_key(u)), joined, never)
                for u in range(1, OFFICERS + 1)
            ),
        )
        created = ts(NOW - dt.timedelta(days=900))
        rows["contacts_organization"] = copy_rows(
            conn,
            "contacts_organization",
            "id, name, native_name, kind, country, city, website, description, created_at, "
            "updated_at, search_key, name_skeleton",
            (
                (str(o), f"Institute {o}", "", ORGANIZATION_KINDS[o % 5], COUNTRIES[o % 10],
                 "Moscow", f"https://institute{o}.example.org/", "", created, created,
                 *keys(f"Institute {o}"))
                for o in range(1, ORGANIZATIONS + 1)
            ),
        )  # fmt: skip

        def contacts():
            for index in range(CONTACTS):
                pk = index + 1
                (first, first_native), (last, last_native) = rng.choice(FIRST), rng.choice(LAST)
                native = f"{first_native} {last_native}" if rng.random() < 0.8 else ""
                organization = str(rng.randint(1, ORGANIZATIONS)) if rng.random() < 0.85 else None
                email = f"{first}.{last}{pk}@example.org".lower() if rng.random() < 0.6 else ""
                phone = f"+7 495 {pk % 1000:03d} {pk % 100:02d} {pk % 97:02d}" if pk % 5 < 2 else ""
                notes = (
                    crypto.encrypt(f"Met {first} at the round table; follow up on item {pk}.")
                    if rng.random() < 0.3
                    else ""
                )
                touched = ts(NOW - dt.timedelta(days=rng.randint(0, 800), seconds=pk % 86_400))
                yield (
                    str(pk), text(f"{first} {last}"), text(native), CATEGORIES[index % 6],
                    email, phone, COUNTRIES[index % 10], json.dumps(LANGUAGES[index % 5]),
                    LAYERS[index % 5], sensitivity_of(index), notes, created, touched,
                    str(owner_of(index)), organization or "\\N",
                    *map(text, keys(f"{first} {last}", native)),
                )  # fmt: skip

        rows["contacts_contact"] = copy_rows(
            conn,
            "contacts_contact",
            "id, full_name, native_name, category, email, phone, country, languages, layer, "
            "sensitivity, notes, created_at, updated_at, owner_id, organization_id, search_key, "
            "name_skeleton",
            contacts(),
        )
        rows["contacts_tag"] = copy_rows(
            conn, "contacts_tag", "id, name", ((str(t), name) for t, name in enumerate(TAGS, 1))
        )

        def tag_links():
            for pk in range(1, CONTACTS + 1):
                for tag in rng.sample(range(1, len(TAGS) + 1), pk % 4):  # 0 to 3 tags
                    yield (str(pk), str(tag))

        rows["contacts_contact_tags"] = copy_rows(
            conn, "contacts_contact_tags", "contact_id, tag_id", tag_links()
        )

        def grants():
            # One in five restricted or protected contacts is granted to an officer of
            # another team (the benchmark's officer among them).
            for index in range(CONTACTS):
                if sensitivity_of(index) != "standard" and index % 5 == 0:
                    owner = owner_of(index)
                    grantee = (owner + TEAM_SIZE * (1 + index % 7) - 1) % OFFICERS + 1
                    yield (str(index + 1), str(grantee), created)

        rows["contacts_grant"] = copy_rows(
            conn, "contacts_grant", "contact_id, user_id, created_at", grants()
        )
        # the identity sequences continue after the copied ids
        continue_sequences(conn, list(rows))
    params = dataset_params()
    return record_dataset(conn, MARKER_TABLE, DATA_TABLES, params, rows, started)


# Requests


def api_path(scenario: tuple, which: str) -> str:
    kind, value = scenario
    base = "/api/v1/contacts/" if which == "api" else "/bench/floor/contacts/"
    if kind == "search":
        return f"{base}?{urlencode({'search': value, 'page_size': PAGE_SIZE})}"
    if kind == "list":
        return (
            f"{base}?page_size={PAGE_SIZE}&page={value}"
            if value > 1
            else (f"{base}?page_size={PAGE_SIZE}")
        )
    return f"{base}{value}/"


def scenario_title(scenario: tuple) -> str:
    kind, value = scenario
    if kind == "search":
        return f"`GET /api/v1/contacts/?search={value}&page_size={PAGE_SIZE}`"
    if kind == "list":
        page = "" if value == 1 else f"&page={value}"
        return f"`GET /api/v1/contacts/?page_size={PAGE_SIZE}{page}`"
    return f"`GET /api/v1/contacts/{{id}}/` ({DETAIL_IDS} ids in turn)"


class Driver:
    """The test client, authenticated as the benchmark's officer by token."""

    def __init__(self):
        from django.test import Client

        self.client = Client(headers={"Authorization": f"Token {token_key(BENCH_OFFICER)}"})

    def get(self, url: str):
        response = self.client.get(url)
        if response.status_code != 200:
            sys.exit(f"GET {url}: {response.status_code} {response.content[:300]!r}")
        return response

    def timed(self, url: str) -> float:
        started = time.perf_counter()
        response = self.client.get(url)
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            sys.exit(f"GET {url}: {response.status_code}")
        return seconds


def same_answer(driver: Driver, scenario: tuple, detail_ids: list[int]) -> dict:
    """The API and the floor give the same rows with the same fields (checked before
    timing), and how many SQL queries each makes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bodies, queries = {}, {}
    for which in ("api", "floor"):
        url = api_path(scenario if scenario[0] != "detail" else ("detail", detail_ids[0]), which)
        statements = []

        def timer(execute, sql, params, many, context, statements=statements):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append({"sql": sql, "seconds": time.perf_counter() - started})

        # The query log names transaction statements too; the wrapper times the others.
        with CaptureQueriesContext(connection) as log, connection.execute_wrapper(timer):
            bodies[which] = driver.get(url).json()
        timed = iter(statements)
        queries[which] = [
            next(timed)
            if entry["sql"] not in ("BEGIN", "COMMIT", "ROLLBACK")
            else {"sql": entry["sql"], "seconds": float(entry["time"])}
            for entry in log.captured_queries
        ]
    api, floor = bodies["api"], bodies["floor"]
    if scenario[0] != "detail":
        links = [
            (body["count"], body["next"] is None, body["previous"] is None) for body in (api, floor)
        ]
        if links[0] != links[1] or not api["results"]:
            sys.exit(f"{scenario}: count or links disagree: {links}")
        api, floor = api["results"], floor["results"]
    if api != floor:
        sys.exit(f"{scenario}: the API and the floor disagree:\n{api}\n{floor}")
    return queries


def measure(driver: Driver, scenarios: list, detail_ids: list[int], pairs: int, warmup: int):
    samples = {scenario: {"api": [], "floor": []} for scenario in scenarios}

    def urls(scenario, n):
        if scenario[0] != "detail":
            return api_path(scenario, "api"), api_path(scenario, "floor")
        pk = detail_ids[n % len(detail_ids)]
        return api_path(("detail", pk), "api"), api_path(("detail", pk), "floor")

    for n in range(warmup):
        for scenario in scenarios:
            for url in urls(scenario, n):
                driver.get(url)
    gc.collect()
    for n in range(pairs):
        for scenario in scenarios:
            api_url, floor_url = urls(scenario, n)
            order = [("api", api_url), ("floor", floor_url)]
            if n % 2:
                order.reverse()
            for which, url in order:
                samples[scenario][which].append(driver.timed(url))
        if (n + 1) % max(1, pairs // 5) == 0:
            print(f"  {n + 1}/{pairs} pairs", flush=True)
    return samples


def profile(driver: Driver, scenario: tuple, detail_ids: list[int], requests: int) -> None:
    import cProfile
    import pstats

    url = api_path(scenario if scenario[0] != "detail" else ("detail", detail_ids[0]), "api")
    for _ in range(10):
        driver.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        driver.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    print(f"cProfile of {requests} x GET {url}")
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)


# Report


def ms(values: list[float]) -> str:
    return " / ".join(
        f"{v * 1000:.2f}" for v in (min(values), statistics.median(values), max(values))
    )


def ratio(samples: dict) -> float:
    return statistics.median(a / f for a, f in zip(samples["api"], samples["floor"], strict=True))


def table(samples: dict, queries: dict) -> str:
    lines = [
        "| request | API ms (min / median / max) | floor ms (min / median / max) "
        "| median ratio | SQL queries API / floor |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for scenario, pair in samples.items():
        q = queries[scenario]
        lines.append(
            f"| {scenario_title(scenario)} | {ms(pair['api'])} | {ms(pair['floor'])} "
            f"| {ratio(pair):.2f}x | {len(q['api'])} / {len(q['floor'])} |"
        )
    return "\n".join(lines)


def verdicts(samples: dict) -> list[str]:
    lines = []
    for scenario, pair in samples.items():
        value = ratio(pair)
        verdict = "met" if value <= TARGET_RATIO else "NOT met"
        line = (
            f"- {scenario_title(scenario)}: {value:.2f}x the floor "
            f"(target <= {TARGET_RATIO:g}x: {verdict})"
        )
        if scenario[0] == "search":
            median = statistics.median(pair["api"]) * 1000
            met = "met" if median <= SEARCH_TARGET_MS else "NOT met"
            line += f"; median {median:.1f} ms (target <= {SEARCH_TARGET_MS} ms: {met})"
        lines.append(line + ".")
    return lines


def label(statement: str) -> str:
    """``count contacts_contact``, ``select trackii_apitoken``, ``insert ...``."""
    words = statement.replace('"', "").split()
    verb = words[0].lower()
    if verb == "select":
        table = words[words.index("FROM") + 1] if "FROM" in words else "?"
        return ("count " if statement.startswith("SELECT COUNT(") else "select ") + table
    if verb == "insert":
        return f"insert {words[2]}"
    return verb


def query_lines(queries: dict) -> list[str]:
    lines = []
    for scenario, by_side in queries.items():
        for which in ("api", "floor"):
            statements = ", ".join(
                f"{label(q['sql'])} {q['seconds'] * 1000:.2f}" for q in by_side[which]
            )
            lines.append(f"- {scenario_title(scenario)}, {which}: {statements}")
    return lines


def machine(conn) -> dict:
    import django
    import rest_framework

    return {
        "code": code_version("contacts", "events", "indicators", "trackii/api.py"),
        "host": host(),
        "software": f"{postgres_version(conn, ('shared_buffers', 'work_mem'))}; Python "
        f"{platform.python_version()}, Django {django.get_version()}, DRF "
        f"{rest_framework.VERSION}, psycopg {psycopg.__version__}",
    }


def replace_section(old: str, section: str) -> str:
    """``old`` with this benchmark's section replaced in place (or appended), every other
    section kept as it is."""
    if not old.strip():
        old = "# Benchmarks\n"
    parts = old.split("\n## ")
    body = section.removeprefix("## ").rstrip() + "\n"
    for n, part in enumerate(parts[1:], 1):
        if part.startswith(SECTION_TITLE):
            parts[n] = body
            return "\n## ".join(parts)
    return old.rstrip() + "\n\n## " + body


# What profiling found, and what changed in contacts/api.py (measured with this script, 300
# pairs, before the change: the ContactViewSet of commit 3bb2254).
HISTORY = """\
Before (commit 3bb2254's `ContactViewSet`), the detail missed the target: **2.90x** (API
16.68 ms, floor 5.83 ms median; the list 1.38x, page 20 1.44x, page 1000 1.71x). Profiling
(`--profile`, cProfile, and the SQL of one request) found three causes, all in
`contacts/api.py`, and each was changed:

1. `retrieve()` called `get_object()` a second time to access-log the contact: the filter
   backends again (django-filter builds its FilterSet and form), the contact query and the
   tag prefetch again, about half of the detail's time (8 queries against the floor's 3).
   It now logs the instance the answer was made from (`response.data.serializer.instance`).
2. `_log_views()` called `AccessLog.objects.record()` with every contact shown, and its
   `bulk_create()` of a generator opened and committed a transaction even when no contact
   was protected (an empty BEGIN/COMMIT on most requests). It now passes only the protected
   contacts, and skips the call when there are none.
3. `get_queryset()` had `select_related("organization", "owner")`, though the
   representation names both by id only (DRF reads `organization_id` and `owner_id`): two
   joins and two extra model instances per row, and, on a deep page, PostgreSQL joins every
   skipped row (page 1000: 116 ms against the floor's 54 ms for the page query). Dropped.

After: the figures above (the same 300 pairs).
"""


def markdown(samples, queries, dataset, command, info, pairs, warmup, visible) -> str:
    rows = dataset["rows"]
    sizes = ", ".join(
        f"{table}: {rows[table]:,}" for table in reversed(DATA_TABLES) if table in rows
    )
    return "\n".join(
        [
            f"## {SECTION_TITLE}",
            "",
            "REST API v1 reads against their floor: a bare Django view "
            "(`benchmarks/api_urls.py`) that finds the caller from the same token, reads the "
            "same rows through the same `Contact.objects.visible_to(user)` filter, in the "
            "same order and page size, with `.values()` for the same fields (tags by one "
            "more query), and writes them as JSON with the same count and links. Before "
            "timing, each request's API and floor answers are checked to hold the same rows "
            f"and fields. Target: API <= {TARGET_RATIO:g}x the floor.",
            "",
            "Command (from the repository root; creates, migrates and fills the database "
            "the first time, reuses the data afterwards):",
            "",
            "```sh",
            command,
            "```",
            "",
            f"Machine: {info['host']}. A shared, noisy machine: absolute times move from run "
            "to run, the ratios are what matter.",
            f"Software: {info['software']}. Code: {info['code']}.",
            "",
            f"Data set: {sizes}. {OFFICERS} officers in teams of {TEAM_SIZE}; contacts 85% "
            "standard, 10% restricted, 5% protected, owned round-robin; names in Latin, "
            "Cyrillic, Hebrew and Georgian script; 85% with an organization, 30% with an "
            "encrypted private note, 0 to 3 tags. The caller is officer001 (officer role, "
            f"team 1, not a superuser), who sees {visible:,} contacts. Generated with COPY "
            f"in {dataset['generated_seconds']:.0f} s (including VACUUM (FREEZE, ANALYZE)).",
            "",
            "Method: requests are driven in-process with Django's test client (the whole "
            "request through the project's middleware, URL resolution, view and rendering; "
            "no HTTP server, so no constant network cost dilutes the ratio), with the "
            "project's settings and DEBUG off (`benchmarks/api_settings.py`; the per-user "
            "throttle off, see there), authenticated by `Authorization: Token`. After "
            f"{warmup} warm-up requests of each, every request is timed in {pairs} pairs, "
            "API then floor or floor then API, the order alternating from pair to pair and "
            "the scenarios interleaved round by round. *median ratio* is the median of the "
            "pairwise ratios API/floor. The detail requests cycle through "
            f"{DETAIL_IDS} standard contacts spread over the table. Pages 20 and 1000 show "
            "protected contacts the caller may see, which the API access-logs (BEGIN, INSERT "
            "INTO contacts_accesslog, COMMIT), as the design requires; the floor does not.",
            "",
            table(samples, queries),
            "",
            HISTORY,
            "The SQL of one request of each, in ms (each statement timed around its execution; "
            "BEGIN and COMMIT as Django's query log gives them, to the millisecond):",
            "",
            *query_lines(queries),
            "",
            "Targets:",
            "",
            *verdicts(samples),
            "",
        ]
    )


def write_section(section: str) -> Path:
    """Re-read BENCHMARKS.md right before writing, replace only this section, and write
    through a temporary file, since other benchmarks write their own sections."""
    path = ROOT / "BENCHMARKS.md"
    old = path.read_text() if path.exists() else ""
    temporary = path.with_name(f".BENCHMARKS.md.{os.getpid()}")
    temporary.write_text(replace_section(old, section))
    os.replace(temporary, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=300, help="timed pairs per request")
    parser.add_argument("--warmup", type=int, default=30, help="warm-up requests of each")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the data set")
    parser.add_argument(
        "--write",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write BENCHMARKS.md (default: with the default number of pairs)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the API list request and stop"
    )
    args = parser.parse_args()

    url = common_database_url(DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ.setdefault("CONN_MAX_AGE", "0")
    ensure_database(url)
    print(f"Migrating {urlsplit(url).path.lstrip('/')}", flush=True)
    migrate(child_env(url, settings=SETTINGS))

    import django

    django.setup()

    with psycopg.connect(url, autocommit=True) as conn:
        dataset = stored_dataset(conn, MARKER_TABLE)
        if args.regenerate or dataset is None or dataset["params"] != dataset_params():
            print(f"Generating {CONTACTS:,} contacts", flush=True)
            dataset = generate(conn)
        else:
            print(f"Reusing the data set ({CONTACTS:,} contacts)", flush=True)
        print(
            "  " + ", ".join(f"{t} {n:,}" for t, n in dataset["rows"].items()),
            f"({dataset['generated_seconds']:.0f} s)",
            flush=True,
        )
        conn.execute("TRUNCATE contacts_accesslog")
        info = machine(conn)

    from django.contrib.auth import get_user_model

    from contacts.models import Contact

    officer = get_user_model().objects.get(pk=BENCH_OFFICER)
    if officer.is_superuser:
        sys.exit("The benchmark's caller must not be a superuser (visible_to must filter).")
    visible = Contact.objects.visible_to(officer)
    total = visible.count()
    standard = list(
        visible.filter(sensitivity="standard").order_by("id").values_list("id", flat=True)
    )
    detail_ids = standard[:: max(1, len(standard) // DETAIL_IDS)][:DETAIL_IDS]
    scenarios = [
        *(("list", page) for page in PAGES),
        ("detail", None),
        *(("search", term) for term in SEARCHES),
    ]

    driver = Driver()
    if args.profile:
        profile(driver, scenarios[0], detail_ids, 200)
        profile(driver, scenarios[-1], detail_ids, 400)
        return
    queries = {scenario: same_answer(driver, scenario, detail_ids) for scenario in scenarios}
    print(f"Officer {BENCH_OFFICER} sees {total:,} contacts; the answers agree.", flush=True)
    samples = measure(driver, scenarios, detail_ids, args.pairs, args.warmup)

    command = shlex.join(["DATABASE_URL=" + url, ".venv/bin/python", "benchmarks/api.py"])
    if sys.argv[1:]:
        command += " " + shlex.join(sys.argv[1:])
    print()
    print(table(samples, queries))
    print()
    print("\n".join(query_lines(queries)))
    print()
    print("\n".join(verdicts(samples)))
    default_pairs = parser.get_default("pairs")
    write = args.write if args.write is not None else args.pairs == default_pairs
    if write:
        section = markdown(samples, queries, dataset, command, info, args.pairs, args.warmup, total)
        path = write_section(section)
        print(f"\nWrote its section of {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
