"""Signals (DESIGN.md, "Signal"): the rules of each kind, the CSV import that stores all rows
or none, the admin upload, and the REST API (signals/)."""

import datetime as dt
import io

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from contacts.models import Layer, Organization
from indicators.models import Signal
from indicators.signals_import import import_signals_csv
from tests import factories
from tests.conftest import api

API = "/api/v1"
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
ERROR_KEYS = {"status", "code", "detail", "fields"}
SIGNAL_FIELDS = {
    "id",
    "kind",
    "occurred_on",
    "organization",
    "title",
    "language",
    "tone",
    "theme",
    "link",
    "platform",
    "audience",
    "severity",
    "outcome",
    "layer",
    "country",
    "note",
    "created_by",
    "created_at",
    "updated_at",
}
HEADER = "kind,occurred_on,organization,title,language,tone,theme,platform,audience,severity,note"


pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


@pytest.fixture
def outlet(db):
    return factories.OrganizationFactory(
        name="Vesti", kind=Organization.Kind.MEDIA_OUTLET, country="IL"
    )


@pytest.fixture
def university(db):
    return factories.OrganizationFactory(name="Technion", country="IL")


def csv_file(*lines: str) -> io.BytesIO:
    return io.BytesIO("\n".join(lines).encode())


def coverage(outlet, **fields) -> Signal:
    values = {
        "kind": Signal.Kind.COVERAGE,
        "occurred_on": dt.date(2026, 2, 1),
        "title": "Start-ups at the fair",
        "organization": outlet,
        "tone": 1,
        "theme": Signal.Theme.INNOVATION,
        "layer": Layer.NARRATIVE,
        "note": "Private.",
        **fields,
    }
    return Signal.objects.create(**values)


# The model


def test_the_database_refuses_a_tone_off_the_scale(outlet):
    with pytest.raises(IntegrityError), transaction.atomic():
        coverage(outlet, tone=3)

    assert Signal.objects.exists() is False


def test_the_database_refuses_coverage_without_a_tone(outlet):
    with pytest.raises(IntegrityError), transaction.atomic():
        coverage(outlet, tone=None)

    assert Signal.objects.exists() is False


def test_default_layer_is_security_for_incidents_and_coordination():
    assert Signal.default_layer(Signal.Kind.FRICTION_INCIDENT) == Layer.SECURITY
    assert Signal.default_layer(Signal.Kind.COORDINATION) == Layer.SECURITY
    assert Signal.default_layer(Signal.Kind.COVERAGE) == Layer.NARRATIVE
    assert Signal.default_layer(Signal.Kind.DIGITAL_REACH) == Layer.NARRATIVE


def test_signals_keep_a_history(outlet):
    signal = coverage(outlet)
    signal.tone = 2
    signal.save()

    assert [record.tone for record in signal.history.order_by("history_date")] == [1, 2]


# CSV import


def test_a_valid_file_stores_every_row_with_defaults_and_history(outlet, owner):
    file = csv_file(
        HEADER,
        "coverage,2026-02-01,Vesti,Start-ups at the fair,ru,2,innovation,,,,",
        f"coverage,2026-02-02,{outlet.pk},Border tension,he,-1,security,,,,",
        "digital_reach,2026-02-03,,Video on the exhibition,ru,,,youtube,12000,,",
        'friction_incident,2026-02-04,,Harassed at a rally,,,,,,high,"Quoted, with a comma"',
    )

    report = import_signals_csv(file=file, user=owner, now=NOW)

    assert report.ok is True
    assert report.created == 4
    assert Signal.objects.count() == 4
    fair = Signal.objects.get(title="Start-ups at the fair")
    assert (fair.organization, fair.tone, fair.layer, fair.country.code) == (
        outlet,
        2,
        Layer.NARRATIVE,
        "IL",
    )
    assert (fair.created_by, fair.created_at) == (owner, NOW)
    incident = Signal.objects.get(kind=Signal.Kind.FRICTION_INCIDENT)
    assert (incident.layer, incident.note) == (Layer.SECURITY, "Quoted, with a comma")
    assert Signal.objects.get(kind="digital_reach").audience == 12000
    assert Signal.history.count() == 4
    assert set(Signal.history.values_list("history_user", flat=True)) == {owner.pk}


