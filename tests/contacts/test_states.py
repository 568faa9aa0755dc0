"""The channels' recorded month-start states (contacts.states): the bits the keep-in-touch
rule gives at each month start, which months get recorded, and their upkeep when exchanges
change. The indicators' figures from these states are in tests/indicators/test_measures.py."""

import datetime as dt
import zoneinfo

import pytest
from django.test import override_settings
from django_celery_beat.models import PeriodicTask

from contacts import services, states
from contacts.models import ChannelState, RecordedMonth
from tests import factories
from tests.conftest import api

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 4, 10, 12, 0, tzinfo=dt.UTC)
JAN, FEB, MAR, APR = (dt.date(2026, month, 1) for month in (1, 2, 3, 4))


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=dt.UTC)


def recorded_months() -> list[dt.date]:
    return list(RecordedMonth.objects.order_by("starts_on").values_list("starts_on", flat=True))


def bits(channel, year=2026) -> str:
    """The channel's recorded year, January on the right."""
    return f"{ChannelState.objects.get(channel=channel, year=year).kept_up:012b}"


@pytest.fixture
def channel(owner):
    """Informal, 30 days, opened 20 November; touched 5 January and 20 March."""
    contact = factories.ContactFactory(owner=owner)
    channel = factories.ChannelFactory(
        officer=owner, contact=contact, cadence_days=30, created_at=at("2025-11-20")
    )
    for day in ("2026-01-05", "2026-03-20"):
        factories.ExchangeFactory(occurred_at=at(day), contacts=[contact], officers=[owner])
    services.record_touches(contact_ids=[contact.pk], officer_ids=[owner.pk], now=NOW)
    return channel


def test_each_month_start_gets_the_keep_in_touch_rules_answer(channel):
    states.record_months([dt.date(2025, 12, 1), JAN, FEB, MAR, APR], now=NOW)

    # 1 Dec: opened 11 days before (kept). 1 Jan: 42 days without a touch. 1 Feb: touched
    # 5 Jan (kept). 1 Mar: 55 days. 1 Apr: touched 20 Mar (kept).
    assert bits(channel, 2025) == "100000000000"
    assert bits(channel) == "000000001010"
    assert recorded_months() == [dt.date(2025, 12, 1), JAN, FEB, MAR, APR]


def test_the_climate_in_force_at_each_month_start_shortens_informal_cadences(channel):
    # From 15 March under crisis (a quarter of the cadence: 7.5 days): on 1 April the
    # touch of 20 March is 12 days old.
    factories.ClimateFactory(level="crisis", started_at=at("2026-03-15"))

    states.record_months([MAR, APR], now=NOW)

    assert bits(channel) == "000000000000"


def test_recording_some_months_keeps_the_bits_of_the_others(channel, owner):
    states.record_months([FEB, MAR, APR], now=NOW)
    # An exchange saved without the service (as a data import would) is not seen until the
    # month is recorded again; recording March alone leaves February's and April's bits.
    factories.ExchangeFactory(
        occurred_at=at("2026-02-25"), contacts=[channel.contact], officers=[owner]
    )

    states.record_months([MAR], now=NOW)

    assert bits(channel) == "000000001110"


def test_logging_a_late_exchange_records_its_months_again(channel, owner):
    states.record_months([FEB, MAR, APR], now=NOW)

    exchange = services.log_exchange(
        created_by=owner,
        contacts=[channel.contact],
        officers=[owner],
        kind="call",
        occurred_at=at("2026-02-25"),
        summary="Late entry",
        now=NOW,
    )

    assert bits(channel) == "000000001110"
    exchange.delete()
    services.record_touches(contact_ids=[channel.contact_id], officer_ids=[owner.pk], now=NOW)
    assert bits(channel) == "000000001010"


def test_missing_months_run_from_the_first_channel_to_now_and_only_once(channel):
    assert states.missing_months(NOW) == [
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
        JAN,
        FEB,
        MAR,
        APR,
    ]

    assert states.record_missing_months(now=NOW) == 6
    assert states.record_missing_months(now=NOW) == 0
    assert states.record_missing_months(now=dt.datetime(2026, 5, 1, 0, 1, tzinfo=dt.UTC)) == 1
    # November 2025 is recorded although the channel was opened after its start: not kept.
    assert bits(channel, 2025) == "100000000000"


def test_no_channel_no_month(db):
    assert states.missing_months(NOW) == []
    assert states.record_missing_months(now=NOW) == 0


def test_a_future_month_start_is_never_recorded(channel):
    assert states.record_months([dt.date(2026, 5, 1)], now=NOW) == 0
    assert not RecordedMonth.objects.exists()


@override_settings(TIME_ZONE="Asia/Jerusalem")
def test_month_starts_are_midnight_in_the_missions_time_zone(channel):
    states.record_months([APR], now=NOW)

    recorded = RecordedMonth.objects.get()
    assert recorded.starts_at == dt.datetime(2026, 4, 1, tzinfo=zoneinfo.ZoneInfo("Asia/Jerusalem"))
    assert recorded.starts_at == dt.datetime(2026, 3, 31, 21, 0, tzinfo=dt.UTC)


def test_the_hourly_task_is_in_the_beat_schedule(db):
    task = PeriodicTask.objects.get(task="contacts.record_channel_states")

    assert task.enabled
    assert (task.interval.every, task.interval.period) == (1, "hours")


def test_a_climate_level_dated_in_the_past_unrecords_the_months_after_it(channel, admin_user):
    states.record_months([FEB, MAR, APR], now=NOW)
    client = api(admin_user)

    response = client.post(
        "/api/v1/climate/",
        {"level": "crisis", "started_at": "2026-03-15T10:00:00Z"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert list(
        RecordedMonth.objects.order_by("starts_on").values_list("starts_on", flat=True)
    ) == [FEB, MAR]
    assert states.missing_months(NOW)[-1] == APR
    # Recorded again under the crisis (7.5 days): on 1 April the touch of 20 March is late.
    states.record_missing_months(now=NOW)
    assert bits(channel) == "000000000010"


def test_a_climate_level_edited_in_the_admin_unrecords_the_months_after_it(
    client, channel, admin_user
):
    level = factories.ClimateFactory(level="crisis", started_at=at("2026-05-15"))
    states.record_months([FEB, MAR, APR], now=NOW)
    client.force_login(admin_user)

    response = client.post(
        f"/admin/contacts/climate/{level.pk}/change/",
        {"level": "crisis", "started_at_0": "2026-03-15", "started_at_1": "10:00:00", "note": ""},
    )

    assert response.status_code == 302, response.content
    assert list(
        RecordedMonth.objects.order_by("starts_on").values_list("starts_on", flat=True)
    ) == [FEB, MAR]


def test_a_month_recorded_in_another_time_zone_is_missing(channel):
    states.record_months([MAR, APR], now=NOW)

    with override_settings(TIME_ZONE="Asia/Jerusalem"):
        assert states.missing_months(NOW)[-2:] == [MAR, APR]
        states.record_missing_months(now=NOW)
        assert RecordedMonth.objects.get(starts_on=APR).starts_at == dt.datetime(
            2026, 3, 31, 21, 0, tzinfo=dt.UTC
        )
