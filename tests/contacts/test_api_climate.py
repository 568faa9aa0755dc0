"""REST API v1: climate/ (DESIGN.md, "REST API v1"): every user reads the levels, only
admins record one."""

import datetime as dt

import pytest
import time_machine

from contacts.models import Climate
from tests import factories
from tests.conftest import api
from tests.contacts.api_support import API, NOW, assert_error, iso

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")
CLIMATE_FIELDS = {"id", "level", "note", "started_at", "created_by", "created_at"}


# climate/


def test_climate_list_for_every_user_and_create_for_admins_only(owner, analyst, admin_user):
    factories.ClimateFactory(level="elevated", started_at=NOW - dt.timedelta(days=3))

    listed = api(analyst).get(f"{API}/climate/")
    with time_machine.travel(NOW, tick=False):
        created = api(admin_user).post(
            f"{API}/climate/", {"level": "crisis", "note": "Recall of ambassador."}, "json"
        )

    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert set(listed.json()["results"][0]) == CLIMATE_FIELDS
    detail = api(analyst).get(f"{API}/climate/{listed.json()['results'][0]['id']}/")
    assert detail.json() == listed.json()["results"][0]
    assert created.status_code == 201
    record = Climate.objects.get(level="crisis")
    assert created.json() == {
        "id": record.pk,
        "level": "crisis",
        "note": "Recall of ambassador.",
        "started_at": iso(NOW),
        "created_by": admin_user.pk,
        "created_at": iso(NOW),
    }


@pytest.mark.parametrize("persona", ["owner", "lead", "analyst", "planner"])
def test_only_admins_record_a_climate_level(request, persona):
    response = api(request.getfixturevalue(persona)).post(
        f"{API}/climate/", {"level": "crisis"}, format="json"
    )

    assert_error(response, 403, code="permission_denied", fields={})
    assert Climate.objects.exists() is False


def test_current_climate_is_normal_with_no_record(owner):
    response = api(owner).get(f"{API}/climate/current/")

    assert response.status_code == 200
    assert response.json() == {
        "id": None,
        "level": "normal",
        "note": "",
        "started_at": None,
        "created_by": None,
        "created_at": None,
    }


def test_current_climate_is_the_latest_started_level(owner):
    high = factories.ClimateFactory(level="high", started_at=NOW - dt.timedelta(days=1))
    factories.ClimateFactory(level="crisis", started_at=NOW - dt.timedelta(days=5))
    factories.ClimateFactory(level="normal", started_at=NOW + dt.timedelta(days=5))

    with time_machine.travel(NOW, tick=False):
        response = api(owner).get(f"{API}/climate/current/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["level"]) == (high.pk, "high")
    assert response.json()["started_at"] == iso(NOW - dt.timedelta(days=1))
