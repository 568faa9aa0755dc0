"""Two years of keep-in-touch history: the climate, the channels and every exchange."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F

from contacts.models import Channel, Climate, Exchange, Sensitivity
from demo import phrases
from demo.people import DAY, JERUSALEM, Access, Person, Staff, weighted

HISTORY = dt.timedelta(days=730)
ISRAELI_WEEKEND = (4, 5)  # Friday and Saturday
EXCHANGE_KINDS = (
    ("meeting", 35),
    ("call", 20),
    ("message", 18),
    ("email", 15),
    ("event", 7),
    ("letter", 5),
)
PRIORITIES = (("key", 15), ("normal", 60), ("peripheral", 25))
CADENCES_OF_PRIORITY = {
    "key": ((14, 3), (30, 5), (45, 2)),
    "normal": ((30, 2), (45, 3), (60, 4), (90, 2)),
    "peripheral": ((90, 1), (180, 1)),
}
STATUSES = (("active", 86), ("paused", 9), ("closed", 5))
OVERDUE_SHARE = 0.15
UPDATE_BATCH = 500
FOLLOW_UP_HORIZON = dt.timedelta(days=45)


def office_hours(moment: dt.datetime, rng: random.Random) -> dt.datetime:
    """A random working-hours moment (Sunday to Thursday in Jerusalem) at or before ``moment``."""
    day = moment.astimezone(JERUSALEM).date()
    at = dt.time(rng.randint(9, 18), rng.choice((0, 15, 30, 45)))
    while True:
        candidate = dt.datetime.combine(day, at, tzinfo=JERUSALEM)
        if day.weekday() not in ISRAELI_WEEKEND and candidate <= moment:
            return candidate.astimezone(dt.UTC)
        day -= DAY


class ClimateTimeline:
    """The demo's climate levels by date, to shape the history as the real rules would."""

    def __init__(self, records: list[Climate]):
        self.starts = [record.started_at for record in records]
        self.levels = [record.level for record in records]

    def level_at(self, moment: dt.datetime) -> str:
        index = bisect.bisect_right(self.starts, moment) - 1
        return self.levels[index] if index >= 0 else Climate.Level.NORMAL

    def factor(self, moment: dt.datetime, kind: str) -> float:
        if kind != Channel.Kind.INFORMAL:
            return 1.0
        return settings.CLIMATE_FACTORS[self.level_at(moment)]


def create_climate(*, now: dt.datetime) -> ClimateTimeline:
    """Normal two years ago, a spike through crisis a year ago, and calm again since."""
    records = Climate.objects.bulk_create(
        Climate(
            level=level,
            note=note,
            started_at=dt.datetime.combine(
                (now - days * DAY).astimezone(JERUSALEM).date(), dt.time(9), tzinfo=JERUSALEM
            ),
        )
        for days, level, note in phrases.CLIMATE_HISTORY
    )
    for record in records:
        record.created_at = record.started_at
    Climate.objects.bulk_update(records, ["created_at"])
    return ClimateTimeline(records)


@dataclass
class ChannelPlan:
    """A channel still to be written, with the touches planned for it."""

    channel: Channel
    # The planned latest touch (None: never touched); no other touch may come after it, so
    # that the share of overdue channels is the one planned.
    final_touch_at: dt.datetime | None
    touches: list[dt.datetime]
    last_touch_at: dt.datetime | None = None


class ChannelBook:
    """Every demo channel by (contact pk, officer pk), and the touches it receives."""

    def __init__(self, plans: list[ChannelPlan]):
        self.plans = {(p.channel.contact.pk, p.channel.officer.pk): p for p in plans}

    def may_touch(self, contact_pk: int, officer_pk: int, moment: dt.datetime) -> bool:
        """Whether an exchange or attendance at ``moment`` keeps the channel as planned."""
        plan = self.plans.get((contact_pk, officer_pk))
        if plan is None:
            return True
        final = plan.final_touch_at
        return final is not None and plan.channel.created_at <= moment <= final

    def touch(self, contact_pk: int, officer_pk: int, moment: dt.datetime) -> None:
        """Record an exchange or attendance that names both the contact and the officer."""
        plan = self.plans.get((contact_pk, officer_pk))
        if plan and (plan.last_touch_at is None or moment > plan.last_touch_at):
            plan.last_touch_at = moment

    def save(self) -> list[Channel]:
        """Write the channels with their latest touch (None: counted from creation)."""
        channels = []
        for plan in self.plans.values():
            channel = plan.channel
            channel.last_touch_at = plan.last_touch_at
            channels.append(channel)
        return Channel.objects.bulk_create(channels)


