"""Two years of logged signals shaped by the demo climate: media coverage of our country
(tone dipping through the spike, themes moving from security to civil, cultural and
innovation stories afterwards), the growing reach of host-language content, friction
incidents clustered in the spike and coordination meetings that fail more often in it."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from django.db.models import F

from contacts.models import Climate, Layer, Organization
from demo.history import ISRAELI_WEEKEND, UPDATE_BATCH, ClimateTimeline
from demo.people import DAY, JERUSALEM, Staff, weighted
from indicators.measures import add_months
from indicators.models import Signal

HOST_COUNTRY = "IL"
# Days after the crisis it takes coverage to recover fully (tone and themes).
RECOVERY_DAYS = 240

# Coverage items per day, by climate level: a crisis makes news.
COVERAGE_PER_DAY = {"normal": 0.8, "elevated": 1.1, "high": 1.5, "crisis": 2.4}
# The mean tone the press takes under each level until the crisis ends; afterwards it
# climbs from POST_CRISIS_MOOD to RECOVERED_MOOD over RECOVERY_DAYS.
MOOD_OF_LEVEL = {"normal": 0.2, "elevated": -0.4, "high": -0.9, "crisis": -1.5}
POST_CRISIS_MOOD, RECOVERED_MOOD = -0.9, 0.9
TONE_SPREAD = 0.7
# Security stories read harsher than cultural or innovation stories at any time.
TONE_BIAS_OF_THEME = {
    "security": -0.5,
    "political": -0.2,
    "civil": 0.2,
    "cultural": 0.4,
    "innovation": 0.4,
}
THEMES = ("security", "political", "civil", "cultural", "innovation")
THEME_WEIGHTS_OF_LEVEL = {
    "normal": (30, 30, 15, 15, 10),
    "elevated": (45, 30, 10, 10, 5),
    "high": (58, 28, 6, 5, 3),
    "crisis": (70, 24, 2, 2, 2),
}
RECOVERED_THEME_WEIGHTS = (14, 18, 22, 24, 22)
# Host-country outlets carry most of the coverage the strategy is judged by.
HOST_OUTLET_WEIGHT = 3
LANGUAGE_OF_OUTLET = {
    "HaYom HaZeh": "he",
    "Novosti Sredizemnomorya": "ru",
    "Globus Online": "ru",
    "Radio Carmel": "he",
    "Levant Weekly": "en",
    "Darom TV": "he",
    "Mittelmeer-Kurier": "de",
    "Hromada Media": "uk",
    "Vostochny Vestnik": "ru",
    "Harbor Street Media": "en",
}
HEADLINES_OF_THEME = {
    "security": (
        "Visa dispute: consular queues and mutual accusations",
        "Diplomats expelled as the row over the mission deepens",
        "Security services question contacts with foreign embassies",
        "Border incident raises tension between the two capitals",
        "Analysts warn of a long freeze in official contacts",
    ),
    "political": (
        "Parliamentary committee debates relations with our country",
        "Ambassador meets the foreign ministry's director-general",
        "Joint commission agenda: what is left after the crisis",
        "Opposition calls for a new approach to the bilateral relationship",
        "Foreign minister's visit postponed, then confirmed",
    ),
    "civil": (
        "Student exchange brings forty students to Haifa and Tel Aviv",
        "Volunteers from both countries rebuild a community centre",
        "Universities sign an agreement on joint doctoral supervision",
        "Civil-society forum meets despite the official chill",
        "Scholarships for young journalists open for applications",
    ),
    "cultural": (
        "Sold-out evening of Russian-Hebrew poetry in Jaffa",
        "A novel from our country tops the translated fiction list",
        "Chamber ensemble tours four cities with a joint programme",
        "Film week opens with a director's talk in Tel Aviv",
        "Museum lends an exhibition of early photography",
    ),
    "innovation": (
        "Start-ups from both countries pitch at a joint demo day",
        "Water technology pilot moves to a second kibbutz",
        "Research institute and a Munich lab share a climate grant",
        "Cyber-security hackathon draws two hundred developers",
        "Medical imaging start-up opens an office in Beersheba",
    ),
}
# (platform, language, first month it is used (months before now, None: always),
# posts per month, median views of a post two years ago).
PLATFORMS = (
    ("Telegram", "ru", None, 5, 3_000),
    ("Facebook", "he", None, 4, 5_000),
    ("YouTube", "ru", None, 2, 2_500),
    ("Instagram", "he", 10, 4, 4_000),
)
REACH_GROWTH_PER_MONTH = 0.06
CONTENT_TITLES = (
    "Short video: a day with exchange students at the Technion",
    "Explainer: how the new visa rules work",
    "Interview with a poet translated into Hebrew",
    "Photo story: a joint archaeology dig in the Galilee",
    "Live Q&A with the cultural attaché",
    "Recipe series: a dish from our country in an Israeli kitchen",
    "Start-up founders on working across the two countries",
    "Behind the scenes of the film week",
)
# Friction incidents per day and their severities, by climate level.
INCIDENTS_PER_DAY = {"normal": 0.01, "elevated": 0.08, "high": 0.15, "crisis": 0.4}
SEVERITIES_OF_LEVEL = {
    "normal": (("low", 80), ("medium", 20), ("high", 0)),
    "elevated": (("low", 55), ("medium", 35), ("high", 10)),
    "high": (("low", 35), ("medium", 45), ("high", 20)),
    "crisis": (("low", 15), ("medium", 45), ("high", 40)),
}
INCIDENTS = (
    ("Protest outside the mission", "Peaceful; police kept the entrance clear."),
    ("Mission car stopped and searched", "Diplomatic plates; released after an hour."),
    ("Graffiti on the residence wall", "Removed the same day; reported to the police."),
    ("Officer denied entry to a ministry meeting", "No reason given at the door."),
    ("Hostile crowd at a cultural event", "The event ended early; no one hurt."),
    ("Visa refused to a visiting delegation", "Three members; appeal lodged."),
)
# Coordination meetings every COORDINATION_EVERY days (none at the weekend), and how they
# ended.
COORDINATION_EVERY = 5
OUTCOMES_OF_LEVEL = {
    "normal": (("held", 90), ("postponed", 8), ("failed", 2)),
    "elevated": (("held", 72), ("postponed", 20), ("failed", 8)),
    "high": (("held", 50), ("postponed", 30), ("failed", 20)),
    "crisis": (("held", 20), ("postponed", 35), ("failed", 45)),
}
COORDINATION_MEETINGS = (
    "Liaison meeting on the security of the mission",
    "Working group on consular cases",
    "Call with the police on event security",
    "Joint committee on travel advisories",
)
OUTCOME_NOTES = {
    "held": "Held as planned.",
    "postponed": "Postponed by the host side; a new date is pending.",
    "failed": "Cancelled at short notice; no new date offered.",
}


@dataclass(frozen=True)
class Day:
    """A day of the history and the climate that shapes its signals."""

    on: dt.date
    level: str
    # None until the crisis ends, then rising from 0 to 1 over RECOVERY_DAYS.
    recovery: float | None


class SignalWriter:
    """Builds every demo signal, day by day, from one seeded random stream."""

    def __init__(self, *, seed: int, now: dt.datetime, staff: Staff, organizations, climate):
        self.rng = random.Random(f"{seed}:signals")
        self.now = now
        self.today = now.astimezone(JERUSALEM).date()
        self.climate: ClimateTimeline = climate
        self.crisis_ended_at = _crisis_end(climate)
        self.outlets = [o for o in organizations if o.kind == Organization.Kind.MEDIA_OUTLET]
        self.outlet_weights = [
            HOST_OUTLET_WEIGHT if o.country == HOST_COUNTRY else 1 for o in self.outlets
        ]
        self.press_officer = staff.holders_by_team["press"][0]
        self.lead = staff.lead
        self.serial = 0

    def signals(self) -> list[Signal]:
        """Coverage, incidents and coordination day by day; digital reach month by month."""
        first = (self.today - 730 * DAY).replace(day=1)
        signals: list[Signal] = []
        for offset in range((self.today - first).days + 1):
            day = self._day(first + offset * DAY)
            signals += self._coverage(day)
            signals += self._incidents(day)
            signals += self._coordination(day, offset)
        signals += self._digital_reach(first)
        return signals

    def _day(self, on: dt.date) -> Day:
        noon = dt.datetime.combine(on, dt.time(12), tzinfo=JERUSALEM)
        level = self.climate.level_at(noon)
        recovery = None
        if self.crisis_ended_at is not None and noon >= self.crisis_ended_at:
            recovery = min(1.0, (noon - self.crisis_ended_at) / (RECOVERY_DAYS * DAY))
        return Day(on, level, recovery)

    def _count(self, per_day: float) -> int:
        whole = int(per_day)
        return whole + (self.rng.random() < per_day - whole)

    def _coverage(self, day: Day) -> list[Signal]:
        items = []
        for _ in range(self._count(COVERAGE_PER_DAY[day.level])):
            outlet = self.rng.choices(self.outlets, weights=self.outlet_weights)[0]
            theme = self.rng.choices(THEMES, weights=_theme_weights(day))[0]
            mood = MOOD_OF_LEVEL[day.level]
            if day.recovery is not None:
                mood = POST_CRISIS_MOOD + (RECOVERED_MOOD - POST_CRISIS_MOOD) * day.recovery
            tone = round(mood + TONE_BIAS_OF_THEME[theme] + self.rng.gauss(0, TONE_SPREAD))
            headline = self.rng.choice(HEADLINES_OF_THEME[theme])
            items.append(
                self._signal(
                    Signal.Kind.COVERAGE,
                    day.on,
                    headline,
                    organization=outlet,
                    country=outlet.country,
                    language=LANGUAGE_OF_OUTLET.get(outlet.name, "en"),
                    tone=max(-2, min(2, tone)),
                    theme=theme,
                    link=self._link(outlet, day.on) if self.rng.random() < 0.7 else "",
                    audience=self._readers() if self.rng.random() < 0.5 else None,
                )
            )
        return items

    def _link(self, outlet: Organization, on: dt.date) -> str:
        return f"{outlet.website}{on:%Y/%m}/{self.serial + 1}"

    def _readers(self) -> int:
        return int(round(self.rng.lognormvariate(math.log(8_000), 0.8), -2))

    def _incidents(self, day: Day) -> list[Signal]:
        items = []
        for _ in range(self._count(INCIDENTS_PER_DAY[day.level])):
            title, note = self.rng.choice(INCIDENTS)
            severity = weighted(self.rng, SEVERITIES_OF_LEVEL[day.level])
            items.append(
                self._signal(
                    Signal.Kind.FRICTION_INCIDENT, day.on, title, severity=severity, note=note
                )
            )
        return items

    def _coordination(self, day: Day, offset: int) -> list[Signal]:
        if offset % COORDINATION_EVERY or day.on.weekday() in ISRAELI_WEEKEND:
            return []
        outcome = weighted(self.rng, OUTCOMES_OF_LEVEL[day.level])
        title = self.rng.choice(COORDINATION_MEETINGS)
        note = OUTCOME_NOTES[outcome]
        return [self._signal(Signal.Kind.COORDINATION, day.on, title, outcome=outcome, note=note)]

    def _digital_reach(self, first: dt.date) -> list[Signal]:
        """Each platform's posts, month by month, with an audience growing over time."""
        items = []
        months = (self.today.year - first.year) * 12 + self.today.month - first.month + 1
        for month in range(months):
            start = add_months(first, month)
            days = (add_months(start, 1) - start).days
            for platform, language, since, posts, views in PLATFORMS:
                if since is not None and month < months - since:
                    continue
                median = views * (1 + REACH_GROWTH_PER_MONTH) ** month
                for _ in range(posts):
                    on = start + self.rng.randrange(days) * DAY
                    audience = round(self.rng.lognormvariate(math.log(median), 0.4), -1)
                    if on <= self.today:
                        title = f"{platform}: {self.rng.choice(CONTENT_TITLES)}"
                        items.append(
                            self._signal(
                                Signal.Kind.DIGITAL_REACH,
                                on,
                                title,
                                platform=platform,
                                language=language,
                                audience=int(audience),
                            )
                        )
        return items

    def _signal(self, kind: str, on: dt.date, title: str, **fields) -> Signal:
        self.serial += 1
        security = kind in (Signal.Kind.FRICTION_INCIDENT, Signal.Kind.COORDINATION)
        logged_at = dt.datetime.combine(on, dt.time(17), tzinfo=JERUSALEM)
        fields.setdefault("country", HOST_COUNTRY)
        return Signal(
            kind=kind,
            occurred_on=on,
            title=title,
            layer=Layer.SECURITY if security else Layer.NARRATIVE,
            created_by=self.lead if security else self.press_officer,
            created_at=min(logged_at, self.now),
            **fields,
        )


