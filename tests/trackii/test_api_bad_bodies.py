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