class ChannelPlanner:
    """Decides who holds which channel, how it is kept, and when it was touched."""

    def __init__(self, *, rng, now, staff: Staff, access: Access, climate: ClimateTimeline):
        self.rng, self.now, self.staff = rng, now, staff
        self.access, self.climate = access, climate

    def plan(self, people: list[Person]) -> ChannelBook:
        """The owner's channel for every contact, a second holder for some, and grants."""
        plans = []
        for person in people:
            contact = person.contact
            owner_plan = self._plan(person, contact.owner, weighted(self.rng, PRIORITIES))
            plans.append(owner_plan)
            second = self._second_holder(contact, owner_plan.channel.priority)
            if second is not None:
                self.access.grant(contact, second)
                is_lead = second == self.staff.lead
                plans.append(self._plan(person, second, "key" if is_lead else "normal"))
            if contact.sensitivity != Sensitivity.STANDARD and self.rng.random() < 0.3:
                self.access.grant(contact, self._grantee(contact))
        return ChannelBook(plans)

    def _second_holder(self, contact, priority: str):
        owner, lead = contact.owner, self.staff.lead
        if priority == "key" and owner != lead and self.rng.random() < 0.5:
            return lead
        if self.rng.random() < 0.25:
            return self.rng.choice([user for user in self.staff.holders if user != owner])
        return None

    def _grantee(self, contact):
        if contact.sensitivity == Sensitivity.PROTECTED and self.rng.random() < 0.5:
            return self.staff.lead
        return self.rng.choice([user for user in self.staff.holders if user != contact.owner])

    def _plan(self, person: Person, officer, priority: str) -> ChannelPlan:
        rng, contact = self.rng, person.contact
        # The lead's channels are formal; institutions lean formal too.
        formal_share = 0.4 if contact.category in ("think_tank", "religious", "other") else 0.2
        formal = officer == self.staff.lead or rng.random() < formal_share
        channel = Channel(
            contact=contact,
            officer=officer,
            kind=Channel.Kind.FORMAL if formal else Channel.Kind.INFORMAL,
            priority=priority,
            cadence_days=weighted(rng, CADENCES_OF_PRIORITY[priority]),
            status=weighted(rng, STATUSES),
            created_at=min(person.created_at + rng.uniform(0, 5) * DAY, self.now - DAY),
        )
        final = self._final_touch(channel)
        return ChannelPlan(channel, final, self._touches(channel, final) if final else [])

    def _final_touch(self, channel: Channel) -> dt.datetime | None:
        """The latest touch: long ago for paused and closed channels; for active ones, inside
        the current cadence except for a planned share left overdue."""
        rng, now = self.rng, self.now
        cadence = channel.cadence_days * self.climate.factor(now, channel.kind) * DAY
        if channel.status != Channel.Status.ACTIVE:
            final = now - rng.uniform(30, 300) * DAY
        elif rng.random() < OVERDUE_SHARE:
            final = now - cadence * rng.uniform(1.1, 2.2)
        else:
            final = now - cadence * rng.uniform(0.05, 0.9)
        final = office_hours(final, rng)
        return final if final >= channel.created_at else None

    def _touches(self, channel: Channel, final: dt.datetime) -> list[dt.datetime]:
        """Touches back from the final one, closer together when the climate was tense."""
        touches, moment = [], final
        since = max(channel.created_at, self.now - HISTORY)
        while moment >= since:
            touches.append(moment)
            factor = self.climate.factor(moment, channel.kind)
            gap = channel.cadence_days * factor * self.rng.uniform(0.8, 1.5) * DAY
            moment = office_hours(moment - gap, self.rng)
        return touches


def plan_channels(*, rng, now, people, staff, access, climate) -> ChannelBook:
    """One or two channels per contact, with grants wherever an officer needs one."""
    return ChannelPlanner(rng=rng, now=now, staff=staff, access=access, climate=climate).plan(
        people
    )


@dataclass
class ExchangePlan:
    """An exchange still to be written, with whom it names."""

    exchange: Exchange
    people: list[Person]
    officers: list


