"""Benchmark of the strategy indicators on PostgreSQL against their floor (not a test).

The whole dashboard for one year by month, as a lead (not a superuser, so ``visible_to``
applies), at 1,000,000 exchanges, 100,000 contacts and 50,000 signals: every indicator of
``indicators.measures.REGISTRY``, against a floor of hand-written SQL (psycopg, one statement
per indicator) that computes the same figures, checked equal. Targets (issue 9): at most
1.5x the floor, and under one second for the whole dashboard.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trackii_bench_ind \\
        .venv/bin/python benchmarks/indicators.py            # full size, writes BENCHMARKS.md
    .venv/bin/python benchmarks/indicators.py --scale 0.05    # a quick check, prints only

The database must be a dedicated one (its name must contain ``bench``, and it may not be
``trackii_bench``, which the sweep benchmark owns): the script creates it when missing,
migrates it, and fills it with COPY. The data set is kept between runs (a marker table
records its parameters) and rebuilt only when the parameters change or with
``--regenerate``. The runs only read.

Each timed run is a fresh Python process; indicator and floor runs alternate. Peak RSS is
the process's own (``VmHWM`` at its exit).
"""

# The floor's statements are composed from this file's constants, never from input.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import random
import shlex
import statistics
import subprocess
import sys
import time
from array import array
from dataclasses import dataclass
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
    stored_dataset,
)
from common import database_url as common_database_url
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/trackii_bench_ind"
SWEEP_DATABASE = "trackii_bench"  # the reminder sweep's benchmark: never touched here
NOW = dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC)
# The dashboard's year: the twelve whole months before NOW, by month.
WINDOW = {"start": dt.date(2025, 3, 1), "end": dt.date(2026, 2, 28), "period": "month"}
# A custom range whose ends are not month starts: channels_within_cadence reads those
# instants from the exchanges (timed apart, not in the totals).
CUSTOM_WINDOW = {"start": dt.date(2025, 3, 15), "end": dt.date(2026, 2, 14), "period": "month"}
CUSTOM = "whole dashboard, 2025-03-15 to 2026-02-14 (custom range)"
HISTORY_DAYS = 900  # exchanges, events, programmes and signals reach back this far
SEED = 20260301
TARGET_RATIO = 1.5
TARGET_SECONDS = 1.0
DAY = dt.timedelta(days=1)

# Full-size counts; --scale multiplies them.
SIZES = {
    "users": 200,
    "teams": 20,
    "organizations": 10_000,
    "contacts": 100_000,
    "exchanges": 1_000_000,
    "events": 5_000,
    "invitations_per_event": 30,
    "programmes": 2_000,
    "signals": 50_000,
    "grants": 5_000,
}
LEAD_GRANTS = 400
SECOND_CHANNEL_SHARE = 0.3  # contacts held by a second officer besides their owner
# One exchange in SEALED_EVERY is sealed (services.seal_exchanges: a restricted or protected
# contact was taken off it), readable by the members of one team only.
SEALED_EVERY = 200
MARKER_TABLE = "benchmark_dataset"

# Vocabularies (the models' choices).
CATEGORIES = (
    ("academic", 16), ("journalist", 12), ("think_tank", 9), ("cultural", 14),
    ("civil_society", 14), ("community", 13), ("technology", 10), ("religious", 5),
    ("other", 7),
)  # fmt: skip
LAYERS = ("security", "political", "narrative", "soft_cultural", "civil_epistemic")
SENSITIVITIES = (("standard", 82), ("restricted", 13), ("protected", 5))
COUNTRIES = (("IL", 60), ("RU", 10), ("UA", 8), ("DE", 8), ("US", 8), ("FR", 6))
ORGANIZATION_KINDS = (
    ("university", 14), ("research_institute", 10), ("think_tank", 8), ("media_outlet", 12),
    ("cultural_institution", 12), ("community_organization", 12), ("ngo", 12),
    ("company", 10), ("religious_institution", 5), ("government_body", 5),
)  # fmt: skip
CHANNEL_CADENCES = ((14, 5), (30, 20), (45, 20), (60, 20), (90, 20), (180, 15))
CHANNEL_STATUSES = (("active", 86), ("paused", 9), ("closed", 5))
EXCHANGE_KINDS = ("meeting", "call", "message", "email", "event", "letter")
EVENT_KINDS = (
    "cultural", "academic", "media", "dialogue", "commemoration", "technology", "community",
)  # fmt: skip
PAST_EVENT_STATUSES = (("held", 85), ("cancelled", 15))
FUTURE_EVENT_STATUSES = (("planned", 50), ("confirmed", 40), ("cancelled", 10))
ANSWERS = {
    "held": (("attended", 60), ("no_show", 10), ("declined", 20), ("invited", 8), ("accepted", 2)),
    "cancelled": (("invited", 40), ("accepted", 35), ("declined", 15), ("tentative", 10)),
    "planned": (("invited", 50), ("accepted", 20), ("tentative", 15), ("declined", 15)),
    "confirmed": (("accepted", 45), ("invited", 15), ("tentative", 15), ("declined", 15),
                  ("waitlisted", 10)),
}  # fmt: skip
PROGRAMME_KINDS = (
    "student_exchange", "joint_research", "technology", "cultural_coproduction", "delegation",
    "media_forum",
)  # fmt: skip
PROGRAMME_STATUSES = (("active", 40), ("completed", 35), ("planned", 15), ("cancelled", 10))
SIGNAL_KINDS = (
    ("coverage", 60), ("digital_reach", 25), ("friction_incident", 5), ("coordination", 10),
)  # fmt: skip
THEMES = ("security", "political", "civil", "cultural", "innovation")
PLATFORMS = ("Telegram", "Facebook", "YouTube", "Instagram", "TikTok")
SEVERITIES = ("low", "medium", "high")
OUTCOMES = (("held", 75), ("postponed", 17), ("failed", 8))
# (days before NOW, level): a spike inside the dashboard's year and the one before.
CLIMATE = ((1000, "normal"), (420, "elevated"), (330, "high"), (300, "crisis"),
           (280, "high"), (200, "elevated"), (120, "normal"))  # fmt: skip


# Connections and safety


# The data set


def dataset_params(scale: float) -> dict:
    sizes = {name: max(1, round(count * scale)) for name, count in SIZES.items()}
    sizes["invitations_per_event"] = SIZES["invitations_per_event"]
    sizes["users"] = max(20, sizes["users"])
    sizes["teams"] = sizes["users"] // 10
    return {"version": 3, "scale": scale, "sizes": sizes, "now": NOW.isoformat(), "seed": SEED}


