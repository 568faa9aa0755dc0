"""The REST API permission matrix (DESIGN.md, "Access rules"): role x sensitivity x endpoint
x method, what a write naming a hidden contact reveals, and lists whose query count does
not grow with the page."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts import access
from contacts.models import AccessLog, Channel, Contact, Exchange, Sensitivity
from tests import factories
from tests.conftest import api

API = "/api/v1"
NOTES = "Met the cousin of the minister."
PERSONAS = [
    "owner",
    "teammate",
    "outsider",
    "grantee",
    "planner",
    "lead",
    "analyst",
    "admin_user",
]
SENSITIVITIES = [Sensitivity.STANDARD, Sensitivity.RESTRICTED, Sensitivity.PROTECTED]
ENDPOINTS = ["contacts", "channels", "exchanges", "reminders"]
# Who may write at all (contacts.api.EDITORS): planners and analysts only read.
EDITORS = {"owner", "teammate", "outsider", "grantee", "lead", "admin_user"}
PATCHES = {
    "contacts": ({"full_name": "Renamed"}, "full_name"),
    "channels": ({"cadence_days": 7}, "cadence_days"),
    "exchanges": ({"summary": "Renamed"}, "summary"),
    "reminders": ({"status": "dismissed"}, "status"),
}


pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


def sees_contact(persona: str, sensitivity: str) -> bool:
    """DESIGN.md: standard to all staff; restricted to the owner, the owner's teams
    (the press team: teammate and lead) and grantees; protected to the owner and
    grantees; superusers see everything."""
    if persona in {"owner", "grantee", "admin_user"}:
        return True
    if sensitivity == Sensitivity.STANDARD:
        return True
    return sensitivity == Sensitivity.RESTRICTED and persona in {"teammate", "lead"}


def sees(endpoint: str, persona: str, sensitivity: str) -> bool:
    if not sees_contact(persona, sensitivity):
        return False
    if endpoint == "reminders":  # personal: the recipient, their lead, superusers
        return persona in {"owner", "lead", "admin_user"}
    return True


def expected_patch(endpoint: str, persona: str, sensitivity: str) -> int:
    if endpoint == "reminders":
        return 405  # read-only, whatever the caller may see
    if persona not in EDITORS:
        return 403
    if not sees(endpoint, persona, sensitivity):
        return 404
    if endpoint == "contacts" or persona in {"owner", "admin_user"}:
        return 200
    return 403  # channels and exchanges are changed by their officer


def _matrix():
    for endpoint in ENDPOINTS:
        for sensitivity in SENSITIVITIES:
            for persona in PERSONAS:
                marks = []
                if (
                    endpoint == "channels"
                    and persona in EDITORS - {"owner", "admin_user"}
                    and sees_contact(persona, sensitivity)
                ):
                    marks = []
                yield pytest.param(
                    endpoint,
                    sensitivity,
                    persona,
                    marks=marks,
                    id=f"{endpoint}-{sensitivity}-{persona}",
                )


@pytest.fixture
def world(owner, grantee):
    """One contact of ``owner`` granted to ``grantee``, with the owner's channel, an
    exchange and a channel reminder; the sensitivity is set by each test."""
    contact = factories.ContactFactory(full_name="Mira Quiet", owner=owner, notes=NOTES)
    factories.GrantFactory(contact=contact, user=grantee)
    channel = factories.ChannelFactory(contact=contact, officer=owner, cadence_days=30)
    exchange = factories.ExchangeFactory(
        contacts=[contact], officers=[owner], created_by=owner, notes=NOTES, summary="Tea."
    )
    reminder = factories.ReminderFactory(channel=channel)
    return {
        "contacts": contact,
        "channels": channel,
        "exchanges": exchange,
        "reminders": reminder,
    }


STATE = {
    "contacts": ("full_name", "sensitivity", "owner_id", "notes", "updated_at"),
    "channels": ("cadence_days", "officer_id", "status", "updated_at"),
    "exchanges": ("summary", "notes", "occurred_at", "updated_at"),
    "reminders": ("status", "snoozed_until", "closed_at"),
}


def _state(endpoint, row) -> dict:
    row.refresh_from_db()
    return {field: getattr(row, field) for field in STATE[endpoint]}


@pytest.mark.parametrize(("endpoint", "sensitivity", "persona"), list(_matrix()))
def test_permission_matrix(request, world, endpoint, sensitivity, persona):
    Contact.objects.filter(pk=world["contacts"].pk).update(sensitivity=sensitivity)
    user = request.getfixturevalue(persona)
    row = world[endpoint]
    visible = sees(endpoint, persona, sensitivity)
    client = api(user)
    before = _state(endpoint, row)

    listed = client.get(f"{API}/{endpoint}/")
    logged_before = AccessLog.objects.filter(user=user, surface=AccessLog.Surface.API).count()
    detail = client.get(f"{API}/{endpoint}/{row.pk}/")
    logged_after = AccessLog.objects.filter(user=user, surface=AccessLog.Surface.API).count()
    body, field = PATCHES[endpoint]
    patched = client.patch(f"{API}/{endpoint}/{row.pk}/", body, format="json")

    # GET list: present if and only if visible, and counted only then.
    assert listed.status_code == 200
    results = listed.json()["results"]
    assert [item["id"] for item in results] == ([row.pk] if visible else [])
    if "count" in listed.json():
        assert listed.json()["count"] == (1 if visible else 0)
    # GET detail: 200 when visible, else 404 (never 403, which would confirm it exists).
    if visible:
        assert detail.status_code == 200
        assert detail.json()["id"] == row.pk
    else:
        missing = client.get(f"{API}/{endpoint}/987654321/")
        assert detail.status_code == 404
        assert detail.content == missing.content
        assert detail.json()["fields"] == {}
    # Private notes: never for analysts, for everyone else who sees the row.
    if visible and endpoint in {"contacts", "exchanges"}:
        if persona == "analyst":
            assert "notes" not in detail.json()
            assert all("notes" not in item for item in results)
        else:
            assert detail.json()["notes"] == NOTES
            assert results[0]["notes"] == NOTES
    # Every API view of a protected contact's detail writes one access-log row.
    detail_logs = 1 if endpoint == "contacts" and visible and sensitivity == "protected" else 0
    assert logged_after - logged_before == detail_logs
    # PATCH: allowed or refused, and nothing changed when refused.
    expected = expected_patch(endpoint, persona, sensitivity)
    assert patched.status_code == expected, patched.content[:300]
    if expected == 200:
        assert _state(endpoint, row)[field] == body[field]
    else:
        assert set(patched.json()) == {"status", "code", "detail", "fields"}
        assert patched.json()["status"] == expected
        assert _state(endpoint, row) == before
    if expected == 404:
        missing = client.patch(f"{API}/{endpoint}/987654321/", body, format="json")
        assert patched.content == missing.content


# A write naming a hidden contact reveals nothing more than one naming no contact at all.


MISSING_ID = 987654321


@pytest.fixture
def hidden(owner):
    return factories.ContactFactory(full_name="Mira Hidden", owner=owner, sensitivity="protected")


def _masked(response, pk: int) -> bytes:
    # DRF names the offending id in its message: 'Invalid pk \\"42\\" - object does not exist.'
    return response.content.replace(f'\\"{pk}\\"'.encode(), b"<id>")


def _same_answer(send, hidden_id: int) -> None:
    """``send(id)`` answers byte for byte the same for the hidden and the missing id."""
    for_hidden, for_missing = send(hidden_id), send(MISSING_ID)
    assert for_hidden.status_code == for_missing.status_code == 400
    assert b"<id>" in _masked(for_hidden, hidden_id)
    assert _masked(for_hidden, hidden_id) == _masked(for_missing, MISSING_ID)


def test_creating_a_channel_for_a_hidden_contact_is_like_a_missing_one(outsider, hidden):
    client = api(outsider)

    _same_answer(
        lambda pk: client.post(f"{API}/channels/", {"contact": pk}, format="json"), hidden.pk
    )
    assert Channel.objects.exists() is False


def test_logging_an_exchange_with_a_hidden_contact_is_like_a_missing_one(outsider, hidden):
    visible = factories.ContactFactory(owner=outsider)
    client = api(outsider)

    def send(pk):
        body = {"contacts": [visible.pk, pk], "kind": "call", "summary": "Call."}
        return client.post(f"{API}/exchanges/", body, format="json")

    _same_answer(send, hidden.pk)
    assert Exchange.objects.exists() is False


def test_moving_a_channel_or_an_exchange_to_a_hidden_contact_is_like_a_missing_one(
    outsider, hidden
):
    mine = factories.ContactFactory(owner=outsider)
    channel = factories.ChannelFactory(contact=mine, officer=outsider)
    exchange = factories.ExchangeFactory(contacts=[mine], officers=[outsider], created_by=outsider)
    client = api(outsider)

    _same_answer(
        lambda pk: client.patch(f"{API}/channels/{channel.pk}/", {"contact": pk}, "json"),
        hidden.pk,
    )
    _same_answer(
        lambda pk: client.patch(f"{API}/exchanges/{exchange.pk}/", {"contacts": [pk]}, "json"),
        hidden.pk,
    )
    channel.refresh_from_db()
    assert channel.contact == mine
    assert list(exchange.contacts.all()) == [mine]


def test_filtering_exchanges_by_a_hidden_contact_is_like_a_missing_one(outsider, hidden, owner):
    factories.ExchangeFactory(contacts=[hidden], officers=[owner])
    client = api(outsider)

    for_hidden = client.get(f"{API}/exchanges/?contact={hidden.pk}")
    for_missing = client.get(f"{API}/exchanges/?contact={MISSING_ID}")

    assert for_hidden.status_code == for_missing.status_code == 200
    assert (
        for_hidden.json() == for_missing.json() == {"next": None, "previous": None, "results": []}
    )


def test_filtering_channels_by_a_hidden_contact_is_like_a_missing_one(outsider, hidden, owner):
    factories.ChannelFactory(contact=hidden, officer=owner)
    client = api(outsider)

    for_hidden = client.get(f"{API}/channels/?contact={hidden.pk}")
    for_missing = client.get(f"{API}/channels/?contact={MISSING_ID}")

    assert (for_hidden.status_code, for_hidden.content) == (
        for_missing.status_code,
        for_missing.content,
    )


def test_filtering_reminders_by_a_hidden_channel_is_like_a_missing_one(outsider, hidden, owner):
    channel = factories.ChannelFactory(contact=hidden, officer=owner)
    client = api(outsider)

    for_hidden = client.get(f"{API}/reminders/?channel={channel.pk}")
    for_missing = client.get(f"{API}/reminders/?channel={MISSING_ID}")

    assert (for_hidden.status_code, for_hidden.content) == (
        for_missing.status_code,
        for_missing.content,
    )


# Analysts: no private notes anywhere, no writes, and their views are logged too.


def test_an_analyst_gets_no_notes_even_for_a_standard_contact(analyst, owner):
    contact = factories.ContactFactory(owner=owner, notes=NOTES)
    exchange = factories.ExchangeFactory(contacts=[contact], officers=[owner], notes=NOTES)
    client = api(analyst)

    responses = [
        client.get(f"{API}/contacts/"),
        client.get(f"{API}/contacts/{contact.pk}/"),
        client.get(f"{API}/contacts/?search=Contact"),
        client.get(f"{API}/exchanges/"),
        client.get(f"{API}/exchanges/{exchange.pk}/"),
    ]

    assert [response.status_code for response in responses] == [200] * 5
    for response in responses:
        assert NOTES not in response.content.decode()
        assert "notes" not in response.content.decode()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "post",
            "contacts/",
            lambda c, e: {"full_name": "A", "category": "other", "layer": "security"},
        ),
        ("patch", "contacts/{c}/", lambda c, e: {"notes": "Mine now."}),
        ("delete", "contacts/{c}/", lambda c, e: None),
        ("post", "channels/", lambda c, e: {"contact": c}),
        ("post", "exchanges/", lambda c, e: {"contacts": [c], "kind": "call", "summary": "S."}),
        ("patch", "exchanges/{e}/", lambda c, e: {"summary": "Mine now."}),
        ("delete", "exchanges/{e}/", lambda c, e: None),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_an_analyst_cannot_write(analyst, owner, method, path, body):
    contact = factories.ContactFactory(owner=owner, notes=NOTES)
    exchange = factories.ExchangeFactory(contacts=[contact], officers=[owner], summary="Tea.")

    response = getattr(api(analyst), method)(
        f"{API}/{path.format(c=contact.pk, e=exchange.pk)}",
        body(contact.pk, exchange.pk),
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    contact.refresh_from_db()
    exchange.refresh_from_db()
    assert (Contact.objects.count(), Channel.objects.count(), Exchange.objects.count()) == (1, 0, 1)
    assert (contact.notes, exchange.summary) == (NOTES, "Tea.")


def test_an_analyst_listing_a_protected_contact_is_logged(analyst, owner):
    contact = factories.ContactFactory(owner=owner, sensitivity="protected")
    factories.GrantFactory(contact=contact, user=analyst)

    response = api(analyst).get(f"{API}/contacts/")

    assert [row["id"] for row in response.json()["results"]] == [contact.pk]
    assert (
        AccessLog.objects.filter(
            user=analyst, contact=contact, surface=AccessLog.Surface.API
        ).count()
        == 1
    )


def test_listing_protected_contacts_logs_each_one_shown(owner):
    shown = [
        factories.ContactFactory(full_name=f"P{n}", owner=owner, sensitivity="protected")
        for n in range(3)
    ]
    factories.ContactFactory(full_name="S", owner=owner)

    response = api(owner).get(f"{API}/contacts/?page_size=2")

    assert response.status_code == 200
    logged = AccessLog.objects.filter(user=owner, surface="api").order_by("contact_id")
    assert [entry.contact for entry in logged] == shown[:2]


# Constant queries: a page of 30 rows costs as many queries as a page of 3.


ROWS = 30


def _organizations(owner):
    for n in range(ROWS):
        factories.OrganizationFactory(name=f"Org {n:02}")


def _contacts(owner):
    tags = [factories.TagFactory(name="a"), factories.TagFactory(name="b")]
    organization = factories.OrganizationFactory()
    grantor = factories.UserFactory(username="grantor", roles=["officer"])
    for n in range(ROWS):
        contact = factories.ContactFactory(
            full_name=f"Contact {n:02}",
            owner=owner if n % 2 else grantor,
            organization=organization,
            sensitivity=SENSITIVITIES[n % 3],
            tags=tags,
            notes=NOTES,
        )
        if contact.owner == grantor:
            factories.GrantFactory(contact=contact, user=owner)


def _channels(owner):
    for _ in range(ROWS):
        factories.ChannelFactory(contact=factories.ContactFactory(owner=owner), officer=owner)


def _exchanges(owner):
    for n in range(ROWS):
        contacts = [factories.ContactFactory(owner=owner) for _ in range(2)]
        factories.ExchangeFactory(
            contacts=contacts,
            officers=[owner],
            occurred_at=dt.datetime(2026, 1, 1, n % 24, tzinfo=dt.UTC),
        )


def _reminders(owner):
    for _ in range(ROWS):
        channel = factories.ChannelFactory(
            contact=factories.ContactFactory(owner=owner), officer=owner
        )
        factories.ReminderFactory(channel=channel)


def _climate(owner):
    for n in range(ROWS):
        factories.ClimateFactory(
            level="high", started_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=n)
        )


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("organizations", _organizations),
        ("contacts", _contacts),
        ("channels", _channels),
        ("exchanges", _exchanges),
        ("reminders", _reminders),
        ("climate", _climate),
    ],
)
def test_list_queries_do_not_grow_with_the_page(owner, path, make):
    make(owner)
    client = api(owner)

    with CaptureQueriesContext(connection) as small:
        few = client.get(f"{API}/{path}/?page_size=3")
    # force_authenticate hands every request the same user object, roles kept and all.
    access.forget_roles(owner)
    with CaptureQueriesContext(connection) as large:
        many = client.get(f"{API}/{path}/?page_size={ROWS}")

    assert (few.status_code, many.status_code) == (200, 200)
    assert (len(few.json()["results"]), len(many.json()["results"])) == (3, ROWS)
    assert len(large.captured_queries) == len(small.captured_queries)
