"""One write path per state change, whatever the surface: editing an exchange goes through
``services.update_exchange`` (and logging one in the admin through ``log_exchange``), and a
climate level through ``record_climate_level``, ``change_climate_level`` and
``delete_climate_levels``, from the web pages, the REST API and the admin alike.

Each test asserts an effect that only the service has (the exchange's channel counted again
and its reminder resolved; the month-start states after a level forgotten): a surface that
saved the row itself would fail it.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts import services, states
from contacts.models import Climate, Exchange, RecordedMonth, Reminder
from tests import factories
from tests.conftest import api
from tests.contacts.api_support import API, iso

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")

DAY = dt.timedelta(days=1)
FUTURE = "An exchange cannot be logged in the future."


def _admin_moment(moment: dt.datetime, field: str) -> dict:
    """A moment as the admin's split date and time widgets post it (a user without a
    profile types in the default time zone)."""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return {f"{field}_0": local.strftime("%Y-%m-%d"), f"{field}_1": local.strftime("%H:%M:%S")}


# Exchanges


@pytest.fixture
def overdue(owner, standard):
    """The owner's 30-day channel to a contact, opened 60 days ago and last touched by an
    exchange 45 days ago: overdue, with an open channel_due reminder."""
    now = timezone.now()
    channel = factories.ChannelFactory(officer=owner, contact=standard, created_at=now - 60 * DAY)
    exchange = services.log_exchange(
        occurred_at=now - 45 * DAY,
        kind=Exchange.Kind.MEETING,
        contacts=[standard],
        officers=[owner],
        summary="Lunch.",
        created_by=owner,
        now=now,
    )
    factories.ReminderFactory(channel=channel)
    return exchange


def _edit_on_the_web(client, owner, admin_user, exchange, moved_to):
    client.force_login(owner)
    return client.post(
        reverse("contacts:exchange_edit", args=[exchange.pk]),
        {
            "contacts": [contact.pk for contact in exchange.contacts.all()],
            "officers": [owner.pk],
            # A user without a profile types times in settings.TIME_ZONE.
            "occurred_at": timezone.localtime(moved_to, timezone.get_default_timezone()).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "kind": exchange.kind,
            "summary": "Lunch, moved.",
            "topics": "",
            "notes": "",
            "follow_up_on": "",
        },
    )


def _edit_through_the_api(client, owner, admin_user, exchange, moved_to):
    return api(owner).patch(
        f"{API}/exchanges/{exchange.pk}/",
        {"occurred_at": iso(moved_to), "summary": "Lunch, moved."},
        format="json",
    )


def _edit_in_the_admin(client, owner, admin_user, exchange, moved_to):
    client.force_login(admin_user)
    return client.post(
        reverse("admin:contacts_exchange_change", args=[exchange.pk]),
        {
            **_admin_moment(moved_to, "occurred_at"),
            "kind": exchange.kind,
            "contacts": [contact.pk for contact in exchange.contacts.all()],
            "officers": [owner.pk],
            "summary": "Lunch, moved.",
            "notes": "",
            "topics": "[]",
            "follow_up_on": "",
            "created_by": owner.pk,
        },
    )


EDITS = {"web": _edit_on_the_web, "api": _edit_through_the_api, "admin": _edit_in_the_admin}


@pytest.mark.parametrize("surface", list(EDITS))
def test_an_exchange_moved_on_any_surface_counts_as_its_channel_s_touch(
    client, owner, admin_user, overdue, surface
):
    moved_to = (timezone.now() - DAY).replace(second=0, microsecond=0)

    response = EDITS[surface](client, owner, admin_user, overdue, moved_to)

    assert response.status_code == {"web": 302, "api": 200, "admin": 302}[surface]
    overdue.refresh_from_db()
    assert (overdue.occurred_at, overdue.summary) == (moved_to, "Lunch, moved.")
    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.RESOLVED
    assert reminder.channel.last_touch_at == moved_to


def test_an_exchange_logged_in_the_admin_counts_as_its_channel_s_touch(
    client, owner, admin_user, standard
):
    channel = factories.ChannelFactory(
        officer=owner, contact=standard, created_at=timezone.now() - 60 * DAY
    )
    reminder = factories.ReminderFactory(channel=channel)
    occurred_at = (timezone.now() - DAY).replace(second=0, microsecond=0)
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:contacts_exchange_add"),
        {
            **_admin_moment(occurred_at, "occurred_at"),
            "kind": Exchange.Kind.CALL,
            "contacts": [standard.pk],
            "officers": [owner.pk],
            "summary": "A call.",
            "notes": "",
            "topics": "[]",
            "follow_up_on": "",
            "created_by": "",
        },
    )

    exchange = Exchange.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:contacts_exchange_changelist")
    assert (exchange.occurred_at, exchange.summary) == (occurred_at, "A call.")
    assert list(exchange.contacts.all()) == [standard]
    assert list(exchange.officers.all()) == [owner]
    channel.refresh_from_db()
    reminder.refresh_from_db()
    assert channel.last_touch_at == occurred_at
    assert reminder.status == Reminder.Status.RESOLVED


def test_the_admin_refuses_to_log_an_exchange_in_the_future(client, owner, admin_user, standard):
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:contacts_exchange_add"),
        {
            **_admin_moment(timezone.now() + DAY, "occurred_at"),
            "kind": Exchange.Kind.CALL,
            "contacts": [standard.pk],
            "officers": [owner.pk],
            "summary": "A call tomorrow.",
            "notes": "",
            "topics": "[]",
            "follow_up_on": "",
            "created_by": "",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"occurred_at": [FUTURE]}
    assert Exchange.objects.exists() is False


def test_the_admin_refuses_to_move_an_exchange_into_the_future(client, owner, admin_user, overdue):
    occurred_at = overdue.occurred_at
    client.force_login(admin_user)

    response = _edit_in_the_admin(client, owner, admin_user, overdue, timezone.now() + DAY)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"occurred_at": [FUTURE]}
    overdue.refresh_from_db()
    assert (overdue.occurred_at, overdue.summary) == (occurred_at, "Lunch.")
    assert Reminder.objects.get().status == Reminder.Status.OPEN


# Climate levels


@pytest.fixture
def recorded():
    """The month starts of the last three months, recorded; returns them, oldest first."""
    now = timezone.now()
    this_month = now.date().replace(day=1)
    last_month = (this_month - DAY).replace(day=1)
    months = [(last_month - DAY).replace(day=1), last_month, this_month]
    states.record_months(months, now=now)
    return months


def _recorded_months() -> list[dt.date]:
    return list(RecordedMonth.objects.order_by("starts_on").values_list("starts_on", flat=True))


def _within(month: dt.date) -> dt.datetime:
    """The tenth of ``month`` at noon, in the mission's time zone: after its month start."""
    return states.month_instant(month) + dt.timedelta(days=9, hours=12)