def ts(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(sep=" ")


class Picker:
    """Weighted choices from (value, weight) pairs, fast: one bisect per draw."""

    def __init__(self, rng: random.Random, pairs):
        self.rng = rng
        self.values, weights = zip(*pairs, strict=True)
        self.cumulative = list(_accumulate(weights))

    def __call__(self):
        return self.rng.choices(self.values, cum_weights=self.cumulative)[0]


def _accumulate(weights):
    total = 0
    for weight in weights:
        total += weight
        yield total


@dataclass
class Channels:
    """The channels as parallel arrays (index = id - 1)."""

    contact: array
    officer: array
    cadence: array
    status: list
    created: array


class Generator:
    """The whole data set, deterministic from SEED and the sizes."""

    def __init__(self, sizes: dict):
        self.sizes = sizes
        self.rng = random.Random(SEED)  # noqa: S311 - reproducible data, nothing secret
        self.now = NOW.timestamp()
        self.start = self.now - HISTORY_DAYS * 86400
        self.lead, self.analyst = 1, sizes["users"] + 1
        self.group_ids: dict[str, int] = {}

    # People

    def team_of(self, user: int) -> int:
        return (user - 1) // 10 + 1

    def users(self):
        joined = ts(self.start - 100 * 86400)
        for pk in range(1, self.sizes["users"] + 2):
            name = "lead" if pk == self.lead else "analyst" if pk == self.analyst else f"o{pk}"
            yield f"{pk}\t!bench\t\\N\tf\t{name}\tUser\t{pk}\t\tf\tt\t{joined}"

    def user_groups(self):
        officer, lead = self.group_ids["officer"], self.group_ids["lead"]
        yield f"{self.lead}\t{lead}"
        for pk in range(2, self.sizes["users"] + 1):
            yield f"{pk}\t{officer}"
        yield f"{self.analyst}\t{self.group_ids['analyst']}"

    def teams(self):
        for pk in range(1, self.sizes["teams"] + 1):
            yield f"{pk}\tteam {pk}"

    def team_members(self):
        for user in range(1, self.sizes["users"] + 1):
            yield f"{self.team_of(user)}\t{user}"

    def organizations(self):
        rng, kind, country = (
            self.rng,
            Picker(self.rng, ORGANIZATION_KINDS),
            Picker(self.rng, COUNTRIES),
        )
        created = ts(self.start - 200 * 86400)
        self.organization_kinds = []
        for pk in range(1, self.sizes["organizations"] + 1):
            value = kind()
            self.organization_kinds.append(value)
            yield (
                f"{pk}\tOrganization {pk}\t\t{value}\t{country()}\tCity {rng.randrange(50)}\t"
                f"\t\t{created}\t{created}"
            )

    def contacts(self):
        rng, sizes = self.rng, self.sizes
        category, sensitivity = Picker(rng, CATEGORIES), Picker(rng, SENSITIVITIES)
        country = Picker(rng, COUNTRIES)
        organizations = sizes["organizations"]
        self.contact_sensitivity, self.contact_owner = [], array("i")
        self.journalist = bytearray(sizes["contacts"] + 1)  # by contact id
        for pk in range(1, sizes["contacts"] + 1):
            owner = rng.randrange(1, sizes["users"] + 1)
            level = sensitivity()
            kind = category()
            self.journalist[pk] = kind == "journalist"
            self.contact_sensitivity.append(level)
            self.contact_owner.append(owner)
            created = ts(self.start + rng.random() * (self.now - self.start) * 0.3)
            # A few large institutions and a long tail of small ones, some with one contact.
            organization = int(organizations * rng.random() ** 3) + 1
            organization = organization if rng.random() < 0.75 else "\\N"
            yield (
                f'{pk}\tContact {pk}\t\t{kind}\t\t\t{country()}\t["en"]\t'
                f"{LAYERS[pk % len(LAYERS)]}\t{level}\t\t{created}\t{created}\t{owner}\t"
                f"{organization}\t\\N"
            )

    def grants(self):
        """Grants on restricted and protected contacts; LEAD_GRANTS of them to the lead."""
        rng, users = self.rng, self.sizes["users"]
        hidden = [i + 1 for i, level in enumerate(self.contact_sensitivity) if level != "standard"]
        pairs = set()
        lead_grants = min(LEAD_GRANTS, self.sizes["grants"] // 2, len(hidden))
        while len(pairs) < min(self.sizes["grants"], len(hidden) * 2):
            contact = rng.choice(hidden)
            user = self.lead if len(pairs) < lead_grants else rng.randrange(1, users + 1)
            if user != self.contact_owner[contact - 1]:
                pairs.add((contact, user))
        created = ts(self.start)
        for pk, (contact, user) in enumerate(sorted(pairs), 1):
            yield f"{pk}\t{created}\t{contact}\t{self.contact_owner[contact - 1]}\t{user}"

    # Channels and exchanges

    def plan_channels(self) -> Channels:
        rng, sizes = self.rng, self.sizes
        cadence, status = Picker(rng, CHANNEL_CADENCES), Picker(rng, CHANNEL_STATUSES)
        channels = Channels(array("q"), array("i"), array("i"), [], array("d"))
        for contact in range(1, sizes["contacts"] + 1):
            owner = self.contact_owner[contact - 1]
            officers = [owner]
            if rng.random() < SECOND_CHANNEL_SHARE:
                other = rng.randrange(1, sizes["users"] + 1)
                if other != owner:
                    officers.append(other)
            for officer in officers:
                channels.contact.append(contact)
                channels.officer.append(officer)
                channels.cadence.append(cadence())
                channels.status.append(status())
                # The network grows: channels opened evenly up to a month before NOW.
                opened = self.start + rng.random() * (self.now - 30 * 86400 - self.start)
                channels.created.append(opened)
        return channels

    def plan_exchanges(self, channels: Channels):
        """Each exchange is a touch of one channel (more often the shorter its cadence, and
        mostly active ones), at a uniform moment after the channel's creation; 15% name
        another contact or two and 12% a second officer. In time order."""
        rng, count = self.rng, self.sizes["exchanges"]
        weights = [
            (1.0 if status == "active" else 0.1) / cadence
            for status, cadence in zip(channels.status, channels.cadence, strict=True)
        ]
        chosen = rng.choices(range(len(weights)), weights=weights, k=count)
        moments = [
            channels.created[i] + rng.random() * (self.now - 3600 - channels.created[i])
            for i in chosen
        ]
        order = sorted(range(count), key=moments.__getitem__)
        contacts, users = self.sizes["contacts"], self.sizes["users"]
        plan = []
        last_touch: dict[int, float] = {}
        for index in order:
            channel, moment = chosen[index], moments[index]
            others = ()
            if rng.random() < 0.15:
                others = tuple(
                    {rng.randrange(1, contacts + 1) for _ in range(rng.choice((1, 1, 2)))}
                    - {channels.contact[channel]}
                )
            second = rng.randrange(1, users + 1) if rng.random() < 0.12 else 0
            if second == channels.officer[channel]:
                second = 0
            plan.append((channel, moment, others, second))
            last_touch[channel] = moment
        return plan, last_touch

    def channel_lines(self, channels: Channels, last_touch: dict[int, float]):
        rng = self.rng
        for index in range(len(channels.contact)):
            touched = last_touch.get(index)
            last = ts(touched) if touched else "\\N"
            restarted = "\\N"
            if rng.random() < 0.04:
                base = touched or channels.created[index]
                restarted = ts(base + rng.random() * (self.now - base))
            created = ts(channels.created[index])
            priority = "key" if channels.cadence[index] <= 14 else "normal"
            yield (
                f"{index + 1}\t{'informal' if index % 10 < 7 else 'formal'}\t{priority}\t"
                f"{channels.cadence[index]}\t{channels.status[index]}\t"
                f"{last}\t{restarted}\t{created}\t"
                f"{created}\t{channels.officer[index]}\t{channels.contact[index]}"
            )

    # Events, programmes, signals

    def events(self):
        rng, count = self.rng, self.sizes["events"]
        past, future = Picker(rng, PAST_EVENT_STATUSES), Picker(rng, FUTURE_EVENT_STATUSES)
        organizations = self.sizes["organizations"]
        self.event_status = []
        for pk in range(1, count + 1):
            starts = self.start + rng.random() * (self.now + 120 * 86400 - self.start)
            status = past() if starts < self.now - 86400 else future()
            self.event_status.append(status)
            host = rng.randrange(1, organizations + 1) if rng.random() < 0.5 else "\\N"
            created = ts(min(starts, self.now) - 30 * 86400)
            yield (
                f"{pk}\tEvent {pk}\t{EVENT_KINDS[pk % len(EVENT_KINDS)]}\t\t{ts(starts)}\t"
                f"{ts(starts + 3 * 3600)}\tAsia/Jerusalem\tVenue\t\t\\N\t{status}\t"
                f"{LAYERS[pk % len(LAYERS)]}\t0\t{created}\t{created}\t{host}\t\t"
            )

    def invitations(self):
        rng, per_event = self.rng, self.sizes["invitations_per_event"]
        contacts, users = self.sizes["contacts"], self.sizes["users"]
        answers = {status: Picker(rng, pairs) for status, pairs in ANSWERS.items()}
        pk = 0
        created = ts(self.start)
        for event, status in enumerate(self.event_status, 1):
            guests = rng.sample(range(1, contacts + 1), min(per_event, contacts))
            for position, contact in enumerate(guests):
                pk += 1
                role = "speaker" if position < 2 else "moderator" if position == 2 else "guest"
                answer = answers[status]()
                revoked = created if rng.random() < 0.02 else "\\N"
                checked_in = created if answer == "attended" else "\\N"
                yield (
                    f"{pk}\t{role}\t{answer}\t\\N\t\\N\t{checked_in}\t{revoked}\t{created}\t"
                    f"{created}\t{contact}\t{event}\t{rng.randrange(1, users + 1)}\t\\N\t"
                    f"{pk:032x}"
                )

    def programmes(self):
        rng, status_of = self.rng, Picker(self.rng, PROGRAMME_STATUSES)
        today = NOW.date()
        created = ts(self.start)
        for pk in range(1, self.sizes["programmes"] + 1):
            status = status_of()
            if status == "planned":
                starts = today + rng.randrange(10, 200) * DAY
            else:
                starts = today - rng.randrange(1, HISTORY_DAYS) * DAY
            ends = "\\N"
            if status == "completed":
                ends = min(starts + rng.randrange(30, 400) * DAY, today - DAY)
                ends = max(ends, starts)
            elif rng.random() < 0.5:
                ends = starts + rng.randrange(30, 700) * DAY
            yield (
                f"{pk}\tProgramme {pk}\t{PROGRAMME_KINDS[pk % len(PROGRAMME_KINDS)]}\t\t{starts}\t"
                f"{ends}\t{status}\t\t{LAYERS[pk % len(LAYERS)]}\t{created}\t{created}"
            )

    def programme_links(self, per_programme: int, population: int):
        """(programme, member) pairs: ``per_programme`` distinct members each."""
        pk = 0
        for programme in range(1, self.sizes["programmes"] + 1):
            for member in self.rng.sample(range(1, population + 1), per_programme):
                pk += 1
                yield f"{pk}\t{programme}\t{member}"

    def signals(self):
        rng = self.rng
        kind_of, outcome_of = Picker(rng, SIGNAL_KINDS), Picker(rng, OUTCOMES)
        outlets = [
            (pk, kind)
            for pk, kind in enumerate(self.organization_kinds, 1)
            if kind == "media_outlet"
        ]
        today = NOW.date()
        for pk in range(1, self.sizes["signals"] + 1):
            kind = kind_of()
            on = today - rng.randrange(1, HISTORY_DAYS) * DAY
            tone = theme = medium = severity = outcome = ""
            audience = organization = "\\N"
            layer = "security" if kind in ("friction_incident", "coordination") else "narrative"
            if kind == "coverage":
                organization = rng.choice(outlets)[0]
                tone, theme = rng.choice((-2, -1, 0, 0, 1, 1, 2)), rng.choice(THEMES)
            elif kind == "digital_reach":
                medium, audience = rng.choice(PLATFORMS), rng.randrange(100, 50_000)
            elif kind == "friction_incident":
                severity = rng.choice(SEVERITIES)
            else:
                outcome = outcome_of()
            tone = tone if tone != "" else "\\N"
            created = f"{on} 12:00:00+00:00"
            yield (
                f"{pk}\t{kind}\t{on}\tSignal {pk}\ten\t{tone}\t{theme}\t\t{medium}\t"
                f"{audience}\t{severity}\t{outcome}\t{layer}\tIL\t\t{created}\t{created}\t"
                f"{self.lead}\t{organization}"
            )

    def climate(self):
        for pk, (days, level) in enumerate(CLIMATE, 1):
            started = ts(self.now - days * 86400)
            yield f"{pk}\t{level}\tbenchmark\t{started}\t{started}"


# Table, columns, generator method: in the order they are filled.
TABLES = (
    "contacts_climate",
    "auth_user",
    "auth_user_groups",
    "contacts_team",
    "contacts_team_members",
    "contacts_organization",
    "contacts_contact",
    "contacts_grant",
    "contacts_channel",
    "contacts_exchange",
    "contacts_exchange_contacts",
    "contacts_exchange_officers",
    "contacts_exchange_readers",
    "events_event",
    "events_invitation",
    "events_programme",
    "events_programme_partners",
    "events_programme_participants",
    "events_programme_officers",
    "contacts_signal",
)
COLUMNS = {
    "contacts_climate": "id, level, note, started_at, created_at",
    "auth_user": "id, password, last_login, is_superuser, username, first_name, last_name, "
    "email, is_staff, is_active, date_joined",
    "auth_user_groups": "user_id, group_id",
    "contacts_team": "id, name",
    "contacts_team_members": "team_id, user_id",
    "contacts_organization": "id, name, native_name, kind, country, city, website, "
    "description, created_at, updated_at",
    "contacts_contact": "id, full_name, native_name, category, email, phone, country, "
    "languages, layer, sensitivity, notes, created_at, updated_at, owner_id, organization_id, "
    "erased_at",
    "contacts_grant": "id, created_at, contact_id, granted_by_id, user_id",
    "contacts_channel": "id, kind, priority, cadence_days, status, last_touch_at, "
    "count_restarted_at, created_at, updated_at, officer_id, contact_id",
    "contacts_exchange": "id, occurred_at, kind, summary, notes, topics, follow_up_on, "
    "created_at, updated_at, created_by_id, names_journalist, is_sealed",
    "contacts_exchange_contacts": "id, exchange_id, contact_id",
    "contacts_exchange_officers": "id, exchange_id, user_id",
    "contacts_exchange_readers": "id, exchange_id, user_id",
    "events_event": "id, title, kind, description, starts_at, ends_at, timezone, venue, "
    "online_url, capacity, status, layer, sequence, created_at, updated_at, "
    "host_organization_id, invitation_subject, invitation_text",
    "events_invitation": "id, role, status, responded_at, waitlisted_at, checked_in_at, "
    "revoked_at, created_at, updated_at, contact_id, event_id, invited_by_id, "
    "attendance_exchange_id, rsvp_nonce",
    "events_programme": "id, title, kind, description, starts_on, ends_on, status, outcome, "
    "layer, created_at, updated_at",
    "events_programme_partners": "id, programme_id, organization_id",
    "events_programme_participants": "id, programme_id, contact_id",
    "events_programme_officers": "id, programme_id, user_id",
    "contacts_signal": "id, kind, occurred_on, title, language, tone, theme, link, platform, "
    "audience, severity, outcome, layer, country, note, created_at, updated_at, "
    "created_by_id, organization_id",
}


def exchange_tables(gen: Generator, plan, channels: Channels):
    """The exchange rows and their contact and officer rows, in exchange (time) order."""

    def exchanges():
        for pk, (channel, moment, others, _) in enumerate(plan, 1):
            at = ts(moment)
            officer = channels.officer[channel]
            kind = EXCHANGE_KINDS[pk % len(EXCHANGE_KINDS)]
            # Exchange.names_journalist, as contacts.receivers keeps it.
            journalist = any(gen.journalist[c] for c in (channels.contact[channel], *others))
            flag = "t" if journalist else "f"
            sealed = "t" if pk % SEALED_EVERY == 0 else "f"
            yield (
                f"{pk}\t{at}\t{kind}\tCatch-up\t\t[]\t\\N\t{at}\t{at}\t{officer}\t{flag}\t{sealed}"
            )

    def contacts():
        pk = 0
        for exchange, (channel, _, others, _) in enumerate(plan, 1):
            for contact in (channels.contact[channel], *others):
                pk += 1
                yield f"{pk}\t{exchange}\t{contact}"

    def officers():
        pk = 0
        for exchange, (channel, _, _, second) in enumerate(plan, 1):
            for officer in (
                (channels.officer[channel], second) if second else (channels.officer[channel],)
            ):
                pk += 1
                yield f"{pk}\t{exchange}\t{officer}"

    def readers():
        pk = 0
        teams = gen.sizes["teams"]
        for exchange in range(SEALED_EVERY, len(plan) + 1, SEALED_EVERY):
            team = (exchange // SEALED_EVERY) % teams + 1
            for user in range((team - 1) * 10 + 1, team * 10 + 1):
                pk += 1
                yield f"{pk}\t{exchange}\t{user}"

    return exchanges(), contacts(), officers(), readers()


# A channel's last_touch_at is its latest exchange naming both its contact and its officer
# (what services.record_touches keeps), counting those that name a second contact or officer.
LATEST_TOUCH = """
UPDATE contacts_channel ch SET last_touch_at = t.latest
FROM (
    SELECT ec.contact_id, eo.user_id, max(e.occurred_at) AS latest
    FROM contacts_exchange e
    JOIN contacts_exchange_contacts ec ON ec.exchange_id = e.id
    JOIN contacts_exchange_officers eo ON eo.exchange_id = e.id
    GROUP BY 1, 2
) t
WHERE t.contact_id = ch.contact_id AND t.user_id = ch.officer_id
  AND ch.last_touch_at IS DISTINCT FROM t.latest"""


def generate(conn, params: dict) -> dict:
    """Fill every table the indicators read with COPY, in one transaction."""
    sizes = params["sizes"]
    gen = Generator(sizes)
    # The channels' recorded states go with the channels (cascade); the months too.
    tables = sql.SQL(", ").join(
        map(sql.Identifier, [*TABLES, MARKER_TABLE, "contacts_recordedmonth"])
    )
    rows: dict[str, int] = {}
    started = time.perf_counter()
    with conn.transaction():
        conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(tables))
        gen.group_ids = dict(conn.execute("SELECT name, id FROM auth_group").fetchall())

        def fill(table, lines):
            rows[table] = copy_lines(conn, table, COLUMNS[table], lines)
            print(f"  {table} {rows[table]:,}", flush=True)

        fill("contacts_climate", gen.climate())
        fill("auth_user", gen.users())
        fill("auth_user_groups", gen.user_groups())
        fill("contacts_team", gen.teams())
        fill("contacts_team_members", gen.team_members())
        fill("contacts_organization", gen.organizations())
        fill("contacts_contact", gen.contacts())
        fill("contacts_grant", gen.grants())
        channels = gen.plan_channels()
        plan, last_touch = gen.plan_exchanges(channels)
        fill("contacts_channel", gen.channel_lines(channels, last_touch))
        exchanges, exchange_contacts, exchange_officers, readers = exchange_tables(
            gen, plan, channels
        )
        # The exchanges' links without their row triggers (a touch per link, 2.3 million
        # trigger runs: longer than the rest of the build), then every touch at once with
        # the migration's own statement.
        conn.execute("SET LOCAL session_replication_role = replica")
        fill("contacts_exchange", exchanges)
        fill("contacts_exchange_contacts", exchange_contacts)
        fill("contacts_exchange_officers", exchange_officers)
        fill("contacts_exchange_readers", readers)
        conn.execute("SET LOCAL session_replication_role = origin")
        rows["contacts_touch"] = conn.execute(_touches_statement()).rowcount
        print(f"  contacts_touch {rows['contacts_touch']:,}", flush=True)
        del plan, last_touch, channels
        fill("events_event", gen.events())
        fill("events_invitation", gen.invitations())
        fill("events_programme", gen.programmes())
        fill("events_programme_partners", gen.programme_links(3, sizes["organizations"]))
        fill("events_programme_participants", gen.programme_links(12, sizes["contacts"]))
        fill("events_programme_officers", gen.programme_links(1, sizes["users"]))
        fill("contacts_signal", gen.signals())
        conn.execute(LATEST_TOUCH)
        continue_sequences(conn, TABLES)  # after the copied ids
    return record_dataset(conn, MARKER_TABLE, TABLES, params, rows, started)


def _touches_statement() -> str:
    touches = importlib.import_module("contacts.migrations.0021_touches")
    return touches._insert(touches.EVERY_TOUCH, "postgresql")


# The floor: one hand-written statement per indicator, the same figures


def add_months(first_of_month: dt.date, months: int) -> dt.date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def window_slots() -> tuple[list[dt.date], dict]:
    """The month buckets of WINDOW and the bounds every statement takes (the previous
    window is the twelve months before)."""
    start, stop = WINDOW["start"], WINDOW["end"] + DAY
    buckets = [add_months(start, n) for n in range(12)]
    previous = add_months(start, -12)
    params = {
        "user": 1,  # the lead
        "previous_on": previous,
        "start_on": start,
        "stop_on": stop,
        "previous_at": midnight(previous),
        "start_at": midnight(start),
        "stop_at": midnight(stop),
    }
    # (slot, lower, upper) as in indicators.measures.queries.spans_of; instants at the upper
    # bounds (the previous figure at the window's start), none of them after NOW.
    spans = [(b.isoformat(), b, add_months(b, 1)) for b in buckets]
    spans += [("total", start, stop), ("previous", previous, start)]
    for index, (_, lower, upper) in enumerate(spans):
        params[f"lower_{index}"], params[f"upper_{index}"] = lower, upper
        params[f"instant_{index}"] = min(midnight(upper), NOW)
    # No touch before the first instant minus the data set's longest cadence can count.
    longest = max(cadence for cadence, _ in CHANNEL_CADENCES)
    params["touches_since"] = params["instant_13"] - longest * DAY
    # Every instant is a month start (midnight UTC, the project's TIME_ZONE here): the year
    # and bit of its recorded state (contacts.states).
    for index in range(SLOTS):
        instant = params[f"instant_{index}"]
        if instant != midnight(instant.date().replace(day=1)):
            raise ValueError(f"{instant} is not a month start")
        params[f"year_{index}"] = instant.year
        params[f"bit_{index}"] = 1 << (instant.month - 1)
    return buckets, params


SLOTS = 14  # 12 months, the total and the previous figure
VISIBLE = """
visible AS (
    SELECT c.id, c.category, c.organization_id FROM contacts_contact c
    WHERE c.sensitivity = 'standard' OR c.owner_id = %(user)s
       OR c.id IN (SELECT g.contact_id FROM contacts_grant g WHERE g.user_id = %(user)s)
       OR (c.sensitivity = 'restricted' AND c.owner_id IN (
            SELECT b.user_id FROM contacts_team_members a
            JOIN contacts_team_members b ON b.team_id = a.team_id WHERE a.user_id = %(user)s))
)"""
HIDDEN = """
hidden AS (
    SELECT c.id FROM contacts_contact c
    WHERE c.sensitivity <> 'standard' AND c.owner_id <> %(user)s
      AND c.id NOT IN (SELECT g.contact_id FROM contacts_grant g WHERE g.user_id = %(user)s)
      AND NOT (c.sensitivity = 'restricted' AND c.owner_id IN (
            SELECT b.user_id FROM contacts_team_members a
            JOIN contacts_team_members b ON b.team_id = a.team_id WHERE a.user_id = %(user)s))
)"""
STARTED = "('active', 'completed')"


def month_of(column: str, *, is_moment: bool) -> str:
    """The bucket of a row in the window, NULL for a row of the previous window."""
    suffix = "at" if is_moment else "on"
    local = f"{column} AT TIME ZONE 'UTC'" if is_moment else f"{column}::timestamp"
    return f"CASE WHEN {column} >= %(start_{suffix})s THEN date_trunc('month', {local})::date END"


def in_windows(column: str, *, is_moment: bool) -> str:
    suffix = "at" if is_moment else "on"
    return f"{column} >= %(previous_{suffix})s AND {column} < %(stop_{suffix})s"


def signal_flow(kind: str, key: str, numerator: str, denominator: str = "0") -> str:
    return (
        f"SELECT {month_of('occurred_on', is_moment=False)}, {key}, {numerator}, {denominator} "
        f"FROM contacts_signal WHERE kind = '{kind}' "
        f"AND {in_windows('occurred_on', is_moment=False)} GROUP BY 1, 2"
    )


# The three invitation rates read one statement, as compute_all runs theirs once: (said
# yes, invited), (attended, expected) and (on stage, attended) are its columns 0-4.
INVITATIONS = (
    f"WITH {HIDDEN} SELECT {month_of('e.starts_at', is_moment=True)}, e.kind, "
    "count(*) FILTER (WHERE i.status IN ('accepted', 'waitlisted', 'attended', 'no_show')), "
    "count(*), "
    "count(*) FILTER (WHERE e.status = 'held' AND i.status = 'attended'), "
    "count(*) FILTER (WHERE e.status = 'held' AND i.status IN ('accepted', 'attended', "
    "'no_show')), "
    "count(*) FILTER (WHERE e.status = 'held' AND i.status = 'attended' "
    "AND i.role IN ('speaker', 'moderator')) "
    "FROM events_invitation i JOIN events_event e ON e.id = i.event_id "
    "WHERE e.status <> 'cancelled' AND i.revoked_at IS NULL "
    f"AND {in_windows('e.starts_at', is_moment=True)} "
    "AND i.contact_id NOT IN (SELECT id FROM hidden) GROUP BY 1, 2"
)


def overlapping(prefix: str, index: int) -> str:
    return (
        f"{prefix}status IN {STARTED} AND {prefix}starts_on < %(upper_{index})s "
        f"AND ({prefix}ends_on IS NULL OR {prefix}ends_on >= %(lower_{index})s)"
    )


def running(member: str, through: str) -> str:
    """Per member (contact or organization), whether a programme it is in ran during each
    slot."""
    flags = ", ".join(f"bool_or({overlapping('p.', i)}) AS r{i}" for i in range(SLOTS))
    return (
        f"SELECT t.{member}, {flags} FROM {through} t "
        f"JOIN events_programme p ON p.id = t.programme_id WHERE p.status IN {STARTED} "
        f"GROUP BY t.{member}"
    )


def counted_flags() -> str:
    return ", ".join(f"count(*) FILTER (WHERE r.r{i}), 0" for i in range(SLOTS))


def hours_per_day(index: int) -> str:
    """Hours an informal cadence day lasts under the climate in force at instant ``index``
    (an init plan: computed once per statement)."""
    return (
        "coalesce((SELECT 24.0 * CASE level WHEN 'elevated' THEN 0.75 WHEN 'high' THEN 0.5 "
        "WHEN 'crisis' THEN 0.25 ELSE 1.0 END FROM contacts_climate "
        f"WHERE started_at <= %(instant_{index})s ORDER BY started_at DESC, id DESC LIMIT 1), "
        "24.0)"
    )


def within_cadence(index: int) -> str:
    """Channels that existed at the instant, and those of them counted from a moment (their
    creation, a restart, their latest touch) after the instant minus their cadence."""
    at = f"%(instant_{index})s"
    counted_from = (
        f"GREATEST(c.created_at, CASE WHEN c.count_restarted_at <= {at} "
        f"THEN c.count_restarted_at END, CASE WHEN c.last_touch_at <= {at} "
        f"THEN c.last_touch_at END, c.l{index})"
    )
    return (
        f"count(*) FILTER (WHERE c.created_at <= {at} AND {counted_from} > c.s{index}), "
        f"count(*) FILTER (WHERE c.created_at <= {at})"
    )


def channels_within_cadence_sql() -> str:
    """Each (contact, officer) pair's latest touch before every instant, from one pass over
    the exchanges that can count (from the longest cadence before the first instant), and
    each channel's cadence start at every instant, computed once."""
    latest = ", ".join(
        f"max(e.occurred_at) FILTER (WHERE e.occurred_at <= %(instant_{i})s) AS l{i}"
        for i in range(SLOTS)
    )
    starts = ", ".join(
        f"%(instant_{i})s - ch.cadence_days * CASE WHEN ch.kind = 'informal' "
        f"THEN {hours_per_day(i)} ELSE 24.0 END * INTERVAL '1 hour' AS s{i}"
        for i in range(SLOTS)
    )
    latest_columns = ", ".join(f"t.l{i}" for i in range(SLOTS))
    columns = ", ".join(within_cadence(i) for i in range(SLOTS))
    return f"""
WITH {VISIBLE},
t AS (
    SELECT ec.contact_id, eo.user_id, {latest}
    FROM contacts_exchange e
    JOIN contacts_exchange_contacts ec ON ec.exchange_id = e.id
    JOIN contacts_exchange_officers eo ON eo.exchange_id = e.id
    WHERE e.occurred_at > %(touches_since)s AND e.occurred_at <= %(instant_12)s
    GROUP BY 1, 2
),
c AS (
    SELECT co.layer, co.category, u.username, ch.created_at, ch.count_restarted_at,
           ch.last_touch_at, {latest_columns}, {starts}
    FROM contacts_channel ch
    JOIN contacts_contact co ON co.id = ch.contact_id
    JOIN auth_user u ON u.id = ch.officer_id
    LEFT JOIN t ON t.contact_id = ch.contact_id AND t.user_id = ch.officer_id
    WHERE ch.status = 'active' AND ch.contact_id IN (SELECT id FROM visible)
)
SELECT c.layer, c.category, c.username, {columns}
FROM c
GROUP BY 1, 2, 3"""


def channels_within_cadence_states_sql() -> str:
    """The same figures from the channels' recorded month-start states (contacts.states):
    one row per channel and year, a bit per month start."""
    _, params = window_slots()
    years = sorted({params[f"year_{i}"] for i in range(SLOTS)})
    columns = ", ".join(
        f"count(*) FILTER (WHERE c.created_at <= %(instant_{i})s "
        f"AND s{params[f'year_{i}']}.kept_up & %(bit_{i})s <> 0), "
        f"count(*) FILTER (WHERE c.created_at <= %(instant_{i})s)"
        for i in range(SLOTS)
    )
    joins = "\n".join(
        f"LEFT JOIN contacts_channelstate s{y} ON s{y}.channel_id = c.id AND s{y}.year = {y}"
        for y in years
    )
    names = [f"{kind}{i}" for i in range(SLOTS) for kind in ("n", "d")]
    aliased = ", ".join(
        f"{column} AS {name}" for column, name in zip(columns.split(", "), names, strict=True)
    )
    sums = ", ".join(f"sum({name})::bigint" for name in names)
    folds = " UNION ALL ".join(
        f"SELECT '{by}', {by}, {sums} FROM g GROUP BY {by}" for by in ("layer", "category")
    )
    # The groups folded into the overall figure and the three breakdowns by the statement.
    return f"""
WITH {VISIBLE},
g AS (
    SELECT co.layer, co.category, u.username AS officer, {aliased}
    FROM contacts_channel c
    JOIN contacts_contact co ON co.id = c.contact_id
    JOIN auth_user u ON u.id = c.officer_id
    {joins}
    WHERE c.status = 'active' AND c.contact_id IN (SELECT id FROM visible)
    GROUP BY 1, 2, 3
)
SELECT '', NULL, {sums} FROM g UNION ALL {folds}
UNION ALL SELECT 'officer', officer, {sums} FROM g GROUP BY officer"""


def single_channel_organizations_sql() -> str:
    held = ", ".join(
        f"count(*) FILTER (WHERE ch.created_at <= %(instant_{i})s) AS h{i}" for i in range(SLOTS)
    )
    columns = ", ".join(f"count(*) FILTER (WHERE h.h{i} = 1), 0" for i in range(SLOTS))
    return f"""
WITH {VISIBLE},
h AS (
    SELECT v.organization_id, {held}
    FROM contacts_channel ch JOIN visible v ON v.id = ch.contact_id
    WHERE ch.status = 'active' AND v.organization_id IS NOT NULL
    GROUP BY 1
)
SELECT o.kind, {columns}
FROM contacts_organization o LEFT JOIN h ON h.organization_id = o.id
GROUP BY 1"""


@dataclass(frozen=True)
class Floor:
    unit: str  # count, sum, share or mean, as in the registry
    dimensions: tuple[str, ...]  # the breakdowns, in the order of the statement's keys
    statement: str
    flow: bool = True  # rows (bucket, *keys, n, d); else (*keys, n0, d0, ..., n13, d13)
    # rows (dimension, key, n0, d0, ...): already summed overall ('') and per dimension
    folded: bool = False
    share_of_total: bool = False
    # A flow row's (numerator, denominator) among its values, for a statement several
    # figures share; rows whose denominator is 0 count nothing for that figure.
    pick: tuple[int, int] = (0, 1)


REFERENCE = "channels_within_cadence (from exchanges)"
FROM_EXCHANGES = Floor(
    "share", ("layer", "category", "officer"), channels_within_cadence_sql(), flow=False
)


def floors() -> dict[str, Floor]:
    return {
        "journalist_exchanges": Floor(
            "count",
            ("kind",),
            f"WITH {HIDDEN} SELECT {month_of('e.occurred_at', is_moment=True)}, e.kind, "
            "count(*), 0 FROM contacts_exchange e "
            f"WHERE {in_windows('e.occurred_at', is_moment=True)} AND e.names_journalist "
            "AND NOT EXISTS (SELECT 1 FROM contacts_exchange_contacts ec "
            "JOIN hidden h ON h.id = ec.contact_id WHERE ec.exchange_id = e.id) "
            # Sealed: only its readers may read it. The lead's readings as one set (an
            # EXISTS per exchange would keep PostgreSQL from a parallel plan).
            "AND (NOT e.is_sealed OR e.id IN (SELECT r.exchange_id "
            "FROM contacts_exchange_readers r WHERE r.user_id = %(user)s)) GROUP BY 1, 2",
        ),
        "media_events": Floor(
            "count",
            (),
            f"SELECT {month_of('starts_at', is_moment=True)}, count(*), 0 FROM events_event "
            "WHERE kind = 'media' AND status = 'held' "
            f"AND {in_windows('starts_at', is_moment=True)} GROUP BY 1",
        ),
        "coverage_tone": Floor(
            "mean", ("theme",), signal_flow("coverage", "theme", "sum(tone)", "count(*)")
        ),
        "coverage_themes": Floor(
            "share",
            ("theme",),
            signal_flow(
                "coverage",
                "theme",
                "count(*) FILTER (WHERE theme IN ('political', 'civil', 'cultural', 'innovation'))",
                "count(*)",
            ),
            share_of_total=True,
        ),
        "digital_reach": Floor(
            "sum",
            ("platform",),
            signal_flow("digital_reach", "platform", "coalesce(sum(audience), 0)"),
        ),
        "programmes_started": Floor(
            "count",
            ("kind",),
            f"SELECT {month_of('starts_on', is_moment=False)}, kind, count(*), 0 "
            f"FROM events_programme WHERE status IN {STARTED} "
            f"AND {in_windows('starts_on', is_moment=False)} GROUP BY 1, 2",
        ),
        "programmes_active": Floor(
            "count",
            ("kind",),
            "SELECT kind, "
            + ", ".join(f"count(*) FILTER (WHERE {overlapping('', i)}), 0" for i in range(SLOTS))
            + " FROM events_programme GROUP BY 1",
            flow=False,
        ),
        "programme_participants": Floor(
            "count",
            ("category",),
            f"WITH {VISIBLE}, r AS ({running('contact_id', 'events_programme_participants')}) "
            f"SELECT v.category, {counted_flags()} "
            "FROM visible v JOIN r ON r.contact_id = v.id GROUP BY 1",
            flow=False,
        ),
        "partner_institutions": Floor(
            "count",
            ("kind",),
            f"WITH r AS ({running('organization_id', 'events_programme_partners')}) "
            f"SELECT o.kind, {counted_flags()} "
            "FROM contacts_organization o JOIN r ON r.organization_id = o.id GROUP BY 1",
            flow=False,
        ),
        "events_held": Floor(
            "count",
            ("kind",),
            f"SELECT {month_of('starts_at', is_moment=True)}, kind, count(*), 0 "
            "FROM events_event WHERE status = 'held' "
            f"AND {in_windows('starts_at', is_moment=True)} GROUP BY 1, 2",
        ),
        "acceptance_rate": Floor("share", ("event_kind",), INVITATIONS, pick=(0, 1)),
        "attendance_rate": Floor("share", ("event_kind",), INVITATIONS, pick=(2, 3)),
        "speaker_share": Floor("share", ("event_kind",), INVITATIONS, pick=(4, 2)),
        "channels_within_cadence": Floor(
            "share",
            ("layer", "category", "officer"),
            channels_within_cadence_states_sql(),
            flow=False,
            folded=True,
        ),
        "single_channel_organizations": Floor(
            "count", ("kind",), single_channel_organizations_sql(), flow=False
        ),
        "friction_incidents": Floor(
            "count", ("severity",), signal_flow("friction_incident", "severity", "count(*)")
        ),
        "coordination_outcomes": Floor(
            "share",
            ("outcome",),
            signal_flow(
                "coordination", "outcome", "count(*) FILTER (WHERE outcome = 'held')", "count(*)"
            ),
            share_of_total=True,
        ),
    }


def floor_figures(floor: Floor, rows, buckets: list[dt.date]) -> dict:
    """The series, total, previous figure and breakdown of one statement's rows."""
    overall: dict = {}
    parts: dict = {}

    def add(slot, keys, numerator, denominator):
        tallies = [overall]
        for by, key in zip(floor.dimensions, keys, strict=True):
            tallies.append(parts.setdefault(f"{by}={key or ''}", {}))
        for tally in tallies:
            counts = tally.setdefault(slot, [0, 0])
            counts[0] += numerator or 0
            counts[1] += denominator or 0

    keys_count = len(floor.dimensions)
    slots = [*(b.isoformat() for b in buckets), "total", "previous"]
    for row in rows:
        if floor.folded:
            by, key, values = row[0], row[1], row[2:]
            tally = overall if not by else parts.setdefault(f"{by}={key or ''}", {})
            for index, slot in enumerate(slots):
                counts = tally.setdefault(slot, [0, 0])
                counts[0] += values[2 * index] or 0
                counts[1] += values[2 * index + 1] or 0
        elif floor.flow:
            bucket, keys = row[0], row[1 : 1 + keys_count]
            values = row[1 + keys_count :]
            numerator, denominator = values[floor.pick[0]], values[floor.pick[1]]
            if floor.unit in ("share", "mean") and not denominator:
                continue
            if bucket is None:
                add("previous", keys, numerator, denominator)
            else:
                add(bucket.isoformat(), keys, numerator, denominator)
                add("total", keys, numerator, denominator)
        else:
            keys, values = row[:keys_count], row[keys_count:]
            for index, slot in enumerate(slots):
                add(slot, keys, values[2 * index], values[2 * index + 1])

    def value(tally, slot, of=None):
        numerator, denominator = tally.get(slot, (0, 0))
        if of is not None:
            numerator, denominator = denominator, of.get(slot, (0, 0))[1]
        if floor.unit in ("count", "sum"):
            return int(numerator)
        if not denominator:
            return None
        return round(numerator / denominator, 4 if floor.unit == "share" else 2)

    def figures(tally, of=None):
        return (
            [value(tally, slot, of) for slot in slots[:-2]],
            value(tally, "total", of),
            value(tally, "previous", of),
        )

    series, total, previous = figures(overall)
    of = overall if floor.share_of_total else None
    return {
        "series": series,
        "total": total,
        "previous": previous,
        "parts": {key: list(figures(tally, of)) for key, tally in sorted(parts.items())},
    }


# Timed runs, each in a fresh process


def result_figures(result) -> dict:
    """An indicator's Result in the floor's shape."""
    return {
        "series": [point.value for point in result.series],
        "total": result.total,
        "previous": result.previous,
        "parts": {
            f"{part.by}={part.key}": [[p.value for p in part.series], part.total, part.previous]
            for part in sorted(result.breakdown, key=lambda part: (part.by, part.key))
        },
    }


def child_indicators() -> dict:
    """Every indicator of the registry for the dashboard's year, as the lead, in a process
    set up as gunicorn's workers are (trackii.wsgi: Django set up, then what start-up
    loaded frozen out of the garbage collector's way)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    import trackii.wsgi  # noqa: F401
    from indicators.measures import REGISTRY, compute_all
    from indicators.measures.base import sharing

    lead = get_user_model().objects.get(username="lead")
    connection.ensure_connection()
    seconds, results = {}, {}
    started = time.perf_counter()
    # As compute_all (the dashboard) does, timed one indicator at a time: the first of the
    # three invitation rates runs the statement they share.
    with sharing():
        for name, definition in REGISTRY.items():
            began = time.perf_counter()
            results[name] = definition.compute(lead, **WINDOW, now=NOW)
            seconds[name] = time.perf_counter() - began
    total = time.perf_counter() - started
    began = time.perf_counter()
    compute_all(lead, **CUSTOM_WINDOW, now=NOW)
    seconds[CUSTOM] = time.perf_counter() - began
    figures = {name: result_figures(result) for name, result in results.items()}
    return {"seconds": total, "each": seconds, "figures": figures}


def child_record() -> dict:
    """Record the channels' month-start states as the hourly task does, up to NOW."""
    import django

    django.setup()
    from contacts import states

    started = time.perf_counter()
    months = states.record_missing_months(now=NOW)
    return {"months": months, "seconds": time.perf_counter() - started}


def record_states(conn, url: str) -> dict:
    """The month-start states the network-health indicators read, recorded once per data
    set by the project's own service, and timed."""
    conn.execute(
        sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS states jsonb").format(
            sql.Identifier(MARKER_TABLE)
        )
    )
    stored = conn.execute(sql.SQL("SELECT states FROM {}").format(sql.Identifier(MARKER_TABLE)))
    states = stored.fetchone()[0]
    recorded = conn.execute("SELECT count(*) FROM contacts_recordedmonth").fetchone()[0]
    if states and recorded:
        return states
    print("Recording the channels' month-start states (contacts.states)", flush=True)
    process = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, "--child", "record"],
        env=child_env(url),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        check=True,
    )
    states = json.loads(process.stdout)
    states["rows"] = conn.execute("SELECT count(*) FROM contacts_channelstate").fetchone()[0]
    conn.execute("VACUUM (FREEZE, ANALYZE) contacts_channelstate, contacts_recordedmonth")
    conn.execute(
        sql.SQL("UPDATE {} SET states = %s").format(sql.Identifier(MARKER_TABLE)),
        [json.dumps(states)],
    )
    return states


