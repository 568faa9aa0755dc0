"""REST API v1 of the contacts app, across its paths: one error shape, optimistic
concurrency (If-Match), and bad input answered 4xx, never 500, with nothing stored."""

import json

import pytest

from contacts.models import Channel, Climate, Contact, Exchange, Organization
from tests import factories
from tests.conftest import api
from tests.contacts.api_support import API, assert_error

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


# One error shape


@pytest.mark.parametrize(
    "path",
    [
        "/me/",
        "/organizations/",
        "/contacts/",
        "/channels/",
        "/exchanges/",
        "/reminders/",
        "/climate/",
        "/climate/current/",
    ],
)
def test_anonymous_requests_are_401_with_the_error_shape(db, path):
    response = api().get(f"{API}{path}")

    assert_error(response, 401, code="not_authenticated", fields={})
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("path", ["contacts", "channels", "exchanges", "reminders", "climate"])
def test_an_unknown_id_is_404_with_the_error_shape(owner, path):
    response = api(owner).get(f"{API}/{path}/987654321/")

    assert_error(response, 404, code="not_found", fields={})


@pytest.mark.parametrize(
    ("send", "status", "code"),
    [
        (
            lambda c: c.post(f"{API}/contacts/", {"full_name": "Form"}),
            415,
            "unsupported_media_type",
        ),
        (lambda c: c.get(f"{API}/contacts/", HTTP_ACCEPT="text/html"), 406, "not_acceptable"),
        (lambda c: c.put(f"{API}/contacts/", {}, format="json"), 405, "method_not_allowed"),
        (lambda c: c.delete(f"{API}/me/"), 405, "method_not_allowed"),
    ],
    ids=["form-body", "html-accept", "put-on-list", "delete-on-me"],
)
def test_protocol_errors_have_the_error_shape(owner, send, status, code):
    response = send(api(owner))

    assert_error(response, status, code=code, fields={})
    assert Contact.objects.exists() is False


# Optimistic concurrency: If-Match


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_stale_if_match_is_412_and_changes_nothing(owner, contact, method):
    client = api(owner)
    stale = client.get(f"{API}/contacts/{contact.pk}/")["ETag"]
    Contact.objects.filter(pk=contact.pk).update(full_name="Changed elsewhere")
    body = {"full_name": "Mine", "category": "academic", "layer": "security"}

    response = getattr(client, method)(
        f"{API}/contacts/{contact.pk}/", body, format="json", HTTP_IF_MATCH=stale
    )

    assert_error(response, 412, code="precondition_failed", fields={})
    contact.refresh_from_db()
    assert (contact.full_name, contact.category) == ("Changed elsewhere", "academic")


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_fresh_etag_or_a_star_passes_if_match(owner, contact, method):
    client = api(owner)
    fresh = client.get(f"{API}/contacts/{contact.pk}/")["ETag"]
    body = {"full_name": "Mine", "category": "academic", "layer": "security"}

    response = getattr(client, method)(
        f"{API}/contacts/{contact.pk}/", body, format="json", HTTP_IF_MATCH=fresh
    )

    if method == "delete":
        assert response.status_code == 204
        assert Contact.objects.exists() is False
        return
    assert response.status_code == 200
    assert response["ETag"] == client.get(f"{API}/contacts/{contact.pk}/")["ETag"]
    assert response["ETag"] != fresh
    star = getattr(client, method)(
        f"{API}/contacts/{contact.pk}/", {**body, "full_name": "Star"}, "json", HTTP_IF_MATCH="*"
    )
    assert star.status_code == 200
    contact.refresh_from_db()
    assert contact.full_name == "Star"


def test_if_match_guards_channels_too(owner, contact):
    channel = factories.ChannelFactory(contact=contact, officer=owner, cadence_days=30)
    client = api(owner)

    response = client.patch(
        f"{API}/channels/{channel.pk}/", {"cadence_days": 7}, "json", HTTP_IF_MATCH='"stale"'
    )

    assert_error(response, 412, code="precondition_failed")
    channel.refresh_from_db()
    assert channel.cadence_days == 30


# Bad input: 4xx with the error shape, never 500, nothing stored


MODELS = {
    "contacts": Contact,
    "channels": Channel,
    "exchanges": Exchange,
    "organizations": Organization,
    "climate": Climate,
}


def _bad_write(owner, contact, path, body):
    """POST ``body`` (a dict, or raw text) as the owner, or as an admin for climate."""
    user = owner
    if path == "climate":
        user = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    client = api(user, raise_request_exception=False)
    if isinstance(body, str):
        return client.post(f"{API}/{path}/", body, content_type="application/json")
    resolved = json.loads(json.dumps(body).replace('"<contact>"', str(contact.pk)))
    return client.post(f"{API}/{path}/", resolved, format="json")


