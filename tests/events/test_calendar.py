"""iCalendar documents, built by events.calendar and read back with icalendar: a stable
UID, a SEQUENCE that follows the event's changes, the event's own zone, and the feed."""

import datetime as dt

import icalendar
import pytest
from django.urls import reverse

from events import calendar, services
from events.models import Event
from tests import factories

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# 16:00 UTC is 19:00 in Jerusalem in May (IDT, +03:00).
STARTS_AT = dt.datetime(2026, 5, 1, 16, 0, tzinfo=UTC)
JERUSALEM = "Asia/Jerusalem"


def _event(**fields):
    fields.setdefault("starts_at", STARTS_AT)
    fields.setdefault("ends_at", fields["starts_at"] + dt.timedelta(hours=2))
    fields.setdefault("timezone", JERUSALEM)
    return factories.EventFactory(**fields)


def _parse(events):
    return icalendar.Calendar.from_ical(calendar.calendar_for(events, name="Test", now=NOW))


def _vevent(event):
    event.refresh_from_db()
    (vevent,) = _parse([event]).events
    return vevent


def test_the_uid_names_the_event_and_survives_an_edit(db):
    event = _event()
    uid = f"event-{event.pk}@track-ii"
    assert str(_vevent(event)["uid"]) == uid

    event.title = "Renamed round-table"
    event.starts_at = STARTS_AT + dt.timedelta(days=1)
    event.ends_at = event.starts_at + dt.timedelta(hours=3)
    event.save()

    vevent = _vevent(event)
    assert str(vevent["uid"]) == uid
    assert str(vevent["summary"]) == "Renamed round-table"


def test_the_description_is_in_the_staffs_calendar_and_never_in_a_guests(db):
    event = _event(description="Seat the editor away from the ministry's people.")
    staff = _vevent(event)
    (guest,) = icalendar.Calendar.from_ical(
        calendar.calendar_for([event], name="Test", now=NOW, for_guests=True)
    ).events

    assert str(staff["description"]) == event.description
    assert "description" not in guest
    assert str(guest["summary"]) == str(staff["summary"])
    assert guest["dtstart"].dt == staff["dtstart"].dt


def test_the_sequence_is_the_events_and_goes_up_by_one_on_a_bump(db):
    event = _event(sequence=3)
    assert _vevent(event)["sequence"] == 3

    services.bump_sequence(event)

    assert event.sequence == 4
    assert Event.objects.get(pk=event.pk).sequence == 4
    assert _vevent(event)["sequence"] == 4


def test_dtstart_is_in_the_events_zone_at_the_events_start(db):
    event = _event()

    vevent = _vevent(event)

    assert vevent["dtstart"].params["TZID"] == JERUSALEM
    start = vevent.decoded("dtstart")
    assert start == STARTS_AT
    assert str(start.tzinfo) == JERUSALEM
    assert (start.hour, start.minute) == (19, 0)
    assert vevent.decoded("dtend") == STARTS_AT + dt.timedelta(hours=2)


def test_the_events_zone_is_included_as_a_vtimezone(db):
    parsed = _parse([_event(), _event(starts_at=STARTS_AT + dt.timedelta(days=2))])

    assert [str(zone["tzid"]) for zone in parsed.walk("VTIMEZONE")] == [JERUSALEM]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Event.Status.CANCELLED, "CANCELLED"),
        (Event.Status.PLANNED, "TENTATIVE"),
        (Event.Status.CONFIRMED, "CONFIRMED"),
    ],
)
def test_the_status_follows_the_event(db, status, expected):
    assert str(_vevent(_event(status=status))["status"]) == expected


def test_the_feed_contains_exactly_the_users_events(planner, owner):
    planned = _event(planners=[planner])
    attended = _event(starts_at=STARTS_AT + dt.timedelta(days=1))
    attended.attending_officers.add(planner)
    both = _event(starts_at=STARTS_AT + dt.timedelta(days=2), planners=[planner])
    both.attending_officers.add(planner)
    cancelled = _event(starts_at=STARTS_AT + dt.timedelta(days=3), planners=[planner])
    Event.objects.filter(pk=cancelled.pk).update(status=Event.Status.CANCELLED)
    _event(planners=[owner])
    _event().attending_officers.add(owner)

    parsed = _parse(Event.objects.planned_or_attended_by(planner).order_by("starts_at", "pk"))

    assert [str(vevent["uid"]) for vevent in parsed.events] == [
        calendar.event_uid(event) for event in (planned, attended, both, cancelled)
    ]
    assert [str(vevent["status"]) for vevent in parsed.events] == [
        "TENTATIVE",
        "TENTATIVE",
        "TENTATIVE",
        "CANCELLED",
    ]


# The admin bumps the sequence when a change reaches calendar clients


def _change_form(event, **changes):
    """The Event change form as the admin posts it (times in the site's zone, UTC)."""
    data = {
        "title": event.title,
        "kind": event.kind,
        "description": event.description,
        "starts_at_0": f"{event.starts_at:%Y-%m-%d}",
        "starts_at_1": f"{event.starts_at:%H:%M:%S}",
        "ends_at_0": f"{event.ends_at:%Y-%m-%d}",
        "ends_at_1": f"{event.ends_at:%H:%M:%S}",
        "timezone": str(event.timezone),
        "venue": event.venue,
        "online_url": event.online_url,
        "capacity": "" if event.capacity is None else str(event.capacity),
        "status": event.status,
        "layer": event.layer,
        "host_organization": "",
        "planners": [planner.pk for planner in event.planners.all()],
        "attending_officers": [],
        "invitations-TOTAL_FORMS": "0",
        "invitations-INITIAL_FORMS": "0",
        "invitations-MIN_NUM_FORMS": "0",
        "invitations-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "sequence"),
    [
        ({"starts_at_1": "15:00:00"}, 1),
        ({"venue": "Tel Aviv Museum of Art"}, 1),
        ({"status": Event.Status.CANCELLED}, 1),
        ({}, 0),
        ({"description": "Doors open at six.", "capacity": "40"}, 0),
    ],
    ids=["moved", "venue", "cancelled", "unchanged", "not calendar-relevant"],
)
def test_saving_in_the_admin_bumps_the_sequence_only_for_calendar_changes(
    client, admin_user, planner, changes, sequence
):
    event = _event(planners=[planner])
    client.force_login(admin_user)
    url = reverse("admin:events_event_change", args=[event.pk])

    response = client.post(url, _change_form(event, **changes))

    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert event.sequence == sequence
    assert _vevent(event)["sequence"] == sequence
    if "starts_at_1" in changes:
        assert event.starts_at == STARTS_AT - dt.timedelta(hours=1)