def connect_floor(url: str):
    # Client-side binding, as Django does: the planner sees the same literals. JIT off, as
    # the project's settings do (it only ever made the floor slower here).
    return psycopg.connect(url, cursor_factory=psycopg.ClientCursor, options="-c jit=off")


def child_floor() -> dict:
    """The same figures by the floor's statements, over psycopg."""
    buckets, params = window_slots()
    statements = floors()
    seconds, figures = {}, {}
    with connect_floor(os.environ["DATABASE_URL"]) as conn:
        conn.execute("SELECT 1")
        started = time.perf_counter()
        ran: dict[str, list] = {}  # a statement several figures share runs once
        for name, floor in statements.items():
            began = time.perf_counter()
            if floor.statement not in ran:
                ran[floor.statement] = conn.execute(floor.statement, params).fetchall()
            figures[name] = floor_figures(floor, ran[floor.statement], buckets)
            seconds[name] = time.perf_counter() - began
        total = time.perf_counter() - started
        # Not in the total: the same figure computed from every exchange instead of the
        # recorded states, the shape the indicator had before contacts.states.
        reference = FROM_EXCHANGES
        began = time.perf_counter()
        rows = conn.execute(reference.statement, params).fetchall()
        from_exchanges = floor_figures(reference, rows, buckets)
        seconds[REFERENCE] = time.perf_counter() - began
    if from_exchanges != figures["channels_within_cadence"]:
        sys.exit("channels_within_cadence from the exchanges differs from the recorded states.")
    return {"seconds": total, "each": seconds, "figures": figures}