@pytest.mark.parametrize(
    ("lines", "where", "message"),
    [
        (
            ["kind,occurred_on,title,organization", "coverage,2026-02-01,Fine,Vesti \x00 TV"],
            (0, "file"),
            "NUL character",
        ),
        (
            ["kind,occurred_on,title", 'coverage,2026-02-01,"Open quote', "coverage,2026-02-02,B"],
            (0, "file"),
            "Not a readable CSV file",
        ),
        (
            ["kind,occurred_on,title", "coverage,2026-02-01,Fine,one cell too many"],
            (2, "row"),
            "More cells than the header has columns.",
        ),
        (
            ["kind,occurred_on,title,organization", "coverage,2026-02-01,Fine,\u0663\u0664"],
            (2, "organization"),
            'No organization is named "\u0663\u0664".',
        ),
    ],
    ids=["nul", "open-quote", "extra-cell", "arabic-indic-digits"],
)
def test_a_file_the_import_cannot_take_as_written_stores_nothing_and_says_why(
    outlet, owner, lines, where, message
):
    """A fuzzer's findings: a NUL in an organization's name was a 500; a quote left open
    swallowed the rest of the file; an extra cell was dropped without a word; "٣٤" linked
    organization 34."""
    factories.OrganizationFactory(pk=34, name="Carmel Chamber Ensemble")

    report = import_signals_csv(file=csv_file(*lines), user=owner, now=NOW)

    assert report.ok is False
    assert (report.errors[0].row, report.errors[0].field) == where
    assert message in report.errors[0].message
    assert Signal.objects.exists() is False


def test_a_bad_row_stores_nothing_and_names_the_row_and_field(outlet, owner):
    file = csv_file(
        HEADER,
        "coverage,2026-02-01,Vesti,Fine row,ru,2,innovation,,,,",
        "coverage,2026-02-02,Vesti,Bad tone,ru,5,security,,,,",
        "coverage,2026-02-03,Vesti,Fine too,ru,0,civil,,,,",
    )

    report = import_signals_csv(file=file, user=owner, now=NOW)

    assert report.ok is False
    assert report.created == 0
    assert [(error.row, error.field) for error in report.errors] == [(3, "tone")]
    assert "less than or equal to 2" in report.errors[0].message
    assert Signal.objects.exists() is False
    assert Signal.history.exists() is False


def test_every_bad_row_is_reported(outlet, university, owner):
    factories.OrganizationFactory(name="Twin", kind=Organization.Kind.MEDIA_OUTLET, country="IL")
    factories.OrganizationFactory(name="Twin", kind=Organization.Kind.MEDIA_OUTLET, country="RU")
    file = csv_file(
        HEADER,
        "coverage,2026-02-31,Vesti,Bad date,ru,1,civil,,,,",
        "coverage,2026-02-01,Nowhere Times,Unknown outlet,ru,1,civil,,,,",
        "coverage,2026-02-01,Technion,Not an outlet,ru,1,civil,,,,",
        "coverage,2026-02-01,Vesti,No tone,ru,,civil,,,,",
        "gossip,2026-02-01,,Unknown kind,,,,,,,",
        "digital_reach,2026-02-01,,No audience,,,,telegram,,,",
        "friction_incident,2026-02-01,,No severity,,,,,,,",
        "coverage,2026-02-01,Twin,Two outlets of this name,ru,1,culture,,,,",
    )

    report = import_signals_csv(file=file, user=owner, now=NOW)

    assert [(error.row, error.field) for error in report.errors] == [
        (2, "occurred_on"),
        (3, "organization"),
        (4, "organization"),
        (5, "tone"),
        (6, "kind"),
        (7, "audience"),
        (8, "severity"),
        (9, "organization"),
        (9, "theme"),
    ]
    assert report.errors[1].message == 'No organization is named "Nowhere Times".'
    assert "media_outlet" in report.errors[2].message
    assert "give the id" in report.errors[7].message
    assert Signal.objects.exists() is False


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", [(0, "file")]),
        (b"kind,occurred_on,title\n", [(0, "file")]),
        (b"\xff\xfe\x00k", [(0, "file")]),
        (b"kind,occurred_on,title,mood\ncoverage,2026-01-01,x,happy\n", [(1, "mood")]),
        (b"kind,title\ncoverage,x\n", [(1, "occurred_on")]),
        (b"kind,occurred_on,title,title\ncoverage,2026-01-01,x,y\n", [(1, "title")]),
    ],
)
def test_a_malformed_file_is_reported_and_stores_nothing(owner, content, expected):
    report = import_signals_csv(file=io.BytesIO(content), user=owner, now=NOW)

    assert [(error.row, error.field) for error in report.errors] == expected
    assert Signal.objects.exists() is False