EXCHANGE = {"contacts": ["<contact>"], "kind": "call", "summary": "Call."}
CONTACT = {"full_name": "New Person", "category": "academic", "layer": "security"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("contacts", '{"full_name": "Broken', None),
        ("contacts", "[1, 2", None),
        ("channels", {"contact": "<contact>", "cadence_days": "weekly"}, "cadence_days"),
        ("channels", {"contact": "<contact>", "cadence_days": 0}, "cadence_days"),
        ("channels", {"contact": "<contact>", "cadence_days": 10**12}, "cadence_days"),
        ("channels", {"contact": "<contact>", "kind": "secret"}, "kind"),
        ("channels", {"contact": "Anna"}, "contact"),
        ("contacts", {**CONTACT, "category": "spy"}, "category"),
        ("contacts", {**CONTACT, "sensitivity": "top_secret"}, "sensitivity"),
        ("contacts", {**CONTACT, "full_name": "x" * 300}, "full_name"),
        ("contacts", {**CONTACT, "languages": "ru"}, "languages"),
        ("contacts", {**CONTACT, "full_name": "Nul\x00Byte"}, "full_name"),
        ("exchanges", {**EXCHANGE, "occurred_at": "0000-01-01T00:00:00Z"}, "occurred_at"),
        ("exchanges", {**EXCHANGE, "occurred_at": "2026-13-40T00:00:00Z"}, "occurred_at"),
        ("exchanges", {**EXCHANGE, "occurred_at": "9999-12-31T23:59:59+14:00"}, "occurred_at"),
        ("exchanges", {**EXCHANGE, "occurred_at": "0001-01-01T00:00:00+14:00"}, "occurred_at"),
        ("exchanges", {**EXCHANGE, "follow_up_on": "2026-02-30"}, "follow_up_on"),
        ("exchanges", {**EXCHANGE, "kind": "telepathy"}, "kind"),
        ("exchanges", {**EXCHANGE, "contacts": []}, "contacts"),
        ("exchanges", {**EXCHANGE, "summary": "s" * 1_000_000}, "summary"),
        ("organizations", {"name": "X", "kind": "embassy", "country": "IL"}, "kind"),
        ("organizations", {"name": "X", "kind": "ngo", "country": "XX"}, "country"),
        ("climate", {"level": "apocalyptic"}, "level"),
        ("climate", {"level": "high", "started_at": "yesterday"}, "started_at"),
    ],
)
def test_bad_input_is_a_400_with_the_shape_and_stores_nothing(owner, contact, path, body, field):
    model = MODELS[path]
    before = model.objects.count()

    response = _bad_write(owner, contact, path, body)

    error = assert_error(response, 400)
    if field is None:
        assert (error["code"], error["fields"]) == ("parse_error", {})
    else:
        assert error["code"] == "invalid"
        assert list(error["fields"]) == [field]
    assert model.objects.count() == before


def test_a_ten_megabyte_summary_is_refused_with_the_error_shape(owner, contact):
    response = _bad_write(owner, contact, "exchanges", {**EXCHANGE, "summary": "s" * 10_000_000})

    assert Exchange.objects.exists() is False
    assert_error(response, 413, code="too_large")


@pytest.mark.parametrize(
    ("query", "status", "fields"),
    [
        ("page_size=100000", 400, {"page_size": ["Between 1 and 200."]}),
        ("page_size=0", 400, {"page_size": ["Between 1 and 200."]}),
        ("page_size=abc", 400, {"page_size": ["A whole number."]}),
        ("page=999", 404, {}),
        ("page=abc", 404, {}),
        ("category=spy", 400, None),
        ("updated_since=2026-13-40", 400, None),
        ("updated_since=0000-01-01T00:00:00Z", 400, None),
        ("organization=abc", 400, None),
    ],
)
def test_bad_list_parameters_are_4xx_with_the_shape(owner, contact, query, status, fields):
    response = api(owner).get(f"{API}/contacts/?{query}")

    body = assert_error(response, status, fields=fields)
    if fields is None:
        assert list(body["fields"]) == [query.split("=")[0]]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("organizations", "updated_since"),
        ("contacts", "updated_since"),
        ("channels", "updated_since"),
        ("exchanges", "updated_since"),
        ("exchanges", "occurred_after"),
        ("exchanges", "occurred_before"),
    ],
)
def test_a_datetime_filter_offset_beyond_15_59_is_not_a_500(owner, contact, path, name):
    factories.ChannelFactory(contact=contact, officer=owner)
    factories.ExchangeFactory(contacts=[contact], officers=[owner])

    response = api(owner, raise_request_exception=False).get(
        f"{API}/{path}/", {name: "2026-03-02T09:30:00+16:30"}
    )

    # 16:30 is a valid ISO 8601 offset: the filter turns the moment into UTC before it reaches
    # PostgreSQL, so the list answers as for the same moment written in UTC.
    assert response.status_code == 200, response.content[:500]
    in_utc = api(owner).get(f"{API}/{path}/", {name: "2026-03-01T17:00:00Z"})
    assert response.json() == in_utc.json()


@pytest.mark.parametrize("path", ["exchanges", "reminders"])
@pytest.mark.parametrize("query", ["page_size=100000", "page_size=abc", "cursor=garbage"])
def test_bad_cursor_parameters_are_4xx_with_the_shape(owner, path, query):
    response = api(owner).get(f"{API}/{path}/?{query}")

    assert_error(response, 404 if query.startswith("cursor") else 400)