class ExchangeWriter:
    """Turns the channels' touches into exchanges, some with several contacts or officers."""

    MERGE_WINDOW = dt.timedelta(days=4)

    def __init__(self, *, rng, now, people, staff, access, climate, book: ChannelBook):
        self.rng, self.now, self.staff = rng, now, staff
        self.access, self.climate, self.book = access, climate, book
        self.people = {person.contact.pk: person for person in people}
        self.colleagues: dict[int, list[Person]] = {}
        for person in people:
            if person.contact.organization_id:
                self.colleagues.setdefault(person.contact.organization_id, []).append(person)
        self.touches = sorted(
            (moment, contact_pk, officer_pk)
            for (contact_pk, officer_pk), plan in book.plans.items()
            for moment in plan.touches
        )
        self.by_officer: dict[int, list[tuple]] = {}
        for touch in self.touches:
            self.by_officer.setdefault(touch[2], []).append(touch)
        self.users = {user.pk: user for user in staff.users}
        self.done: set[tuple] = set()

    def plan(self) -> list[ExchangePlan]:
        """One exchange per touch, in time order, merging touches that fall together."""
        plans = []
        for touch in self.touches:
            if touch in self.done:
                continue
            self.done.add(touch)
            moment, contact_pk, officer_pk = touch
            people, officers = [self.people[contact_pk]], [self.users[officer_pk]]
            if self.rng.random() < 0.18:
                people += self._merged(touch)
            if len(people) < 3 and self.rng.random() < 0.08:
                people += self._colleague(moment, people, officers[0])
            if self.rng.random() < 0.12:
                officers += self._second_officer(moment, people, officers[0])
            for person, officer in itertools.product(people, officers):
                self.book.touch(person.contact.pk, officer.pk, moment)
            plans.append(ExchangePlan(self._exchange(moment, people, officers), people, officers))
        return plans

    def _merged(self, touch) -> list[Person]:
        """Other contacts the same officer was due to see within days, met together."""
        moment, contact_pk, officer_pk = touch
        queue = self.by_officer[officer_pk]
        start = bisect.bisect_right(queue, touch)
        merged, wanted = [], self.rng.choice((1, 1, 2))
        for other in queue[start:]:
            other_moment, other_contact, _ = other
            if other_moment > moment + self.MERGE_WINDOW or len(merged) == wanted:
                break
            plan = self.book.plans[(other_contact, officer_pk)]
            if (
                other in self.done
                or other_contact == contact_pk
                or any(p.contact.pk == other_contact for p in merged)
                or other_moment == plan.final_touch_at
                or not self.book.may_touch(other_contact, officer_pk, moment)
            ):
                continue
            self.done.add(other)
            merged.append(self.people[other_contact])
        return merged

    def _colleague(self, moment, people: list[Person], officer) -> list[Person]:
        """A colleague of the first contact who joined the meeting."""
        organization_id = people[0].contact.organization_id
        candidates = [
            person
            for person in self.colleagues.get(organization_id, [])
            if all(person.contact.pk != present.contact.pk for present in people)
            and person.created_at <= moment
            and self.access.can_see(officer, person.contact)
            and self.book.may_touch(person.contact.pk, officer.pk, moment)
        ]
        return [self.rng.choice(candidates)] if candidates else []

    def _second_officer(self, moment, people: list[Person], officer) -> list:
        """A colleague from the mission who came along and may see every contact there."""
        candidates = [
            user
            for user in self.staff.holders
            if user != officer
            and all(
                self.access.can_see(user, person.contact)
                and self.book.may_touch(person.contact.pk, user.pk, moment)
                for person in people
            )
        ]
        return [self.rng.choice(candidates)] if candidates else []

    def _exchange(self, moment, people: list[Person], officers: list) -> Exchange:
        rng, main = self.rng, people[0].contact
        kind = weighted(rng, EXCHANGE_KINDS)
        topics = phrases.TOPICS_OF_CATEGORY[main.category]
        chosen = rng.sample(topics, k=min(len(topics), weighted(rng, ((1, 6), (2, 3), (3, 1)))))
        names = [person.contact.full_name for person in people]
        opener = rng.choice(phrases.OPENERS_OF_KIND[kind]).format(
            names=", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0],
            place=main.organization.city if main.organization else "Tel Aviv",
        )
        closing = rng.choice(phrases.CLOSINGS_OF_LEVEL[self.climate.level_at(moment)])
        sentences = [rng.choice(topic.sentences) for topic in chosen[:2]]
        follow_up_on = None
        # Recent exchanges more often still wait for their follow-up.
        if rng.random() < (0.4 if self.now - moment < FOLLOW_UP_HORIZON else 0.12):
            follow_up_on = (moment + rng.randint(5, 30) * DAY).astimezone(JERUSALEM).date()
        return Exchange(
            occurred_at=moment,
            kind=kind,
            summary=" ".join(part for part in (opener, *sentences, closing) if part),
            notes=rng.choice(phrases.EXCHANGE_NOTES) if rng.random() < 0.2 else "",
            topics=[topic.slug for topic in chosen],
            follow_up_on=follow_up_on,
            created_by=officers[0],
        )


def create_exchanges(*, rng, now, people, staff, access, climate, book: ChannelBook) -> int:
    """Write every exchange with its contacts and officers; returns how many."""
    writer = ExchangeWriter(
        rng=rng, now=now, people=people, staff=staff, access=access, climate=climate, book=book
    )
    plans = writer.plan()
    exchanges = Exchange.objects.bulk_create((plan.exchange for plan in plans), batch_size=500)
    Exchange.contacts.through.objects.bulk_create(
        (
            Exchange.contacts.through(exchange_id=plan.exchange.pk, contact_id=person.contact.pk)
            for plan in plans
            for person in plan.people
        ),
        batch_size=1000,
    )
    Exchange.objects.refresh_names_journalist()  # bulk writes send no m2m signal
    Exchange.officers.through.objects.bulk_create(
        (
            Exchange.officers.through(exchange_id=plan.exchange.pk, user_id=officer.pk)
            for plan in plans
            for officer in plan.officers
        ),
        batch_size=1000,
    )
    # created_at is auto_now_add; an exchange is logged when it happens.
    ids = [exchange.pk for exchange in exchanges]
    for start in range(0, len(ids), UPDATE_BATCH):
        Exchange.objects.filter(pk__in=ids[start : start + UPDATE_BATCH]).update(
            created_at=F("occurred_at"), updated_at=F("occurred_at")
        )
    return len(exchanges)
