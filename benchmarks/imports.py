"""Benchmark of an import of 20,000 rows on PostgreSQL (not a test).

A CSV of 20,000 contacts (names in Latin and Cyrillic script, organizations, e-mails,
phones, countries, categories, tags, birth years) is imported by an officer into a network
of 10,000 contacts: 5% of its rows carry the e-mail of a contact the officer sees (they
update it), 5% name such a contact in the other script without an e-mail (possible
duplicates), 1% have a malformed e-mail (invalid; the valid rows are imported). The
preview (the dry run: read, check, match, find duplicates, store the rows) and the import
(organizations, contacts, tags, affiliations, history) are timed apart; the revert too.
Targets (issue 17): the preview and the import each under 60 s, every process under
300 MB of peak RSS.

    .venv/bin/python benchmarks/imports.py     # DATABASE_URL: trackii_bench_imports
    .venv/bin/python benchmarks/imports.py --rows 2000 --contacts 1000   # a quick check

The database must be a dedicated one (its name must contain ``bench``): the script drops and
creates it on every run, migrates it and fills it. Each step (seed, preview, import, revert)
runs in a fresh Python process calling the Celery tasks' bodies in process (no broker), so
its peak RSS is that step's own (``VmHWM`` at its exit). The settings are the project's with
DEBUG off (``benchmarks/imports_settings.py``).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from common import (
    child_env,
    code_version,
    database_name,
    host,
    migrate,
    peak_rss_kb,
    postgres_version,
    with_database,
)
from common import database_url as common_database_url
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/trackii_bench_imports"
SETTINGS = "benchmarks.imports_settings"
SEED = 20260317
TARGET_SECONDS = 60
TARGET_MB = 300
UPDATES, DUPLICATES, INVALID = 0.05, 0.05, 0.01
OFFICERS = 40  # in teams of 8; the importer is officer 1
ORGANIZATIONS = 400
RNG = random.Random(SEED)  # noqa: S311 - reproducible benchmark data


# The parent: database, child processes, the report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows in the imported file")
    parser.add_argument("--contacts", type=int, default=10_000, help="contacts already there")
    parser.add_argument(
        "--step", choices=["seed", "preview", "import", "revert"], help=argparse.SUPPRESS
    )
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        _child(args)
        return
    url = common_database_url(DEFAULT_URL)
    _recreate(url)
    env = child_env(url, settings=SETTINGS, REDIS_URL="", CELERY_BROKER_URL="memory://")
    migrate(env)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / f"contacts-{args.rows}.csv")
        steps = {}
        for step in ("seed", "preview", "import", "revert"):
            steps[step] = _run(step, path, args, env)
            print(f"{step}: {json.dumps(steps[step], ensure_ascii=False)}", flush=True)
    with psycopg.connect(url) as conn:
        server = postgres_version(conn, ("shared_buffers", "work_mem", "synchronous_commit"))
    print(_report(args, steps, server, url))


def _recreate(url: str) -> None:
    name = database_name(url)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _run(step: str, path: str, args, env) -> dict:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        f"--step={step}",
        f"--file={path}",
        f"--rows={args.rows}",
        f"--contacts={args.contacts}",
    ]
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - this script, with its own arguments
        command, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"The {step} step failed:\n{done.stdout}\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(time.perf_counter() - started, 2)
    return result


def _report(args, steps: dict, server: str, url: str) -> str:
    preview, imported, reverted = steps["preview"], steps["import"], steps["revert"]

    def verdict(seconds, megabytes) -> str:
        met = seconds < TARGET_SECONDS and megabytes < TARGET_MB
        return "met" if met else "NOT met"

    lines = [
        "## Import: 20,000 rows into 10,000 contacts (PostgreSQL)",
        "",
        "Command (from the repository root; drops, creates and migrates the database "
        f"`{database_name(url)}` on every run):",
        "",
        "```sh",
        ".venv/bin/python benchmarks/imports.py",
        "```",
        "",
        f"Machine: {host()}.",
        f"Software: {server}; Python {platform.python_version()}. "
        f"Code: {code_version('contacts', 'benchmarks/imports.py')}.",
        "",
        f"Data: {args.contacts:,} contacts ({steps['seed']['visible']:,} visible to the importer), "
        f"{steps['seed']['organizations']:,} organizations; the file: {args.rows:,} rows, "
        f"{steps['seed']['file_bytes'] / 1024 / 1024:.1f} MB.",
        "",
        "| step | rows | seconds (the call) | process seconds | peak RSS MB |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, step in (("preview", preview), ("import", imported), ("revert", reverted)):
        lines.append(
            f"| {name} | {step['rows']:,} | {step['seconds']:.1f} | {step['process_seconds']:.1f} "
            f"| {step['peak_mb']:.0f} |"
        )
    lines += [
        "",
        f"Preview: {json.dumps(preview['counts'])}. Import: {json.dumps(imported['counts'])}. "
        f"Revert: {json.dumps(reverted['counts'])}.",
        "",
        f"Targets: preview {preview['seconds']:.1f} s, {preview['peak_mb']:.0f} MB: "
        f"{verdict(preview['seconds'], preview['peak_mb'])}; import {imported['seconds']:.1f} s, "
        f"{imported['peak_mb']:.0f} MB: {verdict(imported['seconds'], imported['peak_mb'])}.",
    ]
    return "\n".join(lines)


# The children: each step in a process of its own


def _child(args) -> None:
    import django

    # This script's folder (first on the path) holds modules named like the apps
    # (benchmarks/indicators.py): the apps must be found from the repository's root.
    here = Path(__file__).resolve().parent
    sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != here)]
    django.setup()
    steps = {"seed": _seed, "preview": _preview, "import": _import, "revert": _revert}
    result = steps[args.step](args)
    result["peak_mb"] = round(peak_rss_kb() / 1024, 1)
    print(json.dumps(result, ensure_ascii=False))


def _importer():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="officer01")


def _batch():
    from contacts.models import ImportBatch

    return ImportBatch.objects.get()


def _seed(args) -> dict:
    """The officers, organizations and contacts already there, and the file to import."""
    from faker import Faker

    from contacts.models import Contact, Organization

    faker = {"en": Faker("en_US"), "ru": Faker("ru_RU")}
    for locale in faker.values():
        locale.seed_instance(SEED)
    officers = _officers()
    organizations = Organization.objects.bulk_create(
        Organization(name=f"{faker['en'].company()} {n}", kind="university", country="IL")
        for n in range(ORGANIZATIONS // 2)
    )
    people = []
    for n in range(args.contacts):
        latin, native = _name(faker, n)
        people.append(
            Contact(
                full_name=latin,
                native_name=native,
                category=RNG.choice(Contact.Category.values),
                email=f"existing{n}@network.example.org",
                owner=officers[n % len(officers)],
                sensitivity=RNG.choices(["standard", "restricted", "protected"], [80, 15, 5])[0],
                organization=RNG.choice(organizations),
                country=RNG.choice(["IL", "RU", "GE", "AM"]),
            )
        )
    Contact.objects.bulk_create(people, batch_size=2000)
    visible = list(
        Contact.objects.visible_to(_importer()).values_list(
            "pk", "full_name", "native_name", "email"
        )
    )
    size = _write_file(args, faker, visible, [o.name for o in organizations])
    return {
        "visible": len(visible),
        "organizations": Organization.objects.count(),
        "file_bytes": size,
    }


def _officers():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from contacts.models import Team

    group = Group.objects.get_or_create(name="officer")[0]
    officers = []
    for n in range(1, OFFICERS + 1):
        officer = get_user_model().objects.create(username=f"officer{n:02d}", is_active=True)
        officer.groups.add(group)
        Team.objects.get_or_create(name=f"team {(n - 1) // 8}")[0].members.add(officer)
        officers.append(officer)
    return officers


def _name(faker, n: int) -> tuple[str, str]:
    """A person's (Latin name, native name): Russian speakers have both, others one."""
    if n % 2:
        first, last = faker["ru"].first_name(), faker["ru"].last_name()
        from contacts.names import fold

        return fold(f"{first} {last}").title(), f"{first} {last}"
    return f"{faker['en'].first_name()} {faker['en'].last_name()}", ""


