"""Integrity rules of events, invitations and programmes (PostgreSQL)."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from events.models import Event, Invitation, Programme
from tests import factories


def test_an_event_must_end_after_it_starts(db):
    event = factories.EventFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(ends_at=event.starts_at)

    event.refresh_from_db()
    assert event.ends_at > event.starts_at


def test_event_capacity_must_be_positive_when_set(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.EventFactory(capacity=0)

    assert Event.objects.count() == 0


def test_one_invitation_per_event_and_contact(db):
    invitation = factories.InvitationFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(event=invitation.event, contact=invitation.contact)

    assert Invitation.objects.count() == 1


def test_a_programme_cannot_end_before_it_starts(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ProgrammeFactory(starts_on=dt.date(2025, 9, 1), ends_on=dt.date(2025, 8, 31))

    assert Programme.objects.count() == 0


NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("ends_at", "status", "is_open"),
    [
        (NOW + dt.timedelta(minutes=1), Event.Status.PLANNED, True),
        (NOW + dt.timedelta(minutes=1), Event.Status.HELD, True),
        (NOW + dt.timedelta(minutes=1), Event.Status.CANCELLED, False),
        (NOW, Event.Status.CONFIRMED, False),
    ],
    ids=["planned", "held", "cancelled", "just over"],
)
def test_open_for_answers_is_one_rule_for_an_event_and_for_a_queryset(db, ends_at, status, is_open):
    event = factories.EventFactory(
        starts_at=ends_at - dt.timedelta(hours=2), ends_at=ends_at, status=status
    )

    assert event.is_open_for_answers(NOW) is is_open
    assert Event.objects.open_for_answers(NOW).filter(pk=event.pk).exists() is is_open


def test_planned_or_attended_by_lists_each_event_once_and_says_whether_planned(planner, owner):
    planned = factories.EventFactory(planners=[planner])
    attended = factories.EventFactory()
    attended.attending_officers.add(planner)
    both = factories.EventFactory(planners=[planner])
    both.attending_officers.add(planner)
    factories.EventFactory(planners=[owner]).attending_officers.add(owner)

    events = Event.objects.planned_or_attended_by(planner).order_by("pk")

    assert [(event, event.is_planner) for event in events] == [
        (planned, True),
        (attended, False),
        (both, True),
    ]
