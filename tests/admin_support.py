"""The Django admin tests' shared data set and helpers (loaded as a plugin by tests/conftest.py):
one contact of each sensitivity, one of them hidden from the owner, and every kind of row
that names a contact."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contacts import imports, states
from contacts.models import (
    AccessLog,
    Climate,
    ContactMerge,
    DuplicatePair,
    ErasureRecord,
    OfficerProfile,
    Reminder,
    Sensitivity,
)
from events.models import CalendarFeed, EventReminder
from tests import factories

INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices."


def admin_url(model_or_obj, view, *args):
    opts = model_or_obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def make_staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def changelist_names(response):
    return sorted(str(row) for row in response.context["cl"].result_list)


@pytest.fixture
def admin_network(owner, teammate, outsider, grantee, planner):
    """A small network: one contact of each sensitivity, one of them hidden from the owner."""
    org = factories.OrganizationFactory(name="Hebrew University", native_name="האוניברסיטה העברית")
    standard = factories.ContactFactory(
        full_name="Sasha Standard",
        native_name="Саша Стандартова",
        owner=outsider,
        organization=org,
        tags=[factories.TagFactory(name="alumni")],
    )
    teammates_restricted = factories.ContactFactory(
        full_name="Rina Restricted", owner=teammate, sensitivity=Sensitivity.RESTRICTED
    )
    outsiders_restricted = factories.ContactFactory(
        full_name="Oren Restricted", owner=outsider, sensitivity=Sensitivity.RESTRICTED
    )
    owners_protected = factories.ContactFactory(
        full_name="Olga Protected", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    hidden = factories.ContactFactory(
        full_name="Hidden Hanna",
        native_name="Ханна Скрытая",
        owner=outsider,
        sensitivity=Sensitivity.PROTECTED,
        country="IR",
    )
    factories.GrantFactory(contact=hidden, user=grantee)
    factories.AffiliationFactory(contact=standard, organization=org, role="Visible role")
    factories.AffiliationFactory(contact=hidden, organization=org, role="Hidden role")
    visible_channel = factories.ChannelFactory(contact=standard, officer=owner)
    factories.ChannelFactory(contact=hidden, officer=outsider)
    factories.ExchangeFactory(contacts=[standard], officers=[owner], summary="Visible coffee")
    secret_exchange = factories.ExchangeFactory(
        contacts=[standard, hidden], officers=[outsider], summary="Secret dinner"
    )
    factories.ReminderFactory(channel=visible_channel)
    factories.ReminderFactory(
        kind=Reminder.Kind.FOLLOW_UP, channel=None, exchange=secret_exchange, recipient=owner
    )
    factories.ClimateFactory(level=Climate.Level.ELEVATED, note="Tense week")
    factories.SignalFactory(title="Hotline call")
    OfficerProfile.objects.create(user=owner, timezone="Asia/Jerusalem")
    event = factories.EventFactory(title="Spring forum", planners=[planner])
    event.host_organization = org
    event.save(update_fields=["host_organization"])
    visible_invitation = factories.InvitationFactory(event=event, contact=standard)
    hidden_invitation = factories.InvitationFactory(event=event, contact=hidden)
    programme = factories.ProgrammeFactory(title="Joint lab")
    programme.partners.add(org)
    programme.participants.add(standard, hidden)
    programme.officers.add(owner)
    AccessLog.objects.record(
        user=owner, contacts=[owners_protected], surface=AccessLog.Surface.WEB, now=timezone.now()
    )
    ErasureRecord.objects.create(
        erased_contact_id=999, erased_by=owner, erased_at=timezone.now(), reason="Request"
    )
    prep = factories.ReminderFactory(kind=Reminder.Kind.EVENT_PREP, channel=None, recipient=planner)
    EventReminder.objects.create(
        reminder=prep, event=event, kind=Reminder.Kind.EVENT_PREP, recipient=planner
    )
    CalendarFeed.objects.create(user=planner)
    # The duplicates' queue (a pair with a hidden contact) and a merge into a visible one.
    DuplicatePair.objects.create(
        contact_a=standard, contact_b=hidden, score=70, reasons=["name"], found_at=timezone.now()
    )
    ContactMerge.objects.create(
        kept=standard, merged_contact_id=998, merged_by=owner, merged_at=timezone.now()
    )
    # A previewed import (its batch and rows) naming a visible contact and a new person.
    batch = imports.start_import(
        user=owner,
        file=SimpleUploadedFile(
            "network.csv", f"ID,Full name,Category\n{standard.pk},,\n,Dora New,academic\n".encode()
        ),
        now=timezone.now(),
    )
    imports.preview_batch(batch_id=batch.pk)
    states.record_months([timezone.now().date().replace(day=1)], now=timezone.now())
    return SimpleNamespace(
        org=org,
        standard=standard,
        teammates_restricted=teammates_restricted,
        outsiders_restricted=outsiders_restricted,
        owners_protected=owners_protected,
        hidden=hidden,
        secret_exchange=secret_exchange,
        event=event,
        visible_invitation=visible_invitation,
        hidden_invitation=hidden_invitation,
        programme=programme,
    )


def view_only_staff(*codenames):
    """A staff user holding ``codenames`` and the analyst's role, whose own permissions are
    views of organizations, the climate, events and programmes only: a role makes a user
    staff, who may see anything (contacts.querysets._can_see_anything)."""
    viewer = make_staff(factories.UserFactory(username="viewer", roles=["analyst"]))
    viewer.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return viewer
