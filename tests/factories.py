"""factory-boy factories for every model; one place for the whole suite."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from contacts import models as contacts
from events import models as events
from indicators import models as indicators


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@mission.example")
    password = factory.django.Password("correct horse battery staple")
    is_active = True

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or []:
            # get_or_create: transactional tests flush the groups the migration made.
            self.groups.add(Group.objects.get_or_create(name=name)[0])

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        for team in extracted or []:
            team.members.add(self)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = contacts.Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"team {n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = contacts.Organization

    name = factory.Sequence(lambda n: f"Institute {n}")
    kind = contacts.Organization.Kind.UNIVERSITY
    country = "IL"
    city = "Tel Aviv"


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = contacts.Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag{n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = contacts.Contact
        skip_postgeneration_save = True

    full_name = factory.Sequence(lambda n: f"Contact {n}")
    native_name = ""
    category = contacts.Contact.Category.ACADEMIC
    layer = contacts.Layer.CIVIL_EPISTEMIC
    sensitivity = contacts.Sensitivity.STANDARD
    owner = factory.SubFactory(UserFactory, roles=["officer"])
    country = "IL"

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        for tag in extracted or []:
            self.tags.add(tag)


class GrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = contacts.Grant

    contact = factory.SubFactory(ContactFactory)
    user = factory.SubFactory(UserFactory, roles=["officer"])


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = contacts.Affiliation

    contact = factory.SubFactory(ContactFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = "Senior fellow"
    starts_on = dt.date(2024, 1, 1)


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = contacts.Channel

    contact = factory.SubFactory(ContactFactory)
    officer = factory.SubFactory(UserFactory, roles=["officer"])
    kind = contacts.Channel.Kind.INFORMAL
    priority = contacts.Channel.Priority.NORMAL
    cadence_days = 30


class ExchangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = contacts.Exchange
        skip_postgeneration_save = True

    occurred_at = factory.LazyFunction(timezone.now)
    kind = contacts.Exchange.Kind.MEETING
    summary = "Coffee on the conference sidelines."

    @factory.post_generation
    def contacts(self, create, extracted, **kwargs):
        for contact in extracted or []:
            self.contacts.add(contact)

    @factory.post_generation
    def officers(self, create, extracted, **kwargs):
        for officer in extracted or []:
            self.officers.add(officer)


class ClimateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = contacts.Climate

    level = contacts.Climate.Level.NORMAL
    started_at = factory.LazyFunction(timezone.now)


class ReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = contacts.Reminder

    kind = contacts.Reminder.Kind.CHANNEL_DUE
    channel = factory.SubFactory(ChannelFactory)
    recipient = factory.SelfAttribute("channel.officer")
    due_at = factory.LazyFunction(timezone.now)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = events.Event
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Round-table {n}")
    kind = events.Event.Kind.ACADEMIC
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + dt.timedelta(hours=2))
    timezone = "Asia/Jerusalem"
    venue = "Residence"
    layer = contacts.Layer.CIVIL_EPISTEMIC

    @factory.post_generation
    def planners(self, create, extracted, **kwargs):
        for planner in extracted or []:
            self.planners.add(planner)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = events.Invitation

    event = factory.SubFactory(EventFactory)
    contact = factory.SubFactory(ContactFactory)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = events.Programme

    title = factory.Sequence(lambda n: f"Programme {n}")
    kind = events.Programme.Kind.JOINT_RESEARCH
    starts_on = dt.date(2025, 9, 1)
    layer = contacts.Layer.CIVIL_EPISTEMIC


class CalendarFeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = events.CalendarFeed

    user = factory.SubFactory(UserFactory, roles=["officer"])


class SignalFactory(factory.django.DjangoModelFactory):
    """A coordination meeting by default: the one kind that needs no outlet or tone."""

    class Meta:
        model = indicators.Signal

    kind = indicators.Signal.Kind.COORDINATION
    occurred_on = dt.date(2026, 2, 1)
    title = factory.Sequence(lambda n: f"Signal {n}")
    outcome = indicators.Signal.Outcome.HELD
    layer = factory.LazyAttribute(lambda signal: indicators.Signal.default_layer(signal.kind))
