"""The OpenAPI 3 schema and its docs page (DESIGN.md, "REST API v1"), and a bounded
schemathesis run against the live schema, in-process, through Django's WSGI handler."""

import datetime as dt
import re

import jsonschema
import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from contacts.models import Climate, Contact, Reminder, Sensitivity
from tests import factories
from tests.conftest import api
from trackii import api_schema
from trackii.tokens import create_token

API = "/api/v1"
SCHEMA_URL = f"{API}/schema/"
# DESIGN.md paths implemented by the contacts app and the token endpoint.
CORE_PATHS = {
    f"{API}/auth/token/": {"post"},
    f"{API}/me/": {"get"},
    f"{API}/organizations/": {"get", "post"},
    f"{API}/organizations/{{id}}/": {"get", "put", "patch", "delete"},
    f"{API}/contacts/": {"get", "post"},
    f"{API}/contacts/{{id}}/": {"get", "put", "patch", "delete"},
    f"{API}/channels/": {"get", "post"},
    f"{API}/channels/{{id}}/": {"get", "put", "patch", "delete"},
    f"{API}/exchanges/": {"get", "post"},
    f"{API}/exchanges/{{id}}/": {"get", "put", "patch", "delete"},
    f"{API}/reminders/": {"get"},
    f"{API}/reminders/{{id}}/": {"get"},
    f"{API}/reminders/{{id}}/snooze/": {"post"},
    f"{API}/reminders/{{id}}/dismiss/": {"post"},
    f"{API}/climate/": {"get", "post"},
    f"{API}/climate/current/": {"get"},
}
# Added by the events app; asserted only when present.
OPTIONAL_RESOURCES = ["events", "invitations", "programmes"]


pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


@pytest.fixture
def reader(owner):
    """A client that signs in with an API token, as integrations do."""
    return APIClient(headers={"Authorization": f"Token {create_token(owner).key}"})


@pytest.fixture
def browser(client, owner):
    """A signed-in browser session (the docs page)."""
    client.force_login(owner)
    return client


def _schema(client) -> dict:
    response = client.get(f"{SCHEMA_URL}?format=json")
    assert response.status_code == 200
    return response.json()


def _components(document: dict) -> dict:
    return document["components"]["schemas"]


def _read_only(component: dict) -> set[str]:
    return {name for name, spec in component["properties"].items() if spec.get("readOnly")}


# The document


def test_anonymous_visitors_get_neither_the_schema_nor_the_docs(db):
    client = APIClient()

    responses = [
        client.get(f"{SCHEMA_URL}?format=json"),
        client.get(SCHEMA_URL),
        client.get(f"{API}/docs/"),
        client.get(f"{API}/docs/?script="),
    ]

    assert [response.status_code for response in responses] == [401] * 4
    for response in responses:
        assert b"openapi" not in response.content.lower()
        assert b"swagger" not in response.content.lower()
    assert responses[0].json() == {
        "status": 401,
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "fields": {},
    }


def test_schema_is_served_to_a_token_and_to_a_session(reader, browser):
    by_token = reader.get(f"{SCHEMA_URL}?format=json")
    by_session = browser.get(f"{SCHEMA_URL}?format=json")

    assert by_token.status_code == by_session.status_code == 200
    assert by_token.json() == by_session.json()
    assert by_token.json()["info"]["title"] == "Track II API"


def test_the_document_is_kept_per_reader_kind_format_and_language(owner, analyst):
    # Each kind of reader gets the document generated for it, then the kept one
    api_schema._forget()
    officer = api(owner)
    first = officer.get(f"{SCHEMA_URL}?format=json")
    with CaptureQueriesContext(connection) as queries:
        again = officer.get(f"{SCHEMA_URL}?format=json")
    yaml = officer.get(SCHEMA_URL)
    hebrew = officer.get(f"{SCHEMA_URL}?format=json", HTTP_ACCEPT_LANGUAGE="he")
    by_analyst = api(analyst).get(f"{SCHEMA_URL}?format=json")

    assert first.content == again.content
    assert isinstance(again, HttpResponse)
    assert not hasattr(again, "accepted_renderer")
    assert len(queries) <= 3  # the token, its user and the user's roles: nothing generated
    assert yaml.content.startswith(b"openapi: 3.")
    assert yaml["Content-Disposition"] == first["Content-Disposition"].replace(".json", ".yaml")
    assert hebrew.content != first.content
    # Private notes are documented for those who read them, not for an analyst
    notes = _components(first.json())["Contact"]["properties"]
    assert "notes" in notes
    assert "notes" not in _components(by_analyst.json())["Contact"]["properties"]


