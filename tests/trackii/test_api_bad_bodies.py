"""Request bodies the API must refuse with its one error shape and leave the data as it was
(no 500 on any input): found by a session's fuzzing of every endpoint."""

import pytest

from contacts.models import Contact, Organization
from events.models import Event
from tests.conftest import api
from tests.contacts.api_support import API, assert_error

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")

# JSON allows a lone surrogate as an escape; no text holds one.
LONE = '"\\ud800"'


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("contacts/", f'{{"full_name": {LONE}, "category": "academic"}}'),
        ("contacts/", f'{{"full_name": "Anna", "category": {LONE}}}'),
        ("organizations/", f'{{"name": "Institute", "kind": {LONE}}}'),
        ("organizations/", f'{{"name": "Institute", {LONE}: 1}}'),
        ("exchanges/", f'{{"summary": ["x", {{"nested": {LONE}}}]}}'),
    ],
)
def test_a_lone_surrogate_is_refused_as_unreadable(owner, path, body):
    """It was a 500: the 400 quoting the value could not be written as UTF-8."""
    response = api(owner).post(f"{API}/{path}", body, content_type="application/json")

    detail = assert_error(response, 400, code="parse_error", fields={})["detail"]
    assert "lone surrogate" in detail
    assert (Contact.objects.count(), Organization.objects.count()) == (0, 0)


def test_a_lone_surrogate_is_refused_on_every_json_endpoint_alike(planner):
    response = api(planner).post(
        f"{API}/events/", f'{{"title": {LONE}}}', content_type="application/json"
    )

    assert_error(response, 400, code="parse_error")
    assert Event.objects.exists() is False


def test_text_outside_ascii_still_passes(owner):
    response = api(owner).post(
        f"{API}/organizations/",
        # Hebrew letters and an emoji as escapes (its surrogate pair is one character).
        '{"name": "\\u05d0\\u05d5\\u05e0\\u05d9\\u05d1\\u05e8\\u05e1\\u05d9\\u05d8\\u05d4 '
        '\\ud83c\\udf93", "kind": "university"}',
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert Organization.objects.get().name == "אוניברסיטה 🎓"


@pytest.mark.parametrize(
    "zone", ["x" * 300, "Europe/Lon\u0000don", "http://example.org/", "../../../etc/passwd", 7]
)
def test_an_events_time_zone_that_is_no_zone_is_a_field_error(planner, zone):
    """It was a 500: the library looked the name up in the zone files first."""
    body = {
        "title": "Reception",
        "starts_at": "2027-03-01T18:00:00Z",
        "ends_at": "2027-03-01T20:00:00Z",
        "timezone": zone,
        "kind": "cultural",
        "layer": "soft_cultural",
    }

    response = api(planner).post(f"{API}/events/", body, format="json")

    assert assert_error(response, 400, code="invalid")["fields"] == {
        "timezone": ["A valid timezone is required."]
    }
    assert Event.objects.exists() is False


def test_an_events_time_zone_by_its_name_is_taken(planner):
    body = {
        "title": "Reception",
        "starts_at": "2027-03-01T18:00:00Z",
        "ends_at": "2027-03-01T20:00:00Z",
        "timezone": "Asia/Jerusalem",
        "kind": "cultural",
        "layer": "soft_cultural",
    }

    response = api(planner).post(f"{API}/events/", body, format="json")

    assert response.status_code == 201, response.content
    assert str(Event.objects.get().timezone) == "Asia/Jerusalem"


@pytest.mark.parametrize("capacity", [2**31, 2**63, 100_001])
def test_an_events_capacity_beyond_the_most_seats_is_a_field_error(client, planner, capacity):
    """It was a 500 on the API (the column's integer out of range)."""
    body = {
        "title": "Reception",
        "starts_at": "2027-03-01T18:00:00Z",
        "ends_at": "2027-03-01T20:00:00Z",
        "capacity": capacity,
        "kind": "cultural",
        "layer": "soft_cultural",
    }

    response = api(planner).post(f"{API}/events/", body, format="json")

    fields = assert_error(response, 400, code="invalid")["fields"]
    assert fields == {"capacity": ["Ensure this value is less than or equal to 100000."]}
    assert Event.objects.exists() is False


@pytest.mark.parametrize("depth", [900, 100_000])
def test_json_nested_deeper_than_its_decoder_goes_is_refused(client, owner, depth):
    """A fuzzer's finding: "[[[[…" was a 500 (RecursionError), the token endpoint's too,
    which anyone may call."""
    body = "[" * depth + "]" * depth

    answers = [
        api(owner).post(f"{API}/contacts/", body, content_type="application/json"),
        client.post(f"{API}/auth/token/", body, content_type="application/json"),
    ]

    for answer in answers:
        assert answer.status_code == 400, answer.content[:200]
    assert Contact.objects.exists() is False


def test_a_second_organization_of_a_name_in_a_country_is_an_error_on_its_name(owner):
    """A fuzzer's finding: the API answered "The fields name, country must make a unique
    set." on no field."""
    client = api(owner)
    body = {"name": "Hebrew University", "kind": "university", "country": "IL"}
    first = client.post(f"{API}/organizations/", body, format="json")
    other = client.post(
        f"{API}/organizations/", {**body, "name": "Tel Aviv University"}, format="json"
    )

    again = client.post(f"{API}/organizations/", body, format="json")
    renamed = client.patch(
        f"{API}/organizations/{other.json()['id']}/", {"name": "Hebrew University"}, format="json"
    )
    elsewhere = client.post(f"{API}/organizations/", {**body, "country": "US"}, format="json")
    unchanged = client.patch(
        f"{API}/organizations/{first.json()['id']}/", {"city": "Jerusalem"}, format="json"
    )

    message = ["An organization of this name in this country exists."]
    assert assert_error(again, 400, code="invalid")["fields"] == {"name": message}
    assert assert_error(renamed, 400, code="invalid")["fields"] == {"name": message}
    assert (elsewhere.status_code, unchanged.status_code) == (201, 200)
    assert Organization.objects.count() == 3
