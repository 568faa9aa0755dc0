"""What the benchmark scripts share: their dedicated PostgreSQL database, the Django child
processes they time, bulk loading with COPY, and how a run names the code it measured."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
# Each benchmark owns one database; none may fill another's.
OWNERS = {
    "trackii_bench": "benchmarks/sweep.py",
    "trackii_bench_api": "benchmarks/api.py",
    "trackii_bench_ind": "benchmarks/indicators.py",
    "trackii_bench_pages": "benchmarks/pages.py",
    "trackii_bench_imports": "benchmarks/imports.py",
    "trackii_bench_dupes": "benchmarks/duplicates.py",
}


def database_url(default: str) -> str:
    """``DATABASE_URL`` (else ``default``), refused unless it is a PostgreSQL database of
    its own: the benchmarks fill and truncate tables."""
    url = os.environ.get("DATABASE_URL", default)
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit(f"DATABASE_URL must point at PostgreSQL, got {parts.scheme!r}.")
    name = database_name(url)
    owner = OWNERS.get(name)
    mine = OWNERS.get(database_name(default))
    if name.startswith("test") or "bench" not in name or (owner and owner != mine):
        sys.exit(
            f"Refusing database {name!r}: the benchmark fills and truncates tables, so it "
            f"needs a dedicated database whose name contains 'bench' (default "
            f"{database_name(default)}), not another benchmark's."
        )
    return url


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def ensure_database(url: str) -> None:
    name = database_name(url)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            print(f"Creating database {name}", flush=True)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def child_env(url: str, *, settings: str = "trackii.settings", **extra: str) -> dict[str, str]:
    """The environment of the Django processes: these settings, this database."""
    env = dict(os.environ)
    env.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE=settings, PYTHONPATH=str(ROOT), **extra)
    return env


def migrate(env: dict[str, str]) -> None:
    command = [sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"]
    subprocess.run(command, env=env, cwd=ROOT, check=True)  # noqa: S603


def copy_lines(conn, table: str, columns: str, lines) -> int:
    """COPY text lines (tab-separated, nothing to escape) in large chunks."""
    count = 0
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns.split(", ")))
    )
    with conn.cursor() as cur, cur.copy(statement) as copy:
        chunk = []
        for line in lines:
            chunk.append(line)
            if len(chunk) == 50_000:
                copy.write("\n".join(chunk) + "\n")
                count += len(chunk)
                chunk = []
        if chunk:
            copy.write("\n".join(chunk) + "\n")
            count += len(chunk)
    return count


def stored_dataset(conn, marker_table: str) -> dict | None:
    """The parameters, generation time and row counts of the data set in place, from the
    one-row marker table (created empty when missing), or None."""
    marker = sql.Identifier(marker_table)
    conn.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} "
            "(params jsonb NOT NULL, generated_seconds float NOT NULL, rows jsonb NOT NULL)"
        ).format(marker)
    )
    row = conn.execute(
        sql.SQL("SELECT params, generated_seconds, rows FROM {}").format(marker)
    ).fetchone()
    if row is None:
        return None
    return {"params": row[0], "generated_seconds": row[1], "rows": row[2]}


def continue_sequences(conn, tables) -> None:
    """Make the identity sequences of these tables (each with an ``id``) continue after the
    ids that COPY wrote."""
    for table in tables:
        conn.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "(SELECT coalesce(max(id), 0) + 1 FROM {}), false)"
            ).format(sql.Identifier(table)),
            [table],
        )


def record_dataset(conn, marker_table: str, tables, params: dict, rows: dict, started: float):
    """VACUUM (FREEZE, ANALYZE) the loaded tables, then note the data set in its marker
    table (what ``stored_dataset`` reads back) with the seconds since ``started``."""
    conn.execute(
        sql.SQL("VACUUM (FREEZE, ANALYZE) {}").format(
            sql.SQL(", ").join(map(sql.Identifier, tables))
        )
    )
    seconds = time.perf_counter() - started
    conn.execute(
        sql.SQL("INSERT INTO {} (params, generated_seconds, rows) VALUES (%s, %s, %s)").format(
            sql.Identifier(marker_table)
        ),
        [json.dumps(params), seconds, json.dumps(rows)],
    )
    return {"params": params, "generated_seconds": seconds, "rows": rows}


def peak_rss_kb() -> int:
    """This process's peak resident set since its exec (``VmHWM``), in kB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("No VmHWM in /proc/self/status: the benchmark needs Linux.")


def host() -> str:
    """Cores, CPU model, memory and kernel of this machine (Linux)."""
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    kilobytes = int(Path("/proc/meminfo").read_text().split()[1])
    return (
        f"{os.cpu_count()} cores ({cpu}), {kilobytes / 1024 / 1024:.0f} GB RAM, "
        f"{platform.system()} {platform.release()}"
    )


def postgres_version(conn, settings: tuple[str, ...]) -> str:
    """The server's version and these settings (and JIT, which the sessions turn off)."""

    def setting(name):
        return conn.execute("SELECT current_setting(%s)", [name]).fetchone()[0]

    shown = ", ".join(f"{name}={setting(name)}" for name in settings)
    shown += f", jit={setting('jit')} on the server, off in the measured sessions"
    return f"PostgreSQL {setting('server_version')} ({shown})"


def code_version(*paths: str) -> str:
    """The commit measured, and whether the code under ``paths`` had uncommitted changes."""
    git = shutil.which("git")
    if not git:
        return "unknown"

    def ask(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 - git, read-only questions
            [git, *args], cwd=ROOT, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    head = ask("rev-parse", "--short", "HEAD") or "unknown"
    dirty = ask("status", "--porcelain", "--", *paths)
    changed = ", ".join(paths)
    return f"commit {head}" + (f" with uncommitted changes in {changed}" if dirty else "")
