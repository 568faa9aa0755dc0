"""Benchmark of the duplicate finder at 100,000 contacts on PostgreSQL (not a test).

Builds (once, then reuses) a mission of 100,000 contacts in its own database: names drawn
from 70 first names and 20,000 surnames (a few very common ones among them), each
written in Latin, many with a Cyrillic or Hebrew native name, 60 % with an e-mail, 50 % with
a phone, 70 % at one of 3,000 organizations, 30 % with a birth year; and 2,000 planted
duplicates: a second record of someone, written in the other script or surname first,
sharing the e-mail, the phone or the organization and birth year.

Then times, each in a fresh process (its peak RSS is the run's): the nightly run
(``contacts.duplicates.find_pairs``, the task's one call) into an empty queue and again
over a full one; ``find_for`` for one person (the create form) and for 1,000 (an import's
batch) and 20,000 (an import's largest file) as an officer (not a superuser: through
``visible_to``), each person an existing contact's name with half its e-mails. It prints
the figures as the "Duplicates" section of BENCHMARKS.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trackii_bench_dupes \\
        .venv/bin/python benchmarks/duplicates.py [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from benchmarks.common import (  # noqa: E402
    child_env,
    code_version,
    database_url,
    ensure_database,
    host,
    migrate,
    peak_rss_kb,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/trackii_bench_dupes"
SEED = 20260617
CONTACTS = 100_000
PLANTED = 2_000
ORGANIZATIONS = 3_000
BATCH = 2_000

FIRST_NAMES = {
    # Latin: (Cyrillic, Hebrew); an empty one is not written in that script.
    "Anna": ("Анна", "אנה"),
    "Irina": ("Ирина", ""),
    "Olga": ("Ольга", ""),
    "Elena": ("Елена", ""),
    "Maria": ("Мария", "מריה"),
    "Natalia": ("Наталья", ""),
    "Tatiana": ("Татьяна", ""),
    "Svetlana": ("Светлана", ""),
    "Yulia": ("Юлия", ""),
    "Ekaterina": ("Екатерина", ""),
    "Alexander": ("Александр", ""),
    "Sergey": ("Сергей", ""),
    "Dmitry": ("Дмитрий", ""),
    "Andrey": ("Андрей", ""),
    "Alexey": ("Алексей", ""),
    "Mikhail": ("Михаил", "מיכאל"),
    "Ivan": ("Иван", ""),
    "Pavel": ("Павел", ""),
    "Nikolay": ("Николай", ""),
    "Vladimir": ("Владимир", ""),
    "Boris": ("Борис", ""),
    "Oleg": ("Олег", ""),
    "Igor": ("Игорь", ""),
    "Yuri": ("Юрий", ""),
    "Roman": ("Роман", ""),
    "David": ("Давид", "דוד"),
    "Moshe": ("Моше", "משה"),
    "Yosef": ("Йосеф", "יוסף"),
    "Avraham": ("Авраам", "אברהם"),
    "Yitzhak": ("Ицхак", "יצחק"),
    "Yaakov": ("Яаков", "יעקב"),
    "Shlomo": ("Шломо", "שלמה"),
    "Eitan": ("Эйтан", "איתן"),
    "Noam": ("Ноам", "נועם"),
    "Ari": ("Ари", "ארי"),
    "Daniel": ("Даниэль", "דניאל"),
    "Yonatan": ("Йонатан", "יונתן"),
    "Sarah": ("Сара", "שרה"),
    "Rivka": ("Ривка", "רבקה"),
    "Rachel": ("Рахель", "רחל"),
    "Leah": ("Лея", "לאה"),
    "Miriam": ("Мириам", "מרים"),
    "Tamar": ("Тамар", "תמר"),
    "Noa": ("Ноа", "נועה"),
    "Shira": ("Шира", "שירה"),
    "Yael": ("Яэль", "יעל"),
    "Emma": ("", ""),
    "Olivia": ("", ""),
    "James": ("", ""),
    "John": ("", ""),
    "Robert": ("", ""),
    "Michael": ("Майкл", ""),
    "William": ("", ""),
    "Thomas": ("", ""),
    "Sophie": ("", ""),
    "Laura": ("", ""),
    "Claire": ("", ""),
    "Pierre": ("", ""),
    "Jean": ("", ""),
    "Hans": ("", ""),
    "Klaus": ("", ""),
    "Marco": ("", ""),
    "Giulia": ("", ""),
    "Ahmed": ("", ""),
    "Fatima": ("", ""),
    "Omar": ("", ""),
    "Layla": ("", ""),
    "Hassan": ("", ""),
    "Mustafa": ("", ""),
    "Karim": ("", ""),
}
COMMON_SURNAMES = ["Cohen", "Levi", "Mizrahi", "Peretz", "Ivanov", "Smirnov", "Smith"]
SYLLABLES = [
    "ba",
    "bo",
    "vi",
    "go",
    "da",
    "de",
    "zu",
    "ka",
    "ko",
    "la",
    "li",
    "ma",
    "mo",
    "na",
    "ne",
    "po",
    "ra",
    "ri",
    "sa",
    "so",
    "ta",
    "tu",
    "fe",
    "ha",
    "ch",
    "sha",
    "to",
    "mi",
]
ENDINGS = ["v", "va", "vich", "nko", "shvili", "berg", "man", "ski", "son", "ler", "di", "ni"]
LATIN_TO_CYRILLIC = {
    "sha": "ша",
    "ch": "ч",
    "sh": "ш",
    "kh": "х",
    "zh": "ж",
    "ya": "я",
    "yu": "ю",
    "a": "а",
    "b": "б",
    "v": "в",
    "g": "г",
    "d": "д",
    "e": "е",
    "z": "з",
    "i": "и",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "f": "ф",
    "h": "х",
    "y": "й",
    "c": "ц",
    "w": "в",
    "j": "й",
}
LATIN_TO_HEBREW = {
    "sh": "ש",
    "ch": "ח",
    "kh": "ח",
    "b": "ב",
    "v": "ב",
    "g": "ג",
    "d": "ד",
    "h": "ה",
    "z": "ז",
    "t": "ט",
    "y": "י",
    "k": "כ",
    "l": "ל",
    "m": "מ",
    "n": "נ",
    "s": "ס",
    "p": "פ",
    "f": "פ",
    "c": "צ",
    "r": "ר",
    "w": "ו",
    "j": "ג",
    "o": "ו",
    "u": "ו",
    "i": "י",
}


def transliterate(word: str, table: dict[str, str]) -> str:
    out, index, lower = [], 0, word.lower()
    keys = sorted(table, key=len, reverse=True)
    while index < len(lower):
        for key in keys:
            if lower.startswith(key, index):
                out.append(table[key])
                index += len(key)
                break
        else:
            index += 1  # a vowel Hebrew does not write
    text = "".join(out)
    return text[:1].upper() + text[1:]


def surnames(rng: random.Random, count: int) -> list[str]:
    found = set()
    while len(found) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))
        found.add((word + rng.choice(ENDINGS)).capitalize())
    return sorted(found)


def people(rng: random.Random) -> list[dict]:
    """The contacts to load: CONTACTS - PLANTED people, then the planted second records."""
    pool = surnames(rng, 20_000)
    firsts = list(FIRST_NAMES)
    rows = []
    for index in range(CONTACTS - PLANTED):
        first = rng.choice(firsts)
        last = rng.choice(COMMON_SURNAMES) if rng.random() < 0.05 else rng.choice(pool)
        cyrillic, hebrew = FIRST_NAMES[first]
        native = ""
        script = rng.random()
        if script < 0.3 and cyrillic:
            native = f"{cyrillic} {transliterate(last, LATIN_TO_CYRILLIC)}"
        elif script < 0.45 and hebrew:
            native = f"{hebrew} {transliterate(last, LATIN_TO_HEBREW)}"
        rows.append(
            {
                "full_name": f"{first} {last}",
                "native_name": native,
                "email": f"{first}.{last}.{index}@mail{index % 50}.example".lower()
                if rng.random() < 0.6
                else "",
                "phone": f"+97250{rng.randrange(10**7):07d}" if rng.random() < 0.5 else "",
                "organization": rng.randrange(ORGANIZATIONS) if rng.random() < 0.7 else None,
                "birth_year": rng.randint(1945, 2000) if rng.random() < 0.3 else None,
            }
        )
    for position in rng.sample(range(len(rows)), PLANTED):
        rows.append({**_second_record(rng, rows[position]), "planted_from": position})
    return rows


def _second_record(rng: random.Random, original: dict) -> dict:
    """The same person as entered by someone else: another script or the surname first,
    and one of the e-mail, the phone, or the organization with the birth year."""
    first, last = original["full_name"].split(" ", 1)
    if original["native_name"]:
        full_name, native = original["native_name"], ""
    else:
        full_name, native = f"{last}, {first}", ""
    record = {
        "full_name": full_name,
        "native_name": native,
        "email": "",
        "phone": "",
        "organization": None,
        "birth_year": None,
    }
    shared = rng.random()
    if shared < 0.5 and original["email"]:
        record["email"] = original["email"].upper()
    elif shared < 0.8 and original["phone"]:
        record["phone"] = "0" + original["phone"][4:]  # the local way of writing it
    else:
        record["organization"] = original["organization"]
        record["birth_year"] = original["birth_year"] or 1970
    return record


# Building the data set (in process, through the models: the kept keys are computed as on
# every write path)


def build(url: str) -> dict:
    os.environ.update(child_env(url))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from contacts.models import Contact, Organization

    if Contact.objects.exists():
        return {"contacts": Contact.objects.count()}
    rng = random.Random(SEED)  # noqa: S311 - reproducible benchmark data, nothing secret
    started = time.perf_counter()
    owner = get_user_model().objects.create(username="bench-owner")
    organizations = Organization.objects.bulk_create(
        Organization(name=f"Institute {index}", kind="university", country="IL")
        for index in range(ORGANIZATIONS)
    )
    rows = people(rng)
    for start in range(0, len(rows), BATCH):
        Contact.objects.bulk_create(
            Contact(
                full_name=row["full_name"],
                native_name=row["native_name"],
                category="academic",
                email=row["email"],
                phone=row["phone"],
                organization=organizations[row["organization"]]
                if row["organization"] is not None
                else None,
                birth_year=row["birth_year"],
                layer="",
                sensitivity=rng.choice(["standard", "standard", "restricted", "protected"]),
                owner=owner,
                country="IL",
            )
            for row in rows[start : start + BATCH]
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE contacts_contact")
    return {"contacts": len(rows), "built_seconds": round(time.perf_counter() - started)}


# Measuring (each in a fresh process)


def measure(step: str) -> dict:
    import django

    django.setup()
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from contacts.duplicates import Person, find_for, find_pairs
    from contacts.models import Contact, DuplicatePair

    if step in ("nightly_empty", "nightly_full"):
        if step == "nightly_empty":
            DuplicatePair.objects.all().delete()
        started = time.perf_counter()
        result = find_pairs(now=timezone.now() + dt.timedelta(seconds=1))
        seconds = time.perf_counter() - started
        planted = _planted_found()
        return {"seconds": seconds, **result.__dict__, **planted, "rss_kb": peak_rss_kb()}
    officer = get_user_model().objects.get_or_create(username="bench-officer")[0]
    rng = random.Random(SEED + 1)  # noqa: S311 - reproducible benchmark data
    size = {"find_for_one": 1, "find_for_batch": 1_000, "find_for_import": 20_000}[step]
    sample = list(Contact.objects.order_by("?").values_list("full_name", "email", "phone")[:size])
    persons = [
        Person(full_name=name, email=email.upper() if rng.random() < 0.5 else "", phone=phone)
        for name, email, phone in sample
    ]
    wanted = persons
    started = time.perf_counter()
    found = find_for(officer, wanted)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "people": len(wanted),
        "with_match": sum(1 for matches in found if matches),
        "rss_kb": peak_rss_kb(),
    }


def _planted_found() -> dict:
    """How many of the planted second records the queue pairs with their original (the
    data set is regenerated from its seed: the contacts' ids follow its order)."""
    from contacts.models import Contact, DuplicatePair

    ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    rows = people(random.Random(SEED))  # noqa: S311 - the data set, regenerated
    planted = {
        tuple(sorted((ids[row["planted_from"]], ids[position])))
        for position, row in enumerate(rows)
        if "planted_from" in row
    }
    queued = set(DuplicatePair.objects.values_list("contact_a", "contact_b"))
    return {"planted": len(planted), "planted_found": len(planted & queued)}


def run_step(url: str, step: str) -> dict:
    command = [sys.executable, __file__, "--step", step]
    done = subprocess.run(  # noqa: S603 - this script, its own step
        command, env=child_env(url), cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="build the data set again")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(measure(args.step)))
        return
    url = database_url(DEFAULT_URL)
    if args.rebuild:
        import psycopg

        from benchmarks.common import database_name, with_database

        with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}"')
    ensure_database(url)
    migrate(child_env(url))
    built = _build_in_child(url)
    figures = {step: run_step(url, step) for step in STEPS}
    print(report(built, figures))