def _write_file(args, faker, visible, existing_organizations) -> int:
    import csv

    new_organizations = [f"{faker['ru'].company()} {n}" for n in range(ORGANIZATIONS // 2)]
    organizations = existing_organizations + new_organizations
    categories = [
        "Учёный",
        "Журналист",
        "Academic",
        "journalist",
        "think_tank",
        "Культура",
        "other",
    ]
    header = [
        "ФИО",
        "Организация",
        "Должность",
        "E-mail",
        "Телефон",
        "Страна",
        "Категория",
        "Теги",
        "Заметки",
        "Год рождения",
    ]
    with open(args.file, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for n in range(args.rows):
            draw = RNG.random()
            email = f"new{n}@import.example.org"
            if draw < UPDATES:
                _, name, native, email = RNG.choice(visible)
                name = native or name
            elif draw < UPDATES + DUPLICATES:
                _, latin, native, _ = RNG.choice(visible)
                name, email = (latin if native else _cyrillic(faker)), ""
            else:
                name = _name(faker, n)[1] or _name(faker, n)[0]
            if UPDATES + DUPLICATES <= draw < UPDATES + DUPLICATES + INVALID:
                email = f"broken{n}.example.org"
            writer.writerow(
                [
                    name,
                    RNG.choice(organizations),
                    RNG.choice(["Professor", "Редактор", "Аналитик", "Director", ""]),
                    email,
                    f"+972 5{RNG.randint(0, 9)} 555 {RNG.randint(1000, 9999)}",
                    RNG.choice(["Israel", "Россия", "GE", "Armenia"]),
                    RNG.choice(categories),
                    RNG.choice(["", "press", "round-table", "пресса, круглый стол"]),
                    RNG.choice(["", "Met at the spring forum.", "Говорит на иврите."]),
                    RNG.choice(["", str(RNG.randint(1950, 2000))]),
                ]
            )
    return Path(args.file).stat().st_size


def _cyrillic(faker) -> str:
    return f"{faker['ru'].first_name()} {faker['ru'].last_name()}"


def _preview(args) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from contacts import imports

    file = SimpleUploadedFile(Path(args.file).name, Path(args.file).read_bytes())
    batch = imports.start_import(
        user=_importer(), file=file, default_category="other", now=timezone.now()
    )
    started = time.perf_counter()
    imports.preview_batch(batch_id=batch.pk)
    seconds = time.perf_counter() - started
    batch.refresh_from_db()
    counts = {
        "status": batch.status,
        "new": batch.new_count,
        "update": batch.update_count,
        "duplicate": batch.duplicate_count,
        "invalid": batch.invalid_count,
        "new_organizations": batch.report.get("new_organizations", 0),
    }
    return {"rows": batch.row_count, "seconds": seconds, "counts": counts}


def _import(args) -> dict:
    from django.utils import timezone

    from contacts import imports

    batch = _batch()
    imports.confirm_import(batch, user=_importer(), only_valid=True, now=timezone.now())
    started = time.perf_counter()
    imports.commit_batch(batch_id=batch.pk, now=timezone.now())
    seconds = time.perf_counter() - started
    batch.refresh_from_db()
    counts = {"status": batch.status, **batch.report["result"]}
    return {"rows": batch.progress_total, "seconds": seconds, "counts": counts}


def _revert(args) -> dict:
    from django.utils import timezone

    from contacts import imports

    batch = _batch()
    imports.revert_import(batch, user=_importer(), now=timezone.now())
    started = time.perf_counter()
    imports.revert_batch(batch_id=batch.pk, now=timezone.now())
    seconds = time.perf_counter() - started
    batch.refresh_from_db()
    revert = batch.report["revert"]
    counts = {"status": batch.status, **{k: v for k, v in revert.items() if k != "left"}}
    counts["left"] = len(revert["left"])
    return {"rows": batch.progress_total, "seconds": seconds, "counts": counts}


if __name__ == "__main__":
    main()