@dataclass
class Run:
    seconds: float  # every indicator, connection already open
    process_seconds: float  # the whole process, interpreter start to exit
    rss_mb: float
    each: dict
    figures: dict


def run_child(url: str, which: str) -> Run:
    command = [sys.executable, __file__, "--child", which]
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
        each=report["each"],
        figures=report["figures"],
    )


def differences(expected: dict, found: dict) -> list[str]:
    lines = []
    for name in sorted(set(expected) | set(found)):
        a, b = expected.get(name), found.get(name)
        if a == b:
            continue
        if a is None or b is None:
            lines.append(f"{name}: missing on one side")
            continue
        for field in ("series", "total", "previous"):
            if a[field] != b[field]:
                lines.append(f"{name} {field}: {a[field]} != {b[field]}")
        for key in sorted(set(a["parts"]) | set(b["parts"])):
            if a["parts"].get(key) != b["parts"].get(key):
                lines.append(f"{name} {key}: {a['parts'].get(key)} != {b['parts'].get(key)}")
    return lines


def run_pairs(url: str, repeat: int) -> tuple[list[Run], list[Run]]:
    """Indicator and floor runs alternately; every run must give the same figures."""
    dashboards, floors_run = [], []
    reference = None
    for round_ in range(repeat):
        for which, runs in (("indicators", dashboards), ("floor", floors_run)):
            run = run_child(url, which)
            runs.append(run)
            print(
                f"  {round_ + 1}/{repeat} {which:10}: {run.seconds:8.3f} s "
                f"(process {run.process_seconds:7.3f} s, {run.rss_mb:5.1f} MB)",
                flush=True,
            )
            reference = reference or run.figures
            if diff := differences(reference, run.figures):
                print("\n".join(diff[:40]))
                sys.exit(f"The {which} figures differ from the indicators' ({len(diff)} lines).")
            run.figures = {}
    return dashboards, floors_run