STEPS = ("nightly_empty", "nightly_full", "find_for_one", "find_for_batch", "find_for_import")


def _build_in_child(url: str) -> dict:
    done = subprocess.run(  # noqa: S603 - this script, building its data set
        [sys.executable, __file__, "--build"],
        env=child_env(url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(built: dict, figures: dict) -> str:
    lines = [
        "## Duplicates: the nightly finder and find_for at 100,000 contacts (PostgreSQL)",
        "",
        f"Host: {host()}. Code: {code_version('contacts')}. Data set: {built}.",
        "",
        "| step | seconds | contacts | pairs scored | pairs found | planted found "
        "| keys skipped | peak RSS |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for step in ("nightly_empty", "nightly_full"):
        row = figures[step]
        lines.append(
            f"| {step} | {row['seconds']:.1f} | {row['contacts']:,} | {row['compared']:,} | "
            f"{row['found']:,} | {row['planted_found']:,} of {row['planted']:,} | "
            f"{row['skipped_keys']:,} | {row['rss_kb'] // 1024} MB |"
        )
    for step in ("find_for_one", "find_for_batch", "find_for_import"):
        row = figures[step]
        lines.append(
            f"| {step} ({row['people']} people, {row['with_match']} matched) | "
            f"{row['seconds']:.2f} | | | | | | {row['rss_kb'] // 1024} MB |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    if "--build" in sys.argv:
        print(json.dumps(build(os.environ["DATABASE_URL"])))
    else:
        main()