def test_the_document_depends_on_no_stored_row_so_keeping_it_shows_nothing_stale(owner):
    # What keeping it assumes: generated again after protected contacts, their grants,
    # exchanges and a climate are stored, the document is the same bytes.
    officer = api(owner)
    api_schema._forget()
    before = officer.get(f"{SCHEMA_URL}?format=json").content
    hidden = factories.ContactFactory(
        full_name="Protected Source", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    factories.GrantFactory(contact=hidden, user=factories.UserFactory())
    factories.ExchangeFactory(contacts=[hidden], officers=[owner])
    Climate.objects.create(
        level=Climate.Level.CRISIS, started_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    api_schema._forget()
    after = officer.get(f"{SCHEMA_URL}?format=json").content

    assert after == before
    assert b"Protected Source" not in after


def test_schema_is_served_as_openapi_3_json(reader):
    by_format = reader.get(f"{SCHEMA_URL}?format=json")
    by_accept = reader.get(SCHEMA_URL, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    by_json_accept = reader.get(SCHEMA_URL, HTTP_ACCEPT="application/json")
    default = reader.get(SCHEMA_URL)

    assert by_format.status_code == 200
    assert by_format["Content-Type"] == "application/vnd.oai.openapi+json"
    assert by_accept["Content-Type"] == "application/vnd.oai.openapi+json"
    assert by_json_accept["Content-Type"] == "application/json"
    assert by_format.json() == by_accept.json() == by_json_accept.json()
    assert re.fullmatch(r"3\.\d+\.\d+", by_format.json()["openapi"])
    assert by_format.json()["info"]["title"] == "Track II API"
    assert default.status_code == 200
    assert default["Content-Type"] == "application/vnd.oai.openapi; charset=utf-8"
    assert default.content.startswith(b"openapi: 3.")


def test_schema_lists_every_implemented_path(reader):
    paths = _schema(reader)["paths"]

    for path, methods in CORE_PATHS.items():
        assert path in paths, path
        assert set(paths[path]) == methods, path
    for resource in OPTIONAL_RESOURCES:
        if f"{API}/{resource}/" in paths:
            assert {"get", "post"} <= set(paths[f"{API}/{resource}/"])
            assert {"get", "patch"} <= set(paths[f"{API}/{resource}/{{id}}/"])
    if f"{API}/invitations/" in paths:
        assert set(paths[f"{API}/invitations/{{id}}/rsvp/"]) == {"post"}
        assert set(paths[f"{API}/invitations/{{id}}/check_in/"]) == {"post"}


def test_schema_documents_the_list_filters(reader):
    paths = _schema(reader)["paths"]

    def query(path):
        return {p["name"] for p in paths[path]["get"]["parameters"] if p["in"] == "query"}

    assert {"search", "category", "sensitivity", "layer", "organization", "tag"} <= query(
        f"{API}/contacts/"
    )
    assert {"officer", "contact", "overdue", "page", "page_size"} <= query(f"{API}/channels/")
    assert {"status", "cursor", "page_size"} <= query(f"{API}/reminders/")
    assert {"cursor"} <= query(f"{API}/exchanges/")


def test_schema_enums_match_the_models(reader):
    components = _components(_schema(reader))

    assert components["CategoryEnum"]["enum"] == list(Contact.Category.values)
    assert components["SensitivityEnum"]["enum"] == list(Sensitivity.values)
    assert components["LevelEnum"]["enum"] == list(Climate.Level.values)
    assert components["ReminderStatusEnum"]["enum"] == list(Reminder.Status.values)
    assert components["ChannelKindEnum"]["enum"] == ["informal", "formal"]
    assert components["PriorityEnum"]["enum"] == ["key", "normal", "peripheral"]


def test_schema_required_and_read_only_fields(reader):
    components = _components(_schema(reader))

    assert sorted(components["ContactRequest"]["required"]) == ["category", "full_name"]
    assert {"id", "created_at", "updated_at", "erased_at"} <= _read_only(components["Contact"])
    assert "owner" not in components["ContactRequest"]["required"]
    assert components["ChannelRequest"]["required"] == ["contact"]
    assert {"last_touch_at", "next_due_at", "overdue"} <= _read_only(components["Channel"])
    assert sorted(components["ExchangeRequest"]["required"]) == ["contacts", "kind", "summary"]
    assert {"created_by"} <= _read_only(components["Exchange"])
    reminder = components["Reminder"]
    assert _read_only(reminder) == set(reminder["properties"])
    assert components["SnoozeRequest"]["required"] == ["until"]
    assert components["ClimateRequest"]["required"] == ["level"]
    assert {"created_by", "created_at"} <= _read_only(components["Climate"])


def test_schema_declares_token_authentication(reader):
    schemes = _schema(reader)["components"]["securitySchemes"]

    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }


def test_schema_describes_me_as_one_object(reader):
    me = _schema(reader)["paths"][f"{API}/me/"]["get"]["responses"]["200"]

    assert me["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Me"}


def test_schema_documents_the_error_responses(reader):
    paths = _schema(reader)["paths"]

    for path, methods in CORE_PATHS.items():
        for method in methods - {"post"} if path.endswith("token/") else methods:
            responses = paths[path][method]["responses"]
            assert "401" in responses or "default" in responses, (method, path)
            if "{id}" in path:
                assert "404" in responses or "default" in responses, (method, path)


# The docs page


def test_docs_render_from_local_static_files_only(browser):
    page = browser.get(f"{API}/docs/")
    script = browser.get(f"{API}/docs/?script=")

    assert page.status_code == 200
    html = page.content.decode()
    references = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]*)"', html)
    assert len(references) >= 4
    for reference in references:
        assert reference.startswith("/") or reference.startswith("http://testserver/"), reference
        assert not reference.startswith("//"), reference
    for reference in references:
        if reference.startswith("/static/"):
            assert finders.find(reference.removeprefix("/static/")) is not None, reference
    assert re.findall(r"https?://(?!testserver)", html) == []
    assert script.status_code == 200
    assert 'url: "/api/v1/schema/"' in script.content.decode()
    assert re.findall(r"https?://", script.content.decode()) == []