def test_a_level_recorded_through_the_api_forgets_the_months_after_it(admin_user, recorded):
    started_at = _within(recorded[1])

    response = api(admin_user).post(
        f"{API}/climate/", {"level": "crisis", "started_at": iso(started_at)}, format="json"
    )

    assert response.status_code == 201, response.content
    assert Climate.objects.get().started_at == started_at
    assert _recorded_months() == recorded[:2]


def test_a_level_recorded_in_the_admin_forgets_the_months_after_it(client, admin_user, recorded):
    started_at = _within(recorded[1]).replace(microsecond=0)
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:contacts_climate_add"),
        {"level": "crisis", **_admin_moment(started_at, "started_at"), "note": "Recall."},
    )

    assert response.status_code == 302
    climate = Climate.objects.get()
    assert (climate.level, climate.started_at, climate.note) == ("crisis", started_at, "Recall.")
    assert _recorded_months() == recorded[:2]


def test_a_level_moved_back_in_the_admin_forgets_the_months_from_its_new_start(
    client, admin_user, recorded
):
    climate = factories.ClimateFactory(level="high", started_at=timezone.now() + 30 * DAY)
    started_at = _within(recorded[0]).replace(microsecond=0)
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:contacts_climate_change", args=[climate.pk]),
        {"level": "high", **_admin_moment(started_at, "started_at"), "note": ""},
    )

    assert response.status_code == 302
    climate.refresh_from_db()
    assert climate.started_at == started_at
    assert _recorded_months() == recorded[:1]


def test_a_level_deleted_in_the_admin_forgets_the_months_after_it(client, admin_user, recorded):
    climate = factories.ClimateFactory(level="crisis", started_at=_within(recorded[1]))
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:contacts_climate_delete", args=[climate.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert Climate.objects.exists() is False
    assert _recorded_months() == recorded[:2]


def test_levels_deleted_from_the_admin_list_forget_the_months_from_the_earliest(
    client, admin_user, recorded
):
    earlier, later = (
        factories.ClimateFactory(level="crisis", started_at=_within(month))
        for month in recorded[:2]
    )
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:contacts_climate_changelist"),
        {"action": "delete_selected", "_selected_action": [earlier.pk, later.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert Climate.objects.exists() is False
    assert _recorded_months() == recorded[:1]