def test_a_byte_order_mark_and_blank_lines_are_accepted(outlet, owner):
    file = io.BytesIO(
        "\ufeffkind,occurred_on,title,severity\n\nfriction_incident,2026-01-01,Stopped,low\n\n".encode()
    )

    report = import_signals_csv(file=file, user=owner, now=NOW)

    assert (report.ok, report.created) == (True, 1)


# The admin


@pytest.fixture
def staff_admin(admin_user):
    client = APIClient()
    client.force_login(admin_user)
    return client


def test_the_changelist_offers_the_csv_import(staff_admin, outlet):
    coverage(outlet)

    response = staff_admin.get(reverse("admin:indicators_signal_changelist"))

    assert response.status_code == 200
    assert reverse("admin:indicators_signal_import") in response.content.decode()


def test_the_admin_upload_reports_a_bad_row_and_stores_nothing(staff_admin, outlet):
    upload = csv_file(
        "kind,occurred_on,organization,title,tone",
        "coverage,2026-02-01,Vesti,Fine,1",
        "coverage,not-a-date,Vesti,Broken,1",
    )
    upload.name = "signals.csv"

    response = staff_admin.post(reverse("admin:indicators_signal_import"), {"file": upload})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "<td>3</td><td>occurred_on</td>" in page
    assert Signal.objects.exists() is False


def test_the_admin_upload_stores_a_valid_file(staff_admin, outlet, admin_user):
    upload = csv_file(
        "kind,occurred_on,organization,title,tone", "coverage,2026-02-01,Vesti,Fine,1"
    )
    upload.name = "signals.csv"

    response = staff_admin.post(reverse("admin:indicators_signal_import"), {"file": upload})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:indicators_signal_changelist")
    assert Signal.objects.get().created_by == admin_user


def test_the_admin_upload_needs_the_add_permission(analyst, outlet):
    analyst.is_staff = True
    analyst.save(update_fields=["is_staff"])
    client = APIClient()
    client.force_login(analyst)
    upload = csv_file("kind,occurred_on,organization,title,tone", "coverage,2026-02-01,Vesti,x,1")
    upload.name = "signals.csv"

    response = client.post(reverse("admin:indicators_signal_import"), {"file": upload})

    assert response.status_code == 403
    assert Signal.objects.exists() is False


def test_the_admin_form_applies_the_rules_of_the_kind(staff_admin, university):
    response = staff_admin.post(
        reverse("admin:indicators_signal_add"),
        {
            "kind": "coverage",
            "occurred_on": "2026-02-01",
            "title": "x",
            "organization": university.pk,
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"organization", "tone"}
    assert Signal.objects.exists() is False


# The API


def test_create_coverage_defaults_layer_country_and_author(owner, outlet):
    response = api(owner).post(
        f"{API}/signals/",
        {
            "kind": "coverage",
            "occurred_on": "2026-02-01",
            "organization": outlet.pk,
            "title": "Start-ups at the fair",
            "tone": 2,
            "theme": "innovation",
            "link": "https://vesti.example/fair",
        },
        format="json",
    )

    body = response.json()
    assert response.status_code == 201
    assert set(body) == SIGNAL_FIELDS
    assert (body["layer"], body["country"], body["created_by"]) == ("narrative", "IL", owner.pk)
    assert response["ETag"]
    assert Signal.objects.get().created_by == owner


def test_create_an_incident_defaults_to_the_security_layer(lead):
    response = api(lead).post(
        f"{API}/signals/",
        {"kind": "friction_incident", "occurred_on": "2026-02-01", "title": "x", "severity": "low"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["layer"] == "security"


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"tone": 3}, {"tone"}),
        ({"tone": None}, {"tone"}),
        ({"organization": None}, {"organization"}),
        ({"theme": "sports"}, {"theme"}),
        ({"occurred_on": "2026-13-01"}, {"occurred_on"}),
        ({"kind": "rumour"}, {"kind"}),
        ({"layer": "economic"}, {"layer"}),
        ({"country": "XX"}, {"country"}),
        ({"organization": 987654}, {"organization"}),
        ({"title": ""}, {"title"}),
    ],
)
def test_invalid_signals_are_400_with_field_messages_and_nothing_stored(
    owner, outlet, payload, fields
):
    data = {
        "kind": "coverage",
        "occurred_on": "2026-02-01",
        "organization": outlet.pk,
        "title": "x",
        "tone": 1,
        **payload,
    }

    response = api(owner).post(f"{API}/signals/", data, format="json")

    assert response.status_code == 400
    assert set(response.json()) == ERROR_KEYS
    assert set(response.json()["fields"]) == fields
    assert Signal.objects.exists() is False


