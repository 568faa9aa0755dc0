"""Integrity rules that the database itself enforces (PostgreSQL)."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import Affiliation, Channel, Climate, Reminder
from tests import factories


def _refused(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_one_channel_per_contact_and_officer(db):
    channel = factories.ChannelFactory()

    assert _refused(
        lambda: Channel.objects.create(contact=channel.contact, officer=channel.officer)
    )
    assert Channel.objects.count() == 1


def test_cadence_must_be_positive(db):
    assert _refused(lambda: factories.ChannelFactory(cadence_days=0))
    assert Channel.objects.count() == 0


def test_cadence_of_one_day_is_accepted(db):
    assert factories.ChannelFactory(cadence_days=1).cadence_days == 1


def test_affiliation_cannot_end_before_it_starts(db):
    assert _refused(
        lambda: factories.AffiliationFactory(
            starts_on=dt.date(2025, 5, 1), ends_on=dt.date(2025, 4, 30)
        )
    )
    assert Affiliation.objects.count() == 0


def test_at_most_one_pending_channel_due_reminder_per_channel(db):
    reminder = factories.ReminderFactory()

    assert _refused(lambda: factories.ReminderFactory(channel=reminder.channel))
    assert _refused(
        lambda: factories.ReminderFactory(
            channel=reminder.channel,
            status=Reminder.Status.SNOOZED,
            snoozed_until=timezone.now(),
        )
    )
    assert Reminder.objects.count() == 1


def test_a_closed_channel_due_reminder_does_not_block_a_new_one(db):
    reminder = factories.ReminderFactory(status=Reminder.Status.RESOLVED)

    factories.ReminderFactory(channel=reminder.channel)

    assert Reminder.objects.filter(channel=reminder.channel).count() == 2


def test_a_snoozed_reminder_needs_a_time_to_come_back(db):
    assert _refused(lambda: factories.ReminderFactory(status=Reminder.Status.SNOOZED))


def test_channel_due_reminder_needs_its_channel(db):
    officer = factories.UserFactory()

    assert _refused(
        lambda: Reminder.objects.create(
            kind=Reminder.Kind.CHANNEL_DUE, recipient=officer, due_at=timezone.now()
        )
    )


def test_one_follow_up_reminder_per_exchange_and_officer(db):
    officer = factories.UserFactory()
    exchange = factories.ExchangeFactory(officers=[officer])

    def follow_up():
        Reminder.objects.create(
            kind=Reminder.Kind.FOLLOW_UP,
            recipient=officer,
            exchange=exchange,
            due_at=timezone.now(),
        )

    follow_up()
    assert _refused(follow_up)


def test_no_climate_record_means_normal(db):
    assert Climate.objects.level_at(timezone.now()) == "normal"


def test_climate_level_is_the_latest_started_record(db):
    now = timezone.now()
    factories.ClimateFactory(level="elevated", started_at=now - dt.timedelta(days=10))
    factories.ClimateFactory(level="crisis", started_at=now - dt.timedelta(days=1))
    factories.ClimateFactory(level="normal", started_at=now + dt.timedelta(days=1))

    assert Climate.objects.level_at(now) == "crisis"
    assert Climate.objects.level_at(now - dt.timedelta(days=5)) == "elevated"
    assert Climate.objects.level_at(now - dt.timedelta(days=30)) == "normal"


def test_an_organization_is_referenced_by_any_contact_affiliation_event_programme_or_signal(db):
    namers = {
        "contact": lambda org: factories.ContactFactory(organization=org),
        "affiliation": lambda org: factories.AffiliationFactory(organization=org),
        "event": lambda org: factories.EventFactory(host_organization=org),
        "programme": lambda org: factories.ProgrammeFactory().partners.add(org),
        "signal": lambda org: factories.SignalFactory(organization=org),
    }
    for name, name_it in namers.items():
        organization = factories.OrganizationFactory(name=f"Named by a {name}")
        assert organization.is_referenced() is False, name

        name_it(organization)

        assert organization.is_referenced() is True, name