def explain(url: str, name: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of one indicator's statement as Django sends it, then of
    the floor's."""
    script = (
        "import django, sys; django.setup()\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.db import connection\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "from indicators.measures import REGISTRY\n"
        "sys.path.insert(0, 'benchmarks')\n"
        "from indicators import NOW, WINDOW\n"
        "lead = get_user_model().objects.get(username='lead')\n"
        "with CaptureQueriesContext(connection) as queries:\n"
        f"    REGISTRY[{name!r}].compute(lead, **WINDOW, now=NOW)\n"
        "statement = max(queries.captured_queries, key=lambda q: len(q['sql']))['sql']\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('EXPLAIN (ANALYZE, BUFFERS) ' + statement)\n"
        "    print('\\n'.join(row[0] for row in cursor.fetchall()))\n"
    )
    print(f"-- {name}: the indicator's statement (Django)", flush=True)
    subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], env=child_env(url), cwd=ROOT, check=True
    )
    _, params = window_slots()
    print(f"-- {name}: the floor's statement", flush=True)
    with connect_floor(url) as conn:
        plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + floors()[name].statement, params)
        print("\n".join(row[0] for row in plan.fetchall()))


# Report


SECTION_TITLE = "Strategy indicators"


def summary(values: list[float]) -> str:
    return f"{min(values):.3f} / {statistics.median(values):.3f} / {max(values):.3f}"