def test_docs_disable_the_online_validator(browser):
    script = browser.get(f"{API}/docs/?script=").content.decode()

    settings_json = re.search(r"const swaggerSettings = (\{.*?\});", script, re.S).group(1)
    assert re.search(r'"validatorUrl":\s*(null|"none")', settings_json)


# schemathesis against the live schema


@pytest.fixture
def wsgi_app(db, settings, monkeypatch):
    """Django's WSGI handler, run inside the test's transaction like the test client does:
    without close_old_connections on request start and finish."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.SECURE_SSL_REDIRECT = False
    # DRF reads the rates when the class is defined; hundreds of generated calls would
    # otherwise meet the 600/minute user throttle.
    monkeypatch.setattr(
        UserRateThrottle, "THROTTLE_RATES", {**UserRateThrottle.THROTTLE_RATES, "user": None}
    )
    cache.clear()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def rows(admin_user, owner, grantee):
    """A superuser's token and a few rows of every kind, by resource name."""
    organization = factories.OrganizationFactory()
    contact = factories.ContactFactory(
        owner=admin_user, organization=organization, notes="Private.", tags=[factories.TagFactory()]
    )
    protected = factories.ContactFactory(owner=owner, sensitivity="protected")
    factories.GrantFactory(contact=protected, user=grantee)
    channel = factories.ChannelFactory(
        contact=contact, officer=admin_user, created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    )
    factories.ChannelFactory(contact=protected, officer=owner)
    exchange = factories.ExchangeFactory(
        contacts=[contact, protected], officers=[admin_user], created_by=admin_user
    )
    reminder = factories.ReminderFactory(channel=channel)
    climate = factories.ClimateFactory(level="elevated", note="Tension.")
    event = factories.EventFactory(planners=[admin_user])
    invitation = factories.InvitationFactory(event=event, contact=contact)
    programme = factories.ProgrammeFactory()
    return {
        "token": create_token(admin_user).key,
        "organizations": organization.pk,
        "contacts": contact.pk,
        "channels": channel.pk,
        "exchanges": exchange.pk,
        "reminders": reminder.pk,
        "climate": climate.pk,
        "events": event.pk,
        "invitations": invitation.pk,
        "programmes": programme.pk,
    }


def _live_schema(wsgi_app, rows):
    return schemathesis.openapi.from_wsgi(
        f"{SCHEMA_URL}?format=json", wsgi_app, headers={"Authorization": f"Token {rows['token']}"}
    )


class _RolledBack(Exception):
    """Undo one generated call's writes so that every example starts from the same rows."""


# Offsets past +-15:59, which Python accepts and PostgreSQL refuses.
OUT_OF_RANGE_OFFSET = re.compile(r"[+-](1[6-9]|2\d):?\d\d$")


def _avoid_known_bugs(case):
    """No input is steered away any more: the bugs it once avoided are fixed."""
    return case


def _run(operation, *, token: str, path_parameters: dict, checks, max_examples: int = 20):
    strategy = operation.as_strategy(
        path_parameters=path_parameters, headers={"Authorization": f"Token {token}"}
    ).map(_avoid_known_bugs)

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        try:
            with transaction.atomic():
                case.call_and_validate(checks=checks)
                raise _RolledBack
        except _RolledBack:
            pass

    call()


