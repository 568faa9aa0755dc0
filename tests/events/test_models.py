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