def median_ratio(numerators: list[float], denominators: list[float]) -> float:
    return statistics.median(n / d for n, d in zip(numerators, denominators, strict=True))


def dashboard_table(dashboards: list[Run], floor_runs: list[Run]) -> str:
    a, b = [r.seconds for r in dashboards], [r.seconds for r in floor_runs]
    pa, pb = [r.process_seconds for r in dashboards], [r.process_seconds for r in floor_runs]
    return "\n".join(
        [
            "| indicators s (min / median / max) | floor s (min / median / max) | median ratio "
            "| indicators process s (median) | floor process s (median) "
            "| indicators peak RSS MB (max) | floor peak RSS MB (max) |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
            f"| {summary(a)} | {summary(b)} | {median_ratio(a, b):.2f}x "
            f"| {statistics.median(pa):.3f} | {statistics.median(pb):.3f} "
            f"| {max(r.rss_mb for r in dashboards):.1f} "
            f"| {max(r.rss_mb for r in floor_runs):.1f} |",
        ]
    )


def each_table(dashboards: list[Run], floor_runs: list[Run]) -> str:
    lines = [
        "| indicator | indicator s (median) | floor s (median) | median ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name in dashboards[0].each:
        if name == CUSTOM:
            continue
        a = [r.each[name] for r in dashboards]
        b = [r.each[name] for r in floor_runs]
        lines.append(
            f"| `{name}` | {statistics.median(a):.3f} | {statistics.median(b):.3f} "
            f"| {median_ratio(a, b):.1f}x |"
        )
    reference = statistics.median(r.each[REFERENCE] for r in floor_runs)
    lines.append(f"| *{REFERENCE}, not in the totals* | | {reference:.3f} | |")
    custom = statistics.median(r.each[CUSTOM] for r in dashboards)
    lines.append(f"| *{CUSTOM}, not in the totals* | {custom:.3f} | | |")
    return "\n".join(lines)


def verdicts(dashboards: list[Run], floor_runs: list[Run]) -> list[str]:
    a, b = [r.seconds for r in dashboards], [r.seconds for r in floor_runs]
    ratio, seconds = median_ratio(a, b), statistics.median(a)
    floor_seconds = statistics.median(b)
    return [
        f"- Ratio: {ratio:.2f}x the floor (target <= {TARGET_RATIO}x: "
        f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}).",
        f"- Whole dashboard: {seconds:.3f} s median (target < {TARGET_SECONDS:.0f} s: "
        f"{'met' if seconds < TARGET_SECONDS else 'NOT met'}); the floor itself takes "
        f"{floor_seconds:.3f} s.",
    ]