def test_coverage_needs_a_media_outlet(owner, university):
    response = api(owner).post(
        f"{API}/signals/",
        {
            "kind": "coverage",
            "occurred_on": "2026-02-01",
            "organization": university.pk,
            "title": "x",
            "tone": 0,
        },
        format="json",
    )

    assert response.status_code == 400
    assert "media_outlet" in response.json()["fields"]["organization"][0]


def test_list_filters_by_kind_theme_and_dates(owner, outlet):
    coverage(outlet, occurred_on=dt.date(2026, 1, 5), theme="security")
    coverage(outlet, occurred_on=dt.date(2026, 2, 5), theme="civil")
    Signal.objects.create(
        kind="coordination",
        occurred_on=dt.date(2026, 2, 6),
        title="Hotline",
        outcome="held",
        layer="security",
    )

    def titles(**query):
        response = api(owner).get(f"{API}/signals/", query)
        assert response.status_code == 200
        return [row["occurred_on"] for row in response.json()["results"]]

    assert titles() == ["2026-02-06", "2026-02-05", "2026-01-05"]
    assert titles(kind="coverage") == ["2026-02-05", "2026-01-05"]
    assert titles(theme="civil") == ["2026-02-05"]
    assert titles(occurred_after="2026-02-01", occurred_before="2026-02-06") == ["2026-02-05"]
    assert api(owner).get(f"{API}/signals/", {"kind": "rumour"}).status_code == 400


def test_update_checks_the_rules_against_the_stored_row(owner, outlet, university):
    signal = coverage(outlet)

    moved = api(owner).patch(
        f"{API}/signals/{signal.pk}/", {"organization": university.pk}, format="json"
    )
    retoned = api(owner).patch(f"{API}/signals/{signal.pk}/", {"tone": -2}, format="json")

    assert moved.status_code == 400
    assert set(moved.json()["fields"]) == {"organization"}
    assert retoned.status_code == 200
    signal.refresh_from_db()
    assert (signal.organization, signal.tone) == (outlet, -2)


def test_a_stale_if_match_is_412_and_changes_nothing(owner, outlet):
    signal = coverage(outlet)
    etag = api(owner).get(f"{API}/signals/{signal.pk}/")["ETag"]
    api(owner).patch(f"{API}/signals/{signal.pk}/", {"title": "First"}, format="json")

    stale = api(owner).patch(
        f"{API}/signals/{signal.pk}/", {"title": "Second"}, format="json", HTTP_IF_MATCH=etag
    )

    assert stale.status_code == 412
    signal.refresh_from_db()
    assert signal.title == "First"


def test_delete(owner, outlet):
    signal = coverage(outlet)

    response = api(owner).delete(f"{API}/signals/{signal.pk}/")

    assert response.status_code == 204
    assert Signal.objects.exists() is False


def test_analysts_read_signals_without_notes_and_write_nothing(analyst, outlet):
    signal = coverage(outlet, note="PRIVATE-NOTE-MARKER")

    listed = api(analyst).get(f"{API}/signals/")
    one = api(analyst).get(f"{API}/signals/{signal.pk}/")
    created = api(analyst).post(
        f"{API}/signals/",
        {"kind": "coordination", "occurred_on": "2026-02-01", "title": "x", "outcome": "held"},
        format="json",
    )

    assert listed.status_code == one.status_code == 200
    assert "note" not in listed.json()["results"][0]
    assert "note" not in one.json()
    assert "PRIVATE-NOTE-MARKER" not in listed.content.decode() + one.content.decode()
    assert created.status_code == 403
    assert Signal.objects.count() == 1


def test_planners_do_not_write_signals_and_the_anonymous_read_nothing(planner, outlet):
    signal = coverage(outlet)

    patched = api(planner).patch(f"{API}/signals/{signal.pk}/", {"tone": -2}, format="json")

    assert patched.status_code == 403
    assert api().get(f"{API}/signals/").status_code == 401
    signal.refresh_from_db()
    assert signal.tone == 1


def test_unknown_signal_is_404(owner):
    response = api(owner).get(f"{API}/signals/987654/")

    assert response.status_code == 404
    assert set(response.json()) == ERROR_KEYS