def _crisis_end(climate: ClimateTimeline) -> dt.datetime | None:
    """When the (first) crisis gave way to a calmer level."""
    for index, level in enumerate(climate.levels[:-1]):
        if level == Climate.Level.CRISIS:
            return climate.starts[index + 1]
    return None


def _theme_weights(day: Day) -> tuple[float, ...]:
    """Security-heavy up to the crisis; afterwards moving towards the recovered mix."""
    if day.recovery is None:
        return THEME_WEIGHTS_OF_LEVEL[day.level]
    tense = THEME_WEIGHTS_OF_LEVEL["high"]
    return tuple(
        (1 - day.recovery) * before + day.recovery * after
        for before, after in zip(tense, RECOVERED_THEME_WEIGHTS, strict=True)
    )


def create_signals(*, seed: int, now, staff: Staff, organizations, climate) -> int:
    """Write two years of signals up to ``now``; returns how many."""
    writer = SignalWriter(
        seed=seed, now=now, staff=staff, organizations=organizations, climate=climate
    )
    signals = Signal.objects.bulk_create(writer.signals(), batch_size=500)
    # updated_at is auto_now; a signal is logged on the day it is observed.
    ids = [signal.pk for signal in signals]
    for start in range(0, len(ids), UPDATE_BATCH):
        Signal.objects.filter(pk__in=ids[start : start + UPDATE_BATCH]).update(
            updated_at=F("created_at")
        )
    return len(signals)