def machine(conn) -> dict:
    import django

    names = ("shared_buffers", "work_mem", "max_parallel_workers_per_gather")
    return {
        "code": code_version("indicators", "contacts", "events"),
        "host": host(),
        "software": f"{postgres_version(conn, names)}; Python {platform.python_version()}, "
        f"Django {django.get_version()}, psycopg {psycopg.__version__}",
        "load": " / ".join(f"{value:.1f}" for value in os.getloadavg()),
    }


def lead_facts(conn) -> dict:
    """What the lead may see: grants held, share of the contacts, visible active channels."""
    _, params = window_slots()
    grants = conn.execute(
        "SELECT count(*) FROM contacts_grant WHERE user_id = %(user)s", params
    ).fetchone()[0]
    share, channels = conn.execute(
        f"WITH {VISIBLE} SELECT (SELECT count(*) FROM visible)::float "
        "/ (SELECT count(*) FROM contacts_contact), "
        "(SELECT count(*) FROM contacts_channel WHERE status = 'active' "
        "AND contact_id IN (SELECT id FROM visible))",
        params,
    ).fetchone()
    return {"grants": grants, "share": share, "channels": channels}


def markdown(dashboards, floor_runs, dataset, command, info, repeat) -> str:
    rows = dataset["rows"]
    lead = info["lead"]
    people = dataset["params"]["sizes"]
    sizes = ", ".join(f"{table}: {rows[table]:,}" for table in TABLES if table in rows)
    return "\n".join(
        [
            f"## {SECTION_TITLE}: the whole dashboard for one year "
            f"at {rows['contacts_exchange']:,} exchanges (PostgreSQL)",
            "",
            "Every indicator of `indicators.measures.REGISTRY` (what the dashboard shows) for "
            f"{WINDOW['start']} to {WINDOW['end']} by month, read at `NOW` = {NOW.isoformat()}, "
            "as a lead who is not a superuser (so `visible_to` applies), against a floor of "
            "hand-written SQL: one statement per indicator (one for the three invitation "
            "rates, as `compute_all` runs theirs once) over psycopg (see `floors()` in "
            "`benchmarks/indicators.py`) reading the same tables, the channels' recorded "
            "month-start states and the exchanges' `names_journalist` flag included, whose "
            "figures (every series, total, previous figure "
            "and breakdown) are checked equal to the indicators' in every run. Targets: at "
            "most 1.5x the floor, and under one second for the whole dashboard.",
            "",
            "Command (from the repository root; creates, migrates and fills the database the "
            "first time, reuses the data afterwards):",
            "",
            "```sh",
            command,
            "```",
            "",
            f"Machine: {info['host']}. Shared and noisy (load average {info['load']} at the "
            "end of the run, other benchmarks and test suites running): read the medians "
            "and the ratios.",
            f"Software: {info['software']}. Code: {info['code']}.",
            "",
            f"Data set (generated with COPY in {dataset['generated_seconds']:.0f} s, "
            f"including VACUUM (FREEZE, ANALYZE)): {sizes}. "
            f"{people['users']} officers in {people['teams']} teams of 10, one of whom is the "
            "lead (user 1, role lead), and an analyst; "
            "contacts 82% standard, 13% restricted, 5% protected, owned evenly, 75% with an "
            "organization (a few large institutions, a long tail of small ones); the lead "
            f"holds {lead['grants']:,} of the grants and may see {lead['share']:.0%} of the "
            f"contacts and {lead['channels']:,} active channels. Every contact "
            "has its owner's channel and 30% a second officer's (86% active, cadences 14 to "
            "180 days, 70% informal); each exchange touches one channel (more often the "
            "shorter its cadence) at a moment after the channel was opened (channels open "
            "evenly over 900 days up to a month before `NOW`), 15% name another contact or "
            "two and 12% a second officer; one in 200 is sealed (as `services.seal_exchanges` "
            "leaves an exchange a restricted or protected contact was taken off), readable "
            "by the ten members of one team (the lead's for one in 20 of them); "
            "`last_touch_at` is each channel's latest exchange naming both its contact and its "
            "officer. Events, programmes and "
            "signals span 900 days before `NOW` (events also 120 days after); 30 "
            "invitations per event, 3 partner organizations, 12 participants and one officer "
            "per programme; signals 60% coverage, 25% digital reach, 10% coordination, 5% "
            "friction incidents; a climate spike (elevated, high, crisis) a year before "
            "`NOW`.",
            "",
            "Method: each run is a fresh Python process; indicator and floor runs alternate "
            f"(A B A B ..., {repeat} each). *indicators s* is the loop over the registry "
            "in one `sharing()` block (what `compute_all` does), in a process set up as "
            "gunicorn's workers are (`import trackii.wsgi`: Django set up, then `gc.freeze()`), "
            "Django's connection already open; *floor s* is the "
            "floor's statements and the folding of their rows into the same figures, the "
            "connection already open. *median ratio* is the median of the pairwise ratios. "
            "*process s* is the whole process (interpreter start, imports, work, exit); peak "
            "RSS is each process's own high-water resident set (`VmHWM`).",
            "",
            dashboard_table(dashboards, floor_runs),
            "",
            "Each indicator, median seconds (the indicator's call: its one query and the "
            "folding; the floor's statement and the folding):",
            "",
            each_table(dashboards, floor_runs),
            "",
            "Targets:",
            "",
            *verdicts(dashboards, floor_runs),
            "",
            analysis(dashboards, floor_runs, dataset["states"]),
            "",
        ]
    )


