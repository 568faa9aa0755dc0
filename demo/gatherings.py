"""Events with their invitations, and programmes: the demo network's gatherings."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils.text import slugify

from contacts.models import Exchange, Organization
from demo import phrases, vocabulary
from demo.history import ISRAELI_WEEKEND, ChannelBook
from demo.people import DAY, JERUSALEM, Person, Staff, weighted
from events.models import Event, Invitation, Programme

BERLIN = ZoneInfo("Europe/Berlin")
# (past or upcoming, status, how many); every kind appears five times among the 35.
EVENT_SCHEDULE = (
    ("past", Event.Status.HELD, 22),
    ("past", Event.Status.CANCELLED, 2),
    ("upcoming", Event.Status.PLANNED, 5),
    ("upcoming", Event.Status.CONFIRMED, 5),
    ("upcoming", Event.Status.CANCELLED, 1),
)
TEAM_OF_EVENT_KIND = {
    "cultural": "culture",
    "academic": "science",
    "media": "press",
    "dialogue": "science",
    "commemoration": "culture",
    "technology": "science",
    "community": "community",
}
HOST_KINDS_OF_EVENT_KIND = {
    "cultural": ("cultural_institution",),
    "academic": ("university", "research_institute"),
    "media": ("media_outlet", "ngo"),
    "dialogue": ("think_tank",),
    "commemoration": ("community_organization", "religious_institution"),
    "technology": ("company", "university"),
    "community": ("community_organization", "government_body"),
}
GUEST_CATEGORIES_OF_EVENT_KIND = {
    "cultural": ("cultural", "community", "academic"),
    "academic": ("academic", "think_tank", "civil_society"),
    "media": ("journalist",),
    "dialogue": ("think_tank", "academic", "civil_society", "community"),
    "commemoration": ("community", "religious", "cultural", "civil_society"),
    "technology": ("technology", "academic"),
    "community": ("community", "civil_society", "religious"),
}
# Answers by event status; a held event's guests came, did not, or had declined.
ANSWERS_OF_STATUS = {
    "held": (("attended", 62), ("no_show", 10), ("declined", 20), ("invited", 8)),
    "cancelled": (("invited", 40), ("accepted", 35), ("declined", 15), ("tentative", 10)),
    "planned": (("invited", 50), ("accepted", 20), ("tentative", 15), ("declined", 15)),
    "confirmed": (("accepted", 50), ("invited", 15), ("tentative", 15), ("declined", 20)),
}
ONLINE_KINDS = ("academic", "media", "dialogue", "technology")
ONLINE_ROOMS = f"https://meet.{vocabulary.STAFF_EMAIL_DOMAIN}/"
ANSWERED = ("accepted", "declined", "tentative", "waitlisted", "attended", "no_show")
CANCELLATION_REASONS = (
    "Cancelled when official contacts were frozen.",
    "The partner withdrew after its funding was cut.",
)


@dataclass
class EventPlan:
    """An event still to be written, with its planners and invitations."""

    event: Event
    sent_at: dt.datetime
    planners: list
    invitations: list[Invitation] = field(default_factory=list)


class EventPlanner:
    """Thirty-five past and upcoming events of every kind and status, with their guests."""

    def __init__(
        self, *, rng: random.Random, now, people, staff: Staff, organizations, book, access
    ):
        self.rng, self.now, self.people, self.staff = rng, now, people, staff
        self.organizations: list[Organization] = organizations
        self.book: ChannelBook = book
        self.access = access

    def plan(self) -> list[EventPlan]:
        """Every kind five times over the schedule; the first confirmed event is full."""
        kinds = [kind for kind in Event.Kind.values for _ in range(5)]
        self.rng.shuffle(kinds)
        ideas = {kind: self.rng.sample(ideas, 5) for kind, ideas in phrases.EVENT_IDEAS.items()}
        schedule = [(when, status) for when, status, n in EVENT_SCHEDULE for _ in range(n)]
        plans = [
            self._event(kind, ideas[kind].pop(), when, status)
            for kind, (when, status) in zip(kinds, schedule, strict=True)
        ]
        waitlisted = next(p for p in plans if p.event.status == Event.Status.CONFIRMED)
        for plan in plans:
            self._invite(plan, full=plan is waitlisted)
        return plans

    def _event(self, kind: str, idea, when: str, status: str) -> EventPlan:
        rng = self.rng
        fitting = [o for o in self.organizations if o.kind in HOST_KINDS_OF_EVENT_KIND[kind]]
        # A few events are held in Germany with a German partner, in Berlin's time zone.
        german = [o for o in fitting if o.country == "DE"]
        abroad = bool(german) and rng.random() < 0.15
        zone = BERLIN if abroad else JERUSALEM
        hosts = german if abroad else [o for o in fitting if o.country == "IL"]
        host = rng.choice(hosts) if abroad or rng.random() < 0.55 else None
        starts_at = self._starts_at(when, idea.start_hour, zone)
        online = not abroad and kind in ONLINE_KINDS and rng.random() < 0.2
        venue = f"{host.name}, {host.city}" if host else rng.choice(phrases.MISSION_VENUES)
        team = TEAM_OF_EVENT_KIND[kind]
        # A planner runs it with an officer of the team whose network it serves.
        planners = [rng.choice(self.staff.planners)]
        officer = rng.choice(self.staff.holders_by_team[team])
        planners += [officer] if officer not in planners else []
        event = Event(
            title=idea.title,
            kind=kind,
            description=f"Organised by the {team} team" + (f" with {host.name}." if host else "."),
            starts_at=starts_at,
            ends_at=starts_at + idea.hours * dt.timedelta(hours=1),
            timezone=str(zone),
            venue="" if online else venue,
            online_url=f"{ONLINE_ROOMS}{slugify(idea.title)}" if online else "",
            status=status,
            layer=idea.layer,
            host_organization=host,
            # A cancellation is a change calendar clients must notice.
            sequence=1 if status == Event.Status.CANCELLED else 0,
        )
        sent_at = min(starts_at - rng.uniform(14, 40) * DAY, self.now - rng.uniform(1, 3) * DAY)
        return EventPlan(event, sent_at, planners)

    def _starts_at(self, when: str, hour: int, zone: ZoneInfo) -> dt.datetime:
        """A weekday start: in the two years past (over by now) or in the next four months."""
        rng, step = self.rng, (-DAY if when == "past" else DAY)
        day = self.now + (-rng.uniform(4, 720) if when == "past" else rng.uniform(3, 120)) * DAY
        day = day.astimezone(zone).date()
        while day.weekday() in ISRAELI_WEEKEND:
            day += step
        return dt.datetime.combine(day, dt.time(hour), tzinfo=zone).astimezone(dt.UTC)

    def _invite(self, plan: EventPlan, *, full: bool) -> None:
        """Ten to forty guests, mostly from the categories the event is for."""
        rng, event = self.rng, plan.event
        categories = GUEST_CATEGORIES_OF_EVENT_KIND[event.kind]
        # A planner invites only contacts they may see (as the bulk invite does).
        known = [
            p
            for p in self.people
            if p.created_at <= plan.sent_at
            and all(self.access.can_see(planner, p.contact) for planner in plan.planners)
        ]
        fitting = [p for p in known if p.contact.category in categories]
        others = [p for p in known if p.contact.category not in categories]
        count = rng.randint(10, 40)
        guests = rng.sample(fitting, min(len(fitting), round(count * 0.75)))
        guests += rng.sample(others, min(len(others), count - len(guests)))
        speakers = rng.randint(1, 3)
        for position, person in enumerate(guests):
            invitation = Invitation(
                event=event,
                contact=person.contact,
                role=self._role(position, speakers, person, event.kind),
                status=weighted(rng, ANSWERS_OF_STATUS[event.status]),
                invited_by=plan.planners[0],
                created_at=plan.sent_at,
            )
            plan.invitations.append(invitation)
        if full:
            self._fill_and_waitlist(plan)
        seated = sum(i.status in ("accepted", "attended") for i in plan.invitations)
        if full:
            event.capacity = seated
        elif rng.random() < 0.8:
            event.capacity = max(10, -(-(seated + rng.randint(0, 20)) // 5) * 5)
        for invitation in plan.invitations:
            self._answer(plan, invitation)

    @staticmethod
    def _role(position: int, speakers: int, person: Person, kind: str) -> str:
        if position < speakers and kind != "community":
            return Invitation.Role.SPEAKER
        if position == 3 and kind in ("academic", "dialogue", "media", "technology"):
            return Invitation.Role.MODERATOR
        if person.contact.category == "journalist":
            return Invitation.Role.PRESS
        return Invitation.Role.GUEST

    def _fill_and_waitlist(self, plan: EventPlan) -> None:
        """A full event: the latest to accept were put on the waiting list."""
        unanswered = [i for i in plan.invitations if i.status in ("invited", "tentative")]
        if unanswered and not any(i.status == "accepted" for i in plan.invitations):
            unanswered.pop().status = Invitation.Status.ACCEPTED
        for invitation in unanswered[: self.rng.randint(3, 5)]:
            invitation.status = Invitation.Status.WAITLISTED

    def _answer(self, plan: EventPlan, invitation: Invitation) -> None:
        """Answer and check-in times; an attendance counts as a touch for the planners."""
        event, rng = plan.event, self.rng
        if invitation.status == "attended":
            checked_in_at = event.starts_at + rng.randint(0, 30) * dt.timedelta(minutes=1)
            contact_pk = invitation.contact.pk
            if all(self.book.may_touch(contact_pk, p.pk, checked_in_at) for p in plan.planners):
                invitation.checked_in_at = checked_in_at
                for planner in plan.planners:
                    self.book.touch(contact_pk, planner.pk, checked_in_at)
            else:
                # Keeps the channels' planned history: this guest sent apologies instead.
                invitation.status = Invitation.Status.DECLINED
        if invitation.status in ANSWERED:
            answered_at = plan.sent_at + rng.uniform(0.2, 10) * DAY
            latest = min(event.starts_at, self.now) - dt.timedelta(hours=1)
            invitation.responded_at = max(plan.sent_at, min(answered_at, latest))
        if invitation.status == "waitlisted":
            invitation.waitlisted_at = invitation.responded_at


def create_events(*, rng, now, people, staff, organizations, book: ChannelBook, access) -> None:
    """Past and upcoming events of every kind and status, with invitations in every state."""
    plans = EventPlanner(
        rng=rng,
        now=now,
        people=people,
        staff=staff,
        organizations=organizations,
        book=book,
        access=access,
    ).plan()
    events = Event.objects.bulk_create(plan.event for plan in plans)
    for plan in plans:
        plan.event.created_at = plan.event.updated_at = plan.sent_at - rng.uniform(5, 20) * DAY
    Event.objects.bulk_update(events, ["created_at", "updated_at"])
    Event.planners.through.objects.bulk_create(
        Event.planners.through(event_id=plan.event.pk, user_id=planner.pk)
        for plan in plans
        for planner in plan.planners
    )
    Invitation.objects.bulk_create(
        (invitation for plan in plans for invitation in plan.invitations), batch_size=500
    )
    _record_attendances(plans)


def _record_attendances(plans) -> None:
    """An attendance is an exchange of kind ``event`` with the guest and the planners, so
    that the keep-in-touch engine, which reads exchanges, sees it as a touch."""
    attended = [
        (plan, invitation)
        for plan in plans
        for invitation in plan.invitations
        if invitation.status == "attended" and invitation.checked_in_at
    ]
    exchanges = Exchange.objects.bulk_create(
        (
            Exchange(
                occurred_at=invitation.checked_in_at,
                kind=Exchange.Kind.EVENT,
                summary=f"Attended {plan.event.title}.",
                topics=[plan.event.kind],
            )
            for plan, invitation in attended
        ),
        batch_size=500,
    )
    Exchange.contacts.through.objects.bulk_create(
        Exchange.contacts.through(exchange_id=exchange.pk, contact_id=invitation.contact_id)
        for exchange, (_, invitation) in zip(exchanges, attended, strict=True)
    )
    Exchange.objects.refresh_names_journalist()  # bulk writes send no m2m signal
    Exchange.officers.through.objects.bulk_create(
        Exchange.officers.through(exchange_id=exchange.pk, user_id=planner.pk)
        for exchange, (plan, _) in zip(exchanges, attended, strict=True)
        for planner in plan.planners
    )


@dataclass
class ProgrammePlan:
    """A programme still to be written, with its partners, participants and officers."""

    programme: Programme
    partners: list[Organization]
    participants: list
    officers: list


def create_programmes(*, rng, now, people, staff: Staff, organizations) -> None:
    """One programme per idea: every kind and every status, with partners and participants."""
    ideas = [(kind, idea) for kind, ideas in phrases.PROGRAMME_IDEAS.items() for idea in ideas]
    statuses = ["active", "completed", "planned", "cancelled"]
    statuses += rng.choices(statuses, weights=(4, 3, 1, 1), k=len(ideas) - len(statuses))
    rng.shuffle(statuses)
    today = now.astimezone(JERUSALEM).date()
    plans = [
        _programme(rng, today, kind, idea, status, people, staff, organizations)
        for (kind, idea), status in zip(ideas, statuses, strict=True)
    ]
    Programme.objects.bulk_create(plan.programme for plan in plans)
    for plan in plans:
        created_on = min(plan.programme.starts_on - 60 * DAY, today - 7 * DAY)
        moment = dt.datetime.combine(created_on, dt.time(10), tzinfo=JERUSALEM)
        plan.programme.created_at = plan.programme.updated_at = moment
    Programme.objects.bulk_update([plan.programme for plan in plans], ["created_at", "updated_at"])
    partners = Programme.partners.through
    partners.objects.bulk_create(
        partners(programme_id=plan.programme.pk, organization_id=organization.pk)
        for plan in plans
        for organization in plan.partners
    )
    participants = Programme.participants.through
    participants.objects.bulk_create(
        participants(programme_id=plan.programme.pk, contact_id=contact.pk)
        for plan in plans
        for contact in plan.participants
    )
    officers = Programme.officers.through
    officers.objects.bulk_create(
        officers(programme_id=plan.programme.pk, user_id=officer.pk)
        for plan in plans
        for officer in plan.officers
    )


def _programme(rng, today, kind, idea, status, people, staff, organizations) -> ProgrammePlan:
    starts_on, ends_on = _programme_dates(rng, today, status)
    outcome = ""
    if status == Programme.Status.COMPLETED:
        outcome = idea.outcome
    elif status == Programme.Status.CANCELLED:
        outcome = rng.choice(CANCELLATION_REASONS)
    programme = Programme(
        title=idea.title,
        kind=kind,
        description=idea.description,
        starts_on=starts_on,
        ends_on=ends_on,
        status=status,
        outcome=outcome,
        layer=idea.layer,
    )
    partners = [o for o in organizations if o.kind in idea.partner_kinds]
    fitting = [p.contact for p in people if p.contact.category in idea.participant_categories]
    team = vocabulary.TEAM_OF_CATEGORY[idea.participant_categories[0]]
    officers = [rng.choice(staff.holders_by_team[team])]
    if rng.random() < 0.3:
        officers.append(staff.lead)
    return ProgrammePlan(
        programme,
        rng.sample(partners, min(len(partners), rng.randint(1, 3))),
        rng.sample(fitting, rng.randint(2, 10)),
        officers,
    )


def _programme_dates(rng, today: dt.date, status: str) -> tuple[dt.date, dt.date | None]:
    """Start and end as the status implies: over, under way, ahead, or called off."""
    if status == "completed":
        starts_on = today - rng.randint(400, 720) * DAY
        return starts_on, min(starts_on + rng.randint(60, 300) * DAY, today - 10 * DAY)
    if status == "active":
        ends_on = today + rng.randint(30, 400) * DAY if rng.random() < 0.7 else None
        return today - rng.randint(30, 400) * DAY, ends_on
    if status == "planned":
        starts_on = today + rng.randint(20, 200) * DAY
        return starts_on, starts_on + rng.randint(30, 365) * DAY
    return today + rng.randint(-200, 60) * DAY, None
