"""The demo network service: everything ``seed_demo`` creates, once, in one transaction."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from contacts import states
from contacts.models import (
    Affiliation,
    Channel,
    Climate,
    Contact,
    Exchange,
    Grant,
    OfficerProfile,
    Organization,
    Reminder,
    Tag,
    Team,
)
from demo import gatherings, history, people, signals, vocabulary
from events.models import Event, Invitation, Programme
from indicators.models import Signal

DEFAULT_SEED = 2026
FOLLOW_UPS_SETTLED = dt.timedelta(days=14)


@dataclass(frozen=True)
class DemoSummary:
    """Whether this run created the network, and the rows per model in the database."""

    created: bool
    counts: dict[str, int]


def seed_demo_network(*, now: dt.datetime, seed: int = DEFAULT_SEED) -> DemoSummary:
    """Create the demo network as it stands at ``now``, unless it is already there.

    The same seed and ``now`` give the same network. Everything is written in one
    transaction, so a failed run leaves nothing behind.
    """
    with transaction.atomic():
        if is_demo_present():
            return DemoSummary(created=False, counts=count_rows())
        rng = random.Random(seed)
        staff = people.create_staff()
        access = people.Access(staff)
        climate = history.create_climate(now=now)
        organizations = people.create_organizations()
        contacts = people.create_contacts(
            seed=seed, rng=rng, now=now, staff=staff, organizations=organizations
        )
        book = history.plan_channels(
            rng=rng, now=now, people=contacts, staff=staff, access=access, climate=climate
        )
        history.create_exchanges(
            rng=rng,
            now=now,
            people=contacts,
            staff=staff,
            access=access,
            climate=climate,
            book=book,
        )
        gatherings.create_events(
            rng=rng,
            now=now,
            people=contacts,
            staff=staff,
            organizations=organizations,
            book=book,
            access=access,
        )
        gatherings.create_programmes(
            rng=rng, now=now, people=contacts, staff=staff, organizations=organizations
        )
        signals.create_signals(
            seed=seed, now=now, staff=staff, organizations=organizations, climate=climate
        )
        # Channels last: attendances at events count as touches too.
        book.save()
        access.save()
        close_old_follow_ups(now=now)
        # What the hourly task would have recorded at every month start of the history.
        states.record_missing_months(now=now)
        return DemoSummary(created=True, counts=count_rows())


def close_old_follow_ups(*, now: dt.datetime, settled_after: dt.timedelta = FOLLOW_UPS_SETTLED):
    """Follow-ups older than two weeks were dealt with at the time: record their reminders
    as resolved, so that the sweep reminds only of the recent ones."""
    through = Exchange.officers.through
    due = through.objects.filter(exchange__follow_up_on__lt=(now - settled_after).date())
    Reminder.objects.bulk_create(
        (
            Reminder(
                kind=Reminder.Kind.FOLLOW_UP,
                recipient_id=row.user_id,
                exchange_id=row.exchange_id,
                due_at=dt.datetime.combine(row.exchange.follow_up_on, dt.time(), tzinfo=dt.UTC),
                status=Reminder.Status.RESOLVED,
                created_at=now - settled_after,
                closed_at=now - settled_after,
            )
            for row in due.select_related("exchange").order_by("pk")
        ),
        batch_size=500,
    )


def is_demo_present() -> bool:
    """The demo officers' usernames mark a seeded database."""
    usernames = [member.username for member in vocabulary.STAFF]
    return get_user_model().objects.filter(username__in=usernames).exists()


def count_rows() -> dict[str, int]:
    """Rows in the whole database (demo or not) for each model the demo writes."""
    models = (
        get_user_model(), Team, OfficerProfile, Organization, Tag, Contact, Grant, Affiliation,
        Channel, Exchange, Climate, Event, Invitation, Programme, Signal,
    )  # fmt: skip
    return {model._meta.verbose_name_plural: model.objects.count() for model in models}
