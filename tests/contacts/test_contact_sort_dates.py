"""The channel dates stored on each contact (the contacts list's last touch and next due,
and its sorts by them) stay equal to what its channels say, whichever way a channel or its
exchanges change, under every climate level; a new climate level needs no writing, and
dates stored under other cadence factors are computed instead until the sweep stores them
again."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts import services
from contacts.models import Channel, Climate, Contact, Exchange
from contacts.models.network import CHANNEL_DUE_FIELDS
from contacts.tasks import sweep_reminders
from tests import factories
from tests.contacts.pages import days_ago, listed_ids

LIST = reverse("contacts:list")


def _expected_due(contact, factor: float):
    """The soonest next due moment of the contact's active channels, by the rule written
    out in Python (README, "Keep-in-touch engine")."""
    moments = []
    for channel in Channel.objects.filter(contact=contact, status=Channel.Status.ACTIVE):
        touched_or_created = channel.last_touch_at or channel.created_at
        counted_from = max(touched_or_created, channel.count_restarted_at or touched_or_created)
        hours = channel.cadence_days * 24 * (factor if channel.kind == "informal" else 1)
        moments.append(counted_from + dt.timedelta(hours=hours))
    return min(moments, default=None)


def assert_stored_right(settings, *contacts):
    for contact in contacts:
        stored = Contact.objects.get(pk=contact.pk)
        last_touch = Channel.objects.filter(contact=contact).aggregate(at=Max("last_touch_at"))
        assert stored.channels_last_touch_at == last_touch["at"], contact
        for level, field in CHANNEL_DUE_FIELDS.items():
            expected = _expected_due(contact, settings.CLIMATE_FACTORS[level])
            assert getattr(stored, field) == expected, (contact, level)
    assert not Contact.objects.with_stale_channel_dates().exists()


@pytest.fixture
def pair(owner, teammate):
    first = factories.ContactFactory(full_name="First Contact", owner=owner)
    second = factories.ContactFactory(full_name="Second Contact", owner=owner)
    return first, second


def test_a_contact_without_channels_has_no_dates(settings, pair):
    first, _ = pair

    stored = Contact.objects.get(pk=first.pk)

    assert stored.channels_last_touch_at is None
    assert all(getattr(stored, field) is None for field in CHANNEL_DUE_FIELDS.values())
    assert_stored_right(settings, first)


def test_the_dates_follow_exchanges_logged_edited_and_deleted(settings, owner, teammate, pair):
    first, second = pair
    now = timezone.now()
    factories.ChannelFactory(officer=owner, contact=first, created_at=days_ago(90))
    factories.ChannelFactory(
        officer=teammate, contact=first, created_at=days_ago(90), kind="formal", cadence_days=20
    )
    assert_stored_right(settings, first)

    exchange = services.log_exchange(
        occurred_at=days_ago(10),
        kind=Exchange.Kind.MEETING,
        contacts=[first, second],
        officers=[owner],
        summary="Lunch",
        now=now,
    )
    assert Contact.objects.get(pk=first.pk).channels_last_touch_at == days_ago_exact(exchange)
    assert_stored_right(settings, first, second)

    services.update_exchange(exchange, occurred_at=days_ago(50), now=now)
    assert_stored_right(settings, first, second)

    services.delete_exchange(exchange, now=now)
    assert Contact.objects.get(pk=first.pk).channels_last_touch_at is None
    assert_stored_right(settings, first, second)


def days_ago_exact(exchange):
    return Exchange.objects.filter(pk=exchange.pk).values_list("occurred_at", flat=True).get()


def test_the_dates_follow_a_dismissal_and_every_change_of_a_channel(settings, owner, pair):
    first, second = pair
    now = timezone.now()
    channel = factories.ChannelFactory(officer=owner, contact=first, created_at=days_ago(60))
    reminder = factories.ReminderFactory(channel=channel)

    services.dismiss_reminder(reminder=reminder, now=now)
    assert Contact.objects.get(pk=first.pk).channels_due_normal_at == now + dt.timedelta(days=30)
    assert_stored_right(settings, first)

    for change in (
        {"cadence_days": 7},
        {"kind": Channel.Kind.FORMAL},
        {"status": Channel.Status.PAUSED},
        {"status": Channel.Status.ACTIVE},
        {"status": Channel.Status.CLOSED},
    ):
        services.change_channel(channel, now=timezone.now(), **change)
        assert_stored_right(settings, first)

    # Moved to another contact (the API's PUT): both contacts' dates change.
    services.change_channel(channel, now=timezone.now(), contact=second, status="active")
    assert Contact.objects.get(pk=first.pk).channels_due_normal_at is None
    assert_stored_right(settings, first, second)

    channel.delete()
    assert_stored_right(settings, first, second)


def test_the_dates_follow_channels_written_in_bulk(settings, owner, teammate, pair):
    first, second = pair
    Channel.objects.bulk_create(
        [
            Channel(
                officer=owner, contact=first, created_at=days_ago(40), last_touch_at=days_ago(3)
            ),
            Channel(officer=teammate, contact=first, created_at=days_ago(20)),
        ]
    )
    assert_stored_right(settings, first)

    Channel.objects.filter(contact=first).update(cadence_days=5)
    assert_stored_right(settings, first)

    Channel.objects.filter(contact=first, officer=owner).update(contact=second)
    assert_stored_right(settings, first, second)

    channels = list(Channel.objects.filter(contact__in=[first, second]))
    for channel in channels:
        channel.last_touch_at = days_ago(1)
    Channel.objects.bulk_update(channels, ["last_touch_at"])
    assert_stored_right(settings, first, second)

    # A cascade: an officer leaves, and their channels with them.
    teammate.delete()
    assert_stored_right(settings, first, second)


def test_saving_a_contact_loaded_before_its_channel_changed_keeps_the_dates(settings, owner, pair):
    first, _ = pair
    loaded = Contact.objects.get(pk=first.pk)  # say, an edit form opened a minute ago
    factories.ChannelFactory(officer=owner, contact=first, last_touch_at=days_ago(2))

    loaded.phone = "+972 2 000 0000"
    loaded.save()

    assert Contact.objects.get(pk=first.pk).channels_last_touch_at == days_ago_exact_touch(first)
    assert_stored_right(settings, first)


def days_ago_exact_touch(contact):
    return Channel.objects.filter(contact=contact).values_list("last_touch_at", flat=True).get()


@pytest.fixture
def informal_and_formal(owner):
    """Due in 10 days (informal, every 30 days, touched 20 days ago) and in 5 days (formal,
    every 20 days, touched 15 days ago): under a crisis (factor 0.25) the informal one is
    overdue by 12.5 days and comes first."""
    informal = factories.ContactFactory(full_name="Ada Informal", owner=owner)
    formal = factories.ContactFactory(full_name="Bea Formal", owner=owner)
    factories.ChannelFactory(
        officer=owner, contact=informal, last_touch_at=days_ago(20), created_at=days_ago(90)
    )
    factories.ChannelFactory(
        officer=owner,
        contact=formal,
        kind="formal",
        cadence_days=20,
        last_touch_at=days_ago(15),
        created_at=days_ago(90),
    )
    return informal, formal


def test_a_new_climate_level_reorders_the_list_without_writing_a_contact(
    client, owner, informal_and_formal
):
    informal, formal = informal_and_formal
    client.force_login(owner)
    assert listed_ids(client.get(LIST, {"sort": "next_due"})) == [formal.pk, informal.pk]

    with CaptureQueriesContext(connection) as queries:
        services.record_climate_level(
            level=Climate.Level.CRISIS, started_at=timezone.now() - dt.timedelta(minutes=1)
        )

    assert not [q for q in queries.captured_queries if "contacts_contact" in q["sql"]]
    response = client.get(LIST, {"sort": "next_due"})
    assert listed_ids(response) == [informal.pk, formal.pk]
    first = response.context["page"].object_list[0]
    touched = informal.channels.get().last_touch_at
    assert first.next_due_at == touched + dt.timedelta(days=30 * 0.25)


def test_a_level_dated_in_the_future_takes_over_when_it_comes_into_force(
    client, owner, informal_and_formal, time_machine
):
    informal, formal = informal_and_formal
    client.force_login(owner)
    services.record_climate_level(
        level=Climate.Level.CRISIS, started_at=timezone.now() + dt.timedelta(minutes=10)
    )
    assert listed_ids(client.get(LIST, {"sort": "next_due"})) == [formal.pk, informal.pk]

    time_machine.move_to(timezone.now() + dt.timedelta(minutes=15))

    assert listed_ids(client.get(LIST, {"sort": "next_due"})) == [informal.pk, formal.pk]


def test_dates_stored_under_other_factors_are_computed_until_the_sweep_task_stores_them(
    client, settings, owner, informal_and_formal
):
    informal, formal = informal_and_formal
    client.force_login(owner)
    # A deployment halves the informal cadence under a normal climate: informal is then
    # due 5 days ago, before the formal one.
    settings.CLIMATE_FACTORS = {**settings.CLIMATE_FACTORS, "normal": 0.5}
    assert Contact.objects.with_stale_channel_dates().count() == Contact.objects.count()

    response = client.get(LIST, {"sort": "next_due"})

    assert listed_ids(response) == [informal.pk, formal.pk]
    expected = informal.channels.get().last_touch_at + dt.timedelta(days=15)
    assert response.context["page"].object_list[0].next_due_at == expected

    sweep_reminders()  # the periodic task, run here in process

    assert_stored_right(settings, informal, formal)
    assert listed_ids(client.get(LIST, {"sort": "next_due"})) == [informal.pk, formal.pk]


def test_the_list_sorted_by_last_touch_reads_the_stored_dates(client, owner, pair):
    first, second = pair
    untouched = factories.ContactFactory(full_name="Aaron Untouched", owner=owner)
    factories.ChannelFactory(officer=owner, contact=first, last_touch_at=days_ago(9))
    factories.ChannelFactory(officer=owner, contact=second, last_touch_at=days_ago(1))
    factories.ChannelFactory(officer=owner, contact=untouched)
    client.force_login(owner)

    response = client.get(LIST, {"sort": "last_touch"})

    assert listed_ids(response)[:3] == [second.pk, first.pk, untouched.pk]


def test_contacts_and_channels_written_in_raw_sql_are_read_right_until_stored(client, owner):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO contacts_contact (full_name, native_name, category, email, phone, "
            "country, languages, layer, sensitivity, notes, created_at, updated_at, owner_id) "
            "VALUES ('Raw Contact', '', 'academic', '', '', 'IL', '[]', 'political', "
            "'standard', '', now(), now(), %s) RETURNING id",
            [owner.pk],
        )
        (raw,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO contacts_channel (contact_id, officer_id, kind, priority, "
            "cadence_days, status, last_touch_at, created_at, updated_at) VALUES "
            "(%s, %s, 'informal', 'normal', 30, 'active', %s, %s, now())",
            [raw, owner.pk, days_ago(3), days_ago(100)],
        )
    touched = factories.ContactFactory(full_name="Older Touch", owner=owner)
    factories.ChannelFactory(officer=owner, contact=touched, last_touch_at=days_ago(8))
    client.force_login(owner)

    response = client.get(LIST, {"sort": "last_touch"})

    assert listed_ids(response) == [raw, touched.pk]
    listed = response.context["page"].object_list[0]
    assert listed.last_touch_at == Channel.objects.get(contact_id=raw).last_touch_at
    assert services.refresh_stale_contact_dates() == 1
    assert listed_ids(client.get(LIST, {"sort": "last_touch"})) == [raw, touched.pk]


def test_a_refresh_stores_the_dates_of_exactly_the_contacts_of_its_queryset(settings, pair):
    """The statement is compiled once (``_store_channel_dates``) and given the locked ids:
    the rows outside the queryset keep what they hold."""
    first, second = pair
    factories.ChannelFactory(contact=first, last_touch_at=days_ago(3))
    factories.ChannelFactory(contact=second, last_touch_at=days_ago(5))
    Contact.objects.update(channels_last_touch_at=None, channels_due_normal_at=None)

    assert Contact.objects.filter(pk=first.pk).refresh_channel_dates() == 1
    assert Contact.objects.filter(pk=second.pk).refresh_channel_dates() == 1
    assert Contact.objects.none().refresh_channel_dates() == 0

    assert_stored_right(settings, first, second)
    Contact.objects.filter(pk=second.pk).update(channels_due_normal_at=None)
    assert Contact.objects.filter(pk=first.pk).refresh_channel_dates() == 1
    assert Contact.objects.get(pk=second.pk).channels_due_normal_at is None