CONFORMANCE = [not_a_server_error, response_schema_conformance]
GET_PATHS = [
    "/me/",
    "/organizations/",
    "/organizations/{id}/",
    "/contacts/",
    "/contacts/{id}/",
    "/channels/",
    "/channels/{id}/",
    "/exchanges/",
    "/exchanges/{id}/",
    "/reminders/",
    "/reminders/{id}/",
    "/climate/",
    "/climate/{id}/",
    "/climate/current/",
    # The events app's, when present.
    *(f"/{resource}/{suffix}" for resource in OPTIONAL_RESOURCES for suffix in ("", "{id}/")),
]
OPERATIONS = [
    *(pytest.param("GET", path, marks=[], id=f"GET {path}") for path in GET_PATHS),
    pytest.param("POST", "/contacts/", id="POST /contacts/"),
    pytest.param("PATCH", "/contacts/{id}/", id="PATCH /contacts/{id}/"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(wsgi_app, rows, method, path):
    schema = _live_schema(wsgi_app, rows)
    if f"{API}{path}" not in schema:
        pytest.skip(f"{path} is not implemented yet")
    operation = schema[f"{API}{path}"][method]
    resource = path.strip("/").split("/")[0]
    path_parameters = {"id": rows[resource]} if "{id}" in path else {}

    _run(operation, token=rows["token"], path_parameters=path_parameters, checks=CONFORMANCE)


@pytest.mark.slow
def test_schemathesis_current_climate_without_a_record_conforms(wsgi_app, rows):
    Climate.objects.all().delete()
    schema = _live_schema(wsgi_app, rows)

    _run(
        schema[f"{API}/climate/current/"]["GET"],
        token=rows["token"],
        path_parameters={},
        checks=CONFORMANCE,
        max_examples=1,
    )


@pytest.mark.slow
def test_schemathesis_status_codes_are_documented(wsgi_app, rows):
    schema = _live_schema(wsgi_app, rows)

    _run(
        schema[f"{API}/contacts/{{id}}/"]["GET"],
        token=rows["token"],
        path_parameters={"id": 987654321},
        checks=[not_a_server_error, status_code_conformance],
        max_examples=1,
    )


# Request examples: one for each write, valid against its own request schema

WRITE_METHODS = {"post", "put", "patch"}


def _json_schema(node):
    """OpenAPI 3.0's ``nullable`` as JSON Schema: null joins the allowed types."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def _format_checker():
    """The formats the request schemas use, checked without optional packages: a date, a
    date-time with its offset, an absolute http(s) URL, an address with an @."""
    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("date", raises=ValueError)
    def is_date(value):
        return not isinstance(value, str) or bool(dt.date.fromisoformat(value))

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value):
        if not isinstance(value, str):
            return True
        return "T" in value and dt.datetime.fromisoformat(value).tzinfo is not None

    @checker.checks("uri")
    def is_uri(value):
        return not isinstance(value, str) or bool(re.fullmatch(r"https?://[^\s/]+\S*", value))

    @checker.checks("email")
    def is_email(value):
        return not isinstance(value, str) or bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.\w+", value))

    return checker


def test_every_write_has_a_request_example_valid_against_its_schema(reader):
    document = _schema(reader)
    components = _json_schema(document["components"])
    checker = _format_checker()
    checked = []

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in WRITE_METHODS or "requestBody" not in operation:
                continue  # dismiss/ and auth/token/revoke/ take no body
            for media_type, content in operation["requestBody"]["content"].items():
                where = f"{method.upper()} {path} ({media_type})"
                assert content.get("examples"), f"{where}: no request example"
                name = content["schema"]["$ref"].rsplit("/", 1)[1]
                # Strict: a misspelt field in an example fails instead of passing unseen.
                schema = {**components["schemas"][name], "additionalProperties": False}
                validator = jsonschema.Draft4Validator(
                    {**schema, "components": components}, format_checker=checker
                )
                for key, example in content["examples"].items():
                    errors = [
                        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
                        for error in validator.iter_errors(example["value"])
                    ]
                    assert not errors, f"{where}, example {key}: {errors}"
                    checked.append((method, path))

    written = {(method, path) for method, path in checked}
    # Every write of the contract is there, with its body (DESIGN.md, "REST API v1").
    for resource in ["organizations", "contacts", "channels", "exchanges", "signals"]:
        assert ("post", f"{API}/{resource}/") in written, resource
        assert ("put", f"{API}/{resource}/{{id}}/") in written, resource
        assert ("patch", f"{API}/{resource}/{{id}}/") in written, resource
    for resource in OPTIONAL_RESOURCES:
        if f"{API}/{resource}/" in document["paths"]:
            assert ("post", f"{API}/{resource}/") in written, resource
            assert ("patch", f"{API}/{resource}/{{id}}/") in written, resource
    assert {
        ("post", f"{API}/climate/"),
        ("post", f"{API}/reminders/{{id}}/snooze/"),
        ("post", f"{API}/auth/token/"),
    } <= written