def analysis(dashboards: list[Run], floor_runs: list[Run], states: dict) -> str:
    """Where the time goes, from this run's medians, and what is left to do."""

    def median(runs, name):
        return statistics.median(run.each[name] for run in runs)

    big = (
        "journalist_exchanges",
        "channels_within_cadence",
        "single_channel_organizations",
        CUSTOM,
    )
    rest_a = statistics.median(
        sum(seconds for name, seconds in run.each.items() if name not in big) for run in dashboards
    )
    figures = {
        "total": statistics.median(run.seconds for run in dashboards),
        "floor_total": statistics.median(run.seconds for run in floor_runs),
        "cwc": median(dashboards, "channels_within_cadence"),
        "cwc_floor": median(floor_runs, "channels_within_cadence"),
        "reference": median(floor_runs, REFERENCE),
        "sco": median(dashboards, "single_channel_organizations"),
        "sco_floor": median(floor_runs, "single_channel_organizations"),
        "journalists": median(dashboards, "journalist_exchanges"),
        "journalists_floor": median(floor_runs, "journalist_exchanges"),
        "rest": rest_a,
        "recording": states["seconds"],
        "custom": median(dashboards, CUSTOM),
    }
    numbers = {name: f"{value:.2f}" for name, value in figures.items()}
    numbers.update(months=states["months"], state_rows=f"{states['rows']:,}")
    return ANALYSIS.format(**numbers)


ANALYSIS = """### Where the time goes

Plans: `.venv/bin/python benchmarks/indicators.py --explain NAME` prints EXPLAIN (ANALYZE,
BUFFERS) of the indicator's statement as Django sends it, then of the floor's.

1. **`channels_within_cadence`** reads the channels' recorded month-start states
   (`contacts.states`: one `contacts_channelstate` row per channel and year, a bit per month
   start, {state_rows} rows here): {cwc} s, against {cwc_floor} s for hand-written SQL over the
   same tables. Computed from every exchange instead (the indicator's former shape, in its
   best hand-written form, timed in the same floor runs and checked to give the same
   figures) it takes {reference} s. The states cost {recording} s to record for the whole
   history ({months} month starts, `record_missing_months`, what the hourly task does the
   first time); afterwards the task records one month start a month, and
   `services.record_touches` re-records the few channels an exchange changes. The ~9,000
   (layer, category, officer) groups are folded into the three breakdowns by the same
   statement (`UNION ALL` over them), not in Python.
2. **`journalist_exchanges`** ({journalists} s; floor {journalists_floor} s) reads the exchanges
   flagged `names_journalist` (about one in seven, through the partial index
   `exchange_journalist_idx`) instead of joining every exchange's contacts to find them
   (0.35 s before the flag, on this data set); what remains is mostly the `visible_to`
   anti-join, one pass over `contacts_exchange_contacts` for the contacts the lead may not
   see. Sealed exchanges (one in 200) are kept only when the lead is among their readers:
   both sides test `NOT is_sealed OR id IN (the lead's readings)`, one hashed set. Written
   as an `EXISTS (reader)` per exchange (`visible_to` before this change, commit fe886b7),
   the same test kept PostgreSQL from its parallel plan: 0.33 s instead of 0.21 s for the
   floor's statement, measured by hand. The flag is kept by `contacts.receivers` whenever an
   exchange's contacts or a contact's category change (tested per path).
3. **`single_channel_organizations`** is one grouped pass over the visible active channels
   by organization, counted per kind and instant over those groups: {sco} s against {sco_floor} s.
4. The other thirteen indicators take {rest} s together. The three invitation rates read one
   statement (`compute_all` runs it once for the three: 0.08 s instead of 0.20 s); programme
   participants and partner institutions join only the programmes that started (0.05 s
   instead of 0.10 s for the participants).

A custom range whose ends are not month starts (the last row of the table above) reads
those instants of `channels_within_cadence` from the exchanges: the whole dashboard for
2025-03-15 to 2026-02-14 takes {custom} s. The channels touched since such an instant are
found by one statement that the database runs once and hashes (`kept_up_at` in
`contacts/querysets.py`); as an `EXISTS` per channel, its former shape, the same dashboard
took 8 to 9 s. The same change made recording the whole history faster (56 s before); it
costs the re-recording of an exchange's channels (every exchange logged, edited or deleted)
about 0.15 s instead of 0.09 s on this data set (measured by hand, 2 channels, 31 months).

A fresh process that only calls `django.setup()` (not `trackii.wsgi`) pays a full garbage
collection over everything start-up loaded during the dashboard: the same code measured
0.80 s median (0.74 to 1.13 s over 5 runs) that way, against the floor's 0.66 s.
"""


def replace_section(text: str, section: str) -> str:
    """``text`` with this benchmark's section replaced, or appended after every other one;
    every other section is kept as it is."""
    parts = text.split("\n## ")
    kept = [part for part in parts[1:] if not part.startswith(SECTION_TITLE)]
    head = parts[0].rstrip() + "\n"
    body = [part.rstrip() + "\n" for part in kept]
    return "\n## ".join([head, *body, section.removeprefix("## ").rstrip() + "\n"])


def write_section(section: str) -> Path:
    path = ROOT / "BENCHMARKS.md"
    # Read just before writing: another benchmark may rewrite its own section meanwhile.
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    path.write_text(replace_section(text, section))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="data set size (1.0: full)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the data set")
    parser.add_argument(
        "--write",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write BENCHMARKS.md (default: only at the full size)",
    )
    parser.add_argument("--explain", metavar="INDICATOR", help="EXPLAIN ANALYZE both sides")
    parser.add_argument(
        "--child", choices=["indicators", "floor", "record"], help=argparse.SUPPRESS
    )
    args = parser.parse_args()

    if args.child == "record":
        print(json.dumps(child_record()))
        return
    if args.child:
        report = child_indicators() if args.child == "indicators" else child_floor()
        report["peak_rss_kb"] = peak_rss_kb()
        print(json.dumps(report))
        return

    url = common_database_url(DEFAULT_URL)
    ensure_database(url)
    print(f"Migrating {database_name(url)}", flush=True)
    migrate(child_env(url))
    with psycopg.connect(url, autocommit=True) as conn:
        dataset = stored_dataset(conn, MARKER_TABLE)
        params = dataset_params(args.scale)
        if args.regenerate or dataset is None or dataset["params"] != params:
            print(f"Generating the data set (scale {args.scale})", flush=True)
            dataset = generate(conn, params)
        else:
            print(f"Reusing the data set (scale {args.scale})", flush=True)
        print(
            "  " + ", ".join(f"{t} {n:,}" for t, n in dataset["rows"].items()),
            f"({dataset['generated_seconds']:.0f} s)",
            flush=True,
        )
        dataset["states"] = record_states(conn, url)
        print(
            f"  {dataset['states']['months']} month starts, "
            f"{dataset['states']['rows']:,} contacts_channelstate rows "
            f"({dataset['states']['seconds']:.0f} s)",
            flush=True,
        )
        if args.explain:
            explain(url, args.explain)
            return
        dashboards, floor_runs = run_pairs(url, args.repeat)
        info = machine(conn)
        info["lead"] = lead_facts(conn)

    command = shlex.join(["DATABASE_URL=" + url, ".venv/bin/python", "benchmarks/indicators.py"])
    if extra := sys.argv[1:]:
        command += " " + shlex.join(extra)
    print()
    print(dashboard_table(dashboards, floor_runs))
    print()
    print(each_table(dashboards, floor_runs))
    print()
    print("\n".join(verdicts(dashboards, floor_runs)))
    write = args.write if args.write is not None else args.scale == 1.0
    if write:
        section = markdown(dashboards, floor_runs, dataset, command, info, args.repeat)
        path = write_section(section)
        print(f"\nWrote the {SECTION_TITLE} section of {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
