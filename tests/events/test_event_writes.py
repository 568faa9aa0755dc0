"""One write path per event change: the web form, the API and the admin create and edit an
event through events.services.create_event and update_event. Each test runs on every
surface; the rules it checks (whoever creates an event plans it when no planner is named,
a change of time bumps SEQUENCE) are written in the services only, so the test fails on a
surface that stops calling them."""

import datetime as dt

import pytest
from django.urls import reverse

from events.models import Event
from tests import factories
from tests.conftest import api

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")

UTC = dt.UTC
STARTS_AT = dt.datetime(2099, 6, 1, 16, 0, tzinfo=UTC)  # 19:00 in Jerusalem (UTC+3)
HOUR = dt.timedelta(hours=1)
ENDS_AT = STARTS_AT + 2 * HOUR
JERUSALEM = dt.timezone(3 * HOUR)  # in June
SURFACES = ["web", "api", "admin"]


def _web_fields(starts_at: dt.datetime, planners) -> dict:
    """The event form's fields; its times are wall-clock times in the event's zone."""
    return {
        "title": "Narrative forum",
        "kind": Event.Kind.MEDIA,
        "status": Event.Status.PLANNED,
        "layer": "narrative",
        "starts_at": f"{starts_at.astimezone(JERUSALEM):%Y-%m-%dT%H:%M}",
        "ends_at": f"{ENDS_AT.astimezone(JERUSALEM):%Y-%m-%dT%H:%M}",
        "timezone": "Asia/Jerusalem",
        "venue": "Residence",
        "online_url": "",
        "capacity": "",
        "host_organization": "",
        "description": "",
        "planners": [planner.pk for planner in planners],
    }


def _api_fields(starts_at: dt.datetime, planners) -> dict:
    fields = {
        "title": "Narrative forum",
        "kind": Event.Kind.MEDIA,
        "starts_at": starts_at.isoformat(),
        "ends_at": ENDS_AT.isoformat(),
        "timezone": "Asia/Jerusalem",
        "venue": "Residence",
        "layer": "narrative",
    }
    if planners:
        fields["planners"] = [planner.pk for planner in planners]
    return fields


def _admin_fields(starts_at: dt.datetime, planners) -> dict:
    """The admin's event form (its times in the site's zone, UTC), with no invitation."""
    return {
        "title": "Narrative forum",
        "kind": Event.Kind.MEDIA,
        "description": "",
        "starts_at_0": f"{starts_at:%Y-%m-%d}",
        "starts_at_1": f"{starts_at:%H:%M:%S}",
        "ends_at_0": f"{ENDS_AT:%Y-%m-%d}",
        "ends_at_1": f"{ENDS_AT:%H:%M:%S}",
        "timezone": "Asia/Jerusalem",
        "venue": "Residence",
        "online_url": "",
        "capacity": "",
        "status": Event.Status.PLANNED,
        "layer": "narrative",
        "host_organization": "",
        "planners": [planner.pk for planner in planners],
        "attending_officers": [],
        "invitations-TOTAL_FORMS": "0",
        "invitations-INITIAL_FORMS": "0",
        "invitations-MIN_NUM_FORMS": "0",
        "invitations-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }


def _create(surface: str, client, user, *, planners=()) -> Event:
    """Create an event starting at STARTS_AT on ``surface`` as ``user``, naming ``planners``."""
    if surface == "web":
        client.force_login(user)
        response = client.post(reverse("events:create"), _web_fields(STARTS_AT, planners))
    elif surface == "api":
        response = api(user).post(
            reverse("api:event-list"), _api_fields(STARTS_AT, planners), format="json"
        )
    else:
        client.force_login(user)
        response = client.post(
            reverse("admin:events_event_add"), _admin_fields(STARTS_AT, planners)
        )
    assert response.status_code in (201, 302), getattr(response, "data", response.content)
    return Event.objects.get()


def _move_start(surface: str, client, user, event: Event, starts_at: dt.datetime) -> None:
    """Edit ``event`` on ``surface`` as ``user``: the same fields, a new start."""
    planners = list(event.planners.all())
    if surface == "web":
        client.force_login(user)
        url = reverse("events:edit", args=[event.pk])
        response = client.post(url, _web_fields(starts_at, planners))
    elif surface == "api":
        url = reverse("api:event-detail", args=[event.pk])
        response = api(user).patch(url, {"starts_at": starts_at.isoformat()}, format="json")
    else:
        client.force_login(user)
        url = reverse("admin:events_event_change", args=[event.pk])
        response = client.post(url, _admin_fields(starts_at, planners))
    assert response.status_code in (200, 302), getattr(response, "data", response.content)


@pytest.fixture
def staff_planner(planner):
    """The planner persona, allowed into the admin too."""
    planner.is_staff = True
    planner.save(update_fields=["is_staff"])
    return planner


@pytest.mark.parametrize("surface", SURFACES)
def test_a_creation_naming_no_planner_makes_the_creator_its_planner(client, staff_planner, surface):
    event = _create(surface, client, staff_planner)

    assert list(event.planners.all()) == [staff_planner]
    assert event.starts_at == STARTS_AT
    assert event.sequence == 0


@pytest.mark.parametrize("surface", SURFACES)
def test_a_creation_naming_planners_gives_the_event_exactly_those(
    client, staff_planner, culture_team, surface
):
    colleague = factories.UserFactory(username="colleague", roles=["planner"], teams=[culture_team])

    event = _create(surface, client, staff_planner, planners=[colleague])

    assert list(event.planners.all()) == [colleague]


@pytest.mark.parametrize("surface", SURFACES)
def test_an_edit_moving_the_start_bumps_the_sequence_by_one(client, staff_planner, surface):
    # The fields every surface posts, so that the start is the only change.
    event = factories.EventFactory(
        title="Narrative forum",
        kind=Event.Kind.MEDIA,
        layer="narrative",
        starts_at=STARTS_AT,
        ends_at=ENDS_AT,
        planners=[staff_planner],
    )

    _move_start(surface, client, staff_planner, event, STARTS_AT + HOUR)

    event.refresh_from_db()
    assert (event.starts_at, event.ends_at) == (STARTS_AT + HOUR, ENDS_AT)
    assert event.sequence == 1
    assert list(event.planners.all()) == [staff_planner]
