"""Imports through the service (contacts.imports), the tasks' bodies called in process:
each test file previewed (nothing stored but the batch), imported and reverted; updates,
possible duplicates and hidden contacts; what a revert leaves; who may import."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from openpyxl import Workbook

from contacts import imports
from contacts.models import (
    Affiliation,
    Contact,
    ImportBatch,
    ImportRow,
    Organization,
    Sensitivity,
    Tag,
)
from tests import factories
from tests.contacts.imports_support import (
    actions,
    imported,
    previewed,
    reverted,
    row,
    upload_file,
)

Action, Result, Status = ImportRow.Action, ImportRow.Result, ImportBatch.Status
TEST_FILES = {
    # file: (rows, contacts it creates, organizations it creates)
    "contacts-windows-1251.csv": (4, 4, 3),
    "contacts-merged-header.xlsx": (3, 3, 2),
    "phone-export-3.0.vcf": (3, 3, 3),
    "phone-export-4.0.vcf": (2, 2, 2),
}


def _stored():
    return (Contact.objects.count(), Organization.objects.count(), Affiliation.objects.count())


@pytest.mark.parametrize("name", TEST_FILES)
def test_each_file_is_previewed_imported_and_reverted(owner, name):
    rows, contacts, organizations = TEST_FILES[name]
    before = _stored()

    batch = previewed(owner, name)

    assert batch.status == Status.PREVIEW_READY
    assert (batch.row_count, batch.new_count, batch.invalid_count) == (rows, rows, 0)
    assert batch.file_data == ""  # the file is dropped once its rows are read
    assert _stored() == before  # a dry run stores nothing but the batch and its rows

    batch = imported(batch, owner)

    assert batch.status == Status.IMPORTED
    created = Contact.objects.filter(pk__in=batch.rows.values("contact"))
    assert created.count() == contacts
    assert set(created.values_list("owner", "sensitivity")) == {(owner.pk, "restricted")}
    assert Organization.objects.count() == before[1] + organizations
    assert Affiliation.objects.count() == before[2] + contacts

    batch = reverted(batch, owner)

    assert batch.status == Status.REVERTED
    assert _stored() == before
    assert batch.report["revert"]["left"] == []


def test_a_windows_1251_csv_with_russian_headers(owner):
    batch = previewed(owner, "contacts-windows-1251.csv")

    assert batch.encoding == "Windows-1251"
    assert [c["column"] for c in batch.report["columns"]][:3] == ["ФИО", "Организация", "Должность"]
    assert batch.report["unknown_columns"] == ["Семейное положение"]
    batch = imported(batch, owner)
    irina = Contact.objects.get(email="i.petrova@oriental.example.ru")
    assert (irina.full_name, irina.native_name) == ("Irina Petrova", "Ирина Петрова")
    assert (irina.category, irina.country.code, irina.birth_year) == ("academic", "RU", 1975)
    assert sorted(irina.tags.values_list("name", flat=True)) == ["ближний восток", "круглый стол"]
    affiliation = Affiliation.objects.get(contact=irina)
    assert (affiliation.organization.name, affiliation.role) == (
        "Институт востоковедения",
        "Старший научный сотрудник",
    )
    assert irina.organization == affiliation.organization
    # A kind the file does not give is the one the contact's category suggests.
    assert affiliation.organization.kind == Organization.Kind.UNIVERSITY
    oleg = Contact.objects.get(email="o.smirnov@dialog.example.org")
    assert (oleg.category, oleg.country.code) == ("think_tank", "IL")  # "Аналитик", "Израиль"


def test_an_xlsx_whose_header_cells_are_merged(owner):
    batch = previewed(owner, "contacts-merged-header.xlsx")

    # Row 1 is a title merged across the columns, row 3 the header; "Phone" spans E and F.
    assert actions(batch) == {4: Action.NEW, 5: Action.NEW, 6: Action.NEW}
    assert batch.report["unknown_columns"] == ["(no header, column F)"]
    assert row(batch, 4).cells["phone"] == "+972 3 555 0101"
    assert row(batch, 6).cells["phone"] == "972545550104"  # a number cell, read as text
    assert row(batch, 4).values["contact"]["category"] == "cultural"  # by its label


def test_vcards_from_a_phone(owner):
    batch = imported(previewed(owner, "phone-export-3.0.vcf"), owner)

    david = Contact.objects.get(email="d.levi@haaretz.example.com")
    assert (david.phone, david.birth_year, david.category) == (
        "+972 52-555-0103",
        1980,
        "journalist",
    )
    assert list(david.tags.values_list("name", flat=True)) == ["Media forum"]
    assert Affiliation.objects.get(contact=david).role == "Editor"
    noa = Contact.objects.get(email="noa.mizrahi@museum.example.org")
    assert noa.full_name == "Noa Mizrahi"  # no FN: the name from N
    assert batch.report["unknown_columns"] == ["ADR"]
    assert "The first of each is imported" in batch.report["notes"][0]

    batch = imported(previewed(owner, "phone-export-4.0.vcf"), owner)

    levi = Contact.objects.get(email="david.levi@tau.example.ac.il")
    # A Hebrew name stays as written (its consonants alone, "Dvd Lvy", named no one).
    assert (levi.full_name, levi.native_name, levi.phone) == ("דוד לוי", "", "+972-50-555-0110")
    assert levi.birth_year is None  # BDAY:--0415 has no year
    maria = Contact.objects.get(email="maria.ivanova@example.org")
    assert (maria.birth_year, maria.organization.name) == (1972, "Moscow State University")


def test_an_organizations_file_creates_and_updates_organizations(owner):
    haaretz = factories.OrganizationFactory(name="Haaretz", country="IL", city="", kind="company")

    batch = previewed(owner, "organizations.csv")

    assert batch.content == ImportBatch.Content.ORGANIZATIONS
    assert actions(batch, ImportRow.Kind.ORGANIZATION) == {
        2: Action.NEW,
        3: Action.NEW,
        4: Action.UPDATE,
    }
    batch = imported(batch, owner)
    haaretz.refresh_from_db()
    assert (haaretz.native_name, haaretz.kind, haaretz.city) == ("הארץ", "media_outlet", "Tel Aviv")
    museum = Organization.objects.get(name="Tel Aviv Museum of Art")
    assert (museum.kind, museum.website) == (
        "cultural_institution",
        "https://tamuseum.example.org.il",
    )

    reverted(batch, owner)

    haaretz.refresh_from_db()
    assert (haaretz.native_name, haaretz.kind, haaretz.city) == ("", "company", "")
    assert Organization.objects.filter(name="Tel Aviv Museum of Art").exists() is False


# Invalid rows


def test_bad_rows_name_their_row_and_column(owner):
    batch = previewed(owner, "bad-rows.csv")

    assert batch.encoding == "UTF-8 with BOM"
    assert (batch.row_count, batch.invalid_count) == (7, 6)
    errors = {number: row(batch, number).errors for number in range(3, 9)}
    assert errors == {
        3: [{"column": "Category", "message": '"astronaut" is not a valid choice.'}],
        4: [{"column": "E-mail", "message": "Enter a valid email address."}],
        5: [{"column": "Full name", "message": "This field is required."}],
        6: [{"column": "Country", "message": '"Narnia" is not a valid choice.'}],
        7: [{"column": "Birth year", "message": "A birth year cannot be in the future."}],
        8: [{"column": "E-mail", "message": "Row 2 has the same e-mail: keep one row per person."}],
    }
    assert batch.report["unknown_columns"] == ["Favourite colour"]


def _failed(error: str) -> str:
    return (
        f"The cell holds a spreadsheet's error ({error}), not a value: correct its formula or "
        "type the value in the file."
    )


def test_a_cell_holding_a_spreadsheets_error_is_a_row_problem_never_a_value(owner):
    """A formula that failed leaves ``#VALUE!`` (an error cell) in an XLSX: it was taken as
    the contact's name. Each such cell is its row's problem, named by its column, alone
    (a name left out by it is not also "required")."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Full name", "Category", "E-mail", "Organization"])
    sheet.append(["#VALUE!", "academic", "dana@example.org", ""])
    sheet.append(["Oleg Smirnov", "academic", "#N/A", "#REF!"])
    sheet.append(["Ruth Cohen", "academic", "", ""])
    assert sheet["A2"].data_type == "e"  # an error cell, as Excel writes it
    content = io.BytesIO()
    workbook.save(content)

    batch = previewed(owner, "failed-formulas.xlsx", content.getvalue())

    assert actions(batch) == {2: Action.INVALID, 3: Action.INVALID, 4: Action.NEW}
    assert row(batch, 2).errors == [{"column": "Full name", "message": _failed("#VALUE!")}]
    assert row(batch, 3).errors == [
        {"column": "E-mail", "message": _failed("#N/A")},
        {"column": "Organization", "message": _failed("#REF!")},
    ]
    imported(batch, owner, only_valid=True)
    assert list(Contact.objects.values_list("full_name", flat=True)) == ["Ruth Cohen"]
    assert not Organization.objects.exists()
    with translation.override("ru"):
        shown = imports.shown_text(_failed("#N/A"))
    # The value kept left to right inside a right-to-left or any sentence (an isolate).
    assert shown.startswith("В ячейке ошибка таблицы (\u2068#N/A\u2069)")


def test_a_workbook_of_several_sheets_says_which_one_it_read(owner):
    workbook = Workbook()
    contacts = workbook.active
    contacts.title = "Partners 2026"
    contacts.append(["Full name", "Category"])
    contacts.append(["Dana Levi", "academic"])
    workbook.create_sheet("Sheet2")  # empty: not worth a note
    notes = workbook.create_sheet("Press")
    notes.append(["Full name", "Category"])
    notes.append(["Oleg Smirnov", "journalist"])
    workbook.active = 0
    content = io.BytesIO()
    workbook.save(content)

    batch = previewed(owner, "partners.xlsx", content.getvalue())

    assert actions(batch) == {2: Action.NEW}
    note = (
        "Only the sheet “Partners 2026” is read (the one open when the workbook was saved); "
        "its other sheets with data are not: “Press”. Save each as a file of its own to "
        "import it."
    )
    assert batch.report["notes"] == [note]
    with translation.override("ru"):
        shown = imports.shown_text(note)
    # The sheets' names quoted alike, each kept in its own direction (an isolate).
    assert shown.startswith("Прочитан только лист \u2068“Partners 2026”\u2069")
    assert "\u2068“Press”\u2069" in shown


def test_a_csv_saved_from_a_sheet_with_a_failed_formula_is_refused_alike(owner):
    contacts = previewed(
        owner, "saved.csv", b"Full name,Category\n#DIV/0!,academic\nDana Levi,academic\n"
    )
    organizations = previewed(
        owner, "organizations.csv", b"Organization name,Kind,Website\nInstitute,University,#NAME?\n"
    )

    assert actions(contacts) == {2: Action.INVALID, 3: Action.NEW}
    assert row(contacts, 2).errors == [{"column": "Full name", "message": _failed("#DIV/0!")}]
    assert row(organizations, 2, ImportRow.Kind.ORGANIZATION).errors == [
        {"column": "Website", "message": _failed("#NAME?")}
    ]


def test_a_failed_cell_is_neither_matched_nor_compared_with_other_rows(owner):
    """A reviewer's finding: two rows whose e-mail cell held #N/A were "the same e-mail",
    an ID holding #REF! got two errors, and organizations named #REF! repeated each other."""
    contacts = previewed(
        owner,
        "saved-from-russian-excel.csv",
        "ID,Full name,Category,E-mail\n"
        "#REF!,Dana Levi,academic,#N/A\n"
        ",Oleg Smirnov,academic,#N/A\n"
        ",#ЗНАЧ!,academic,\n"
        ",Err:502,academic,\n".encode(),
    )
    organizations = previewed(
        owner, "organizations.csv", b"Organization name,Kind\n#REF!,University\n#REF!,Museum\n"
    )

    assert row(contacts, 2).errors == [
        {"column": "ID", "message": _failed("#REF!")},
        {"column": "E-mail", "message": _failed("#N/A")},
    ]
    assert row(contacts, 3).errors == [{"column": "E-mail", "message": _failed("#N/A")}]
    assert row(contacts, 4).errors == [{"column": "Full name", "message": _failed("#ЗНАЧ!")}]
    assert row(contacts, 5).errors == [{"column": "Full name", "message": _failed("Err:502")}]
    for number in (2, 3):
        assert row(organizations, number, ImportRow.Kind.ORGANIZATION).errors == [
            {"column": "Organization name", "message": _failed("#REF!")}
        ]


def test_a_file_with_an_invalid_row_stores_nothing_unless_only_the_valid_rows(owner):
    batch = previewed(owner, "bad-rows.csv")
    before = _stored()

    with pytest.raises(imports.ImportRefused, match="6 rows are invalid"):
        imports.confirm_import(batch, user=owner, only_valid=False, now=timezone.now())

    batch.refresh_from_db()
    assert batch.status == Status.PREVIEW_READY
    assert _stored() == before
    batch = imported(batch, owner, only_valid=True)
    assert list(Contact.objects.values_list("full_name", flat=True)) == ["Sarah Klein"]
    assert batch.rows.filter(action=Action.INVALID).exclude(result="").exists() is False


# Updates, duplicates and hidden contacts


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_a_birth_date_no_calendar_has_is_a_row_problem_not_a_year(owner):
    """A fuzzer's finding: "BDAY:19801345" (month 13) gave birth year 1980."""
    content = _csv(
        "Full name,Category,Birth year",
        "Anna One,academic,19801345",
        "Anna Two,academic,31.02.1975",
        "Anna Three,academic,14.03.1975",
        "Anna Four,academic,3/14/1975",
        "Anna Five,academic,1975-03-14",
    )
    card = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Dana Card\nBDAY:19801345\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Noa Card\nBDAY:1980-02-01\nEND:VCARD\n"
    )

    sheet = previewed(owner, "dates.csv", content)
    cards = previewed(owner, "dates.vcf", card.encode())

    refused = [{"column": "Birth year", "message": "A valid integer is required."}]
    assert [row(sheet, number).errors for number in (2, 3)] == [refused, refused]
    years = [row(sheet, number).values["contact"]["birth_year"] for number in (4, 5, 6)]
    assert years == [1975, 1975, 1975]
    assert row(cards, 1).errors == [{"column": "BDAY", "message": "A valid integer is required."}]
    assert row(cards, 2).values["contact"]["birth_year"] == 1980


def test_a_row_updates_the_visible_contact_its_id_or_e_mail_names(owner, standard):
    by_email = factories.ContactFactory(
        full_name="Yael Cohen", email="yael@museum.example.org", owner=owner, phone=""
    )
    content = _csv(
        "ID,Full name,Phone,E-mail,Tags",
        f"{standard.pk},,+972 50 555 0000,,walks",
        ",Yael Cohen,+972 3 555 0101,YAEL@museum.example.org,",
    )

    batch = previewed(owner, "updates.csv", content)

    assert actions(batch) == {2: Action.UPDATE, 3: Action.UPDATE}
    assert (row(batch, 2).contact_id, row(batch, 3).contact_id) == (standard.pk, by_email.pk)
    imported(batch, owner)
    standard.refresh_from_db()
    by_email.refresh_from_db()
    assert (standard.phone, list(standard.tags.values_list("name", flat=True))) == (
        "+972 50 555 0000",
        ["walks"],
    )
    assert standard.full_name == "Anna Standardova"  # an empty cell changes nothing
    assert by_email.phone == "+972 3 555 0101"
    assert Contact.objects.count() == 2


def test_a_contact_hidden_from_the_importer_is_never_matched_nor_updated(outsider, restricted):
    restricted.email = "rina@example.org"
    restricted.save()
    content = _csv(
        "ID,Full name,E-mail,Category",
        f"{restricted.pk},Rina Restrictova,rina@example.org,academic",
    )

    batch = previewed(outsider, "hidden.csv", content)

    # The row names a restricted contact of another team by its id and e-mail: it is new,
    # and the preview holds nothing of the hidden contact.
    assert actions(batch) == {2: Action.NEW}
    assert row(batch, 2).contact_id is None
    assert row(batch, 2).score is None
    imported(batch, outsider)
    restricted.refresh_from_db()
    assert restricted.owner != outsider
    assert Contact.objects.filter(email="rina@example.org").count() == 2


def test_a_possible_duplicate_across_scripts_is_shown_with_its_score(owner, teammate):
    irina = factories.ContactFactory(
        full_name="Irina Petrova", owner=owner, email="", sensitivity=Sensitivity.RESTRICTED
    )
    hidden = factories.ContactFactory(
        full_name="Dmitriy Sokolov", email="", sensitivity=Sensitivity.PROTECTED
    )

    batch = previewed(teammate, "contacts-windows-1251.csv")

    # Irina is restricted but owned by a teammate: visible. The protected Sokolov is not.
    duplicate = row(batch, 2)
    assert (duplicate.action, duplicate.contact_id) == (Action.DUPLICATE, irina.pk)
    assert 60 <= duplicate.score <= 100
    assert "name" in duplicate.data["reasons"] or "skeleton" in duplicate.data["reasons"]
    assert (row(batch, 3).action, row(batch, 3).contact_id) == (Action.NEW, None)
    assert hidden.pk not in set(batch.rows.values_list("contact_id", flat=True))
    batch = imported(batch, teammate)
    assert batch.report["result"]["contact_created"] == 4  # a duplicate is created, to merge


# Revert


def test_a_revert_restores_what_an_update_replaced(owner, standard):
    standard.phone = "+972 2 555 0000"
    standard.save()
    content = _csv(
        "ID,Phone,Category,Organization,Role",
        f"{standard.pk},+972 50 555 1111,journalist,Haaretz,Editor",
    )
    batch = imported(previewed(owner, "update.csv", content), owner)
    standard.refresh_from_db()
    assert (standard.phone, standard.category, standard.organization.name) == (
        "+972 50 555 1111",
        "journalist",
        "Haaretz",
    )

    batch = reverted(batch, owner)

    standard.refresh_from_db()
    assert (standard.phone, standard.category, standard.organization) == (
        "+972 2 555 0000",
        "academic",
        None,
    )
    assert Affiliation.objects.filter(contact=standard).exists() is False
    assert Organization.objects.filter(name="Haaretz").exists() is False
    assert batch.report["revert"]["contacts_restored"] == 1


def test_a_revert_leaves_what_was_changed_since_and_says_so(owner, standard):
    content = _csv(
        "ID,Full name,E-mail,Category,Phone",
        ",Edited Since,edited@example.org,academic,",
        ",Named Since,named@example.org,academic,",
        ",Untouched,untouched@example.org,academic,",
        f"{standard.pk},,,,+972 50 555 2222",
    )
    batch = imported(previewed(owner, "later.csv", content), owner)
    edited = Contact.objects.get(full_name="Edited Since")
    edited.phone = "+972 50 555 3333"
    edited.save()
    named = Contact.objects.get(full_name="Named Since")
    factories.ExchangeFactory(contacts=[named], officers=[owner])
    standard.refresh_from_db()
    standard.notes = "Changed after the import."
    standard.save()

    batch = reverted(batch, owner)

    assert Contact.objects.filter(full_name="Untouched").exists() is False
    assert set(Contact.objects.values_list("full_name", flat=True)) == {
        "Edited Since",
        "Named Since",
        standard.full_name,
    }
    standard.refresh_from_db()
    assert standard.phone == "+972 50 555 2222"  # left as the import (and the edit) left it
    left = {entry["row"]: entry["reason"] for entry in batch.report["revert"]["left"]}
    assert set(left) == {2, 3, 5}
    assert "changed since" in left[2]
    assert "names it" in left[3]
    assert (row(batch, 4).result, row(batch, 2).result) == (Result.REVERTED, Result.LEFT)


def test_tags_an_import_made_go_with_its_revert(owner):
    content = _csv("Full name,Category,Tags", "Lina Haddad,journalist,beirut-desk")
    batch = imported(previewed(owner, "tags.csv", content), owner)
    assert Tag.objects.filter(name="beirut-desk").exists()

    reverted(batch, owner)

    assert Tag.objects.filter(name="beirut-desk").exists() is False


# Choices of the batch, and who may do what


def test_new_contacts_get_the_chosen_sensitivity(owner):
    batch = imported(
        previewed(owner, "phone-export-4.0.vcf", sensitivity=Sensitivity.PROTECTED), owner
    )

    created = Contact.objects.filter(pk__in=batch.rows.values("contact"))
    assert set(created.values_list("sensitivity", flat=True)) == {"protected"}


def test_without_a_default_category_a_row_naming_none_is_invalid(owner):
    batch = previewed(owner, "phone-export-4.0.vcf", default_category="")

    assert actions(batch) == {1: Action.INVALID, 2: Action.INVALID}
    assert row(batch, 1).errors == [{"column": "Category", "message": "This field is required."}]


@pytest.mark.parametrize("persona", ["planner", "analyst"])
def test_planners_and_analysts_may_not_import(request, persona):
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        imports.start_import(user=user, file=upload_file("bad-rows.csv"), now=timezone.now())

    assert ImportBatch.objects.exists() is False


def test_only_the_importer_confirms_and_reverts(owner, teammate, admin_user):
    batch = previewed(owner, "phone-export-4.0.vcf")

    with pytest.raises(PermissionDenied):
        imports.confirm_import(batch, user=teammate, only_valid=False, now=timezone.now())
    assert list(ImportBatch.objects.visible_to(teammate)) == []
    assert list(ImportBatch.objects.visible_to(admin_user)) == [batch]
    batch = imported(batch, admin_user)  # an admin acts on any batch
    with pytest.raises(PermissionDenied):
        imports.revert_import(batch, user=teammate, now=timezone.now())
    batch.refresh_from_db()
    assert batch.status == Status.IMPORTED


def test_a_task_delivered_twice_does_nothing_more(owner):
    batch = imported(previewed(owner, "phone-export-4.0.vcf"), owner)

    imports.preview_batch(batch_id=batch.pk)
    imports.commit_batch(batch_id=batch.pk, now=timezone.now())

    assert Contact.objects.count() == 2
    assert batch.rows.count() == 4  # two contacts, two organizations
    with pytest.raises(imports.ImportRefused):
        imports.confirm_import(batch, user=owner, only_valid=False, now=timezone.now())


def test_an_import_that_failed_midway_goes_on_from_its_first_row_not_done(owner):
    batch = previewed(owner, "contacts-windows-1251.csv")
    imports.confirm_import(batch, user=owner, only_valid=False, now=timezone.now())
    # As if a worker died after the first rows: they are done, the others pending.
    done = imports.commit.pending_rows(batch).filter(kind=ImportRow.Kind.CONTACT).order_by("number")
    first = done.first()
    first.result = Result.SKIPPED
    first.save(update_fields=["result"])

    imports.commit_batch(batch_id=batch.pk, now=timezone.now())

    batch.refresh_from_db()
    assert batch.status == Status.IMPORTED
    assert Contact.objects.count() == 3
    assert batch.progress_done == batch.progress_total - 1


def test_an_organization_named_in_another_case_is_the_existing_one(owner):
    institute = factories.OrganizationFactory(name="Институт востоковедения", country="RU")
    content = _csv("Full name,Category,Organization", "Anna Levi,academic,ИНСТИТУТ ВОСТОКОВЕДЕНИЯ")

    batch = imported(previewed(owner, "case.csv", content), owner)

    assert batch.rows.filter(kind=ImportRow.Kind.ORGANIZATION).exists() is False
    assert Contact.objects.get().organization == institute
    assert Organization.objects.count() == 1


def test_a_name_in_cyrillic_is_transliterated_one_in_hebrew_or_arabic_kept(owner):
    content = "Full name,Category\nИрина Петрова,academic\nדנה לוי,academic\nليلى حداد,academic\n"
    imported(previewed(owner, "names.csv", content.encode()), owner)

    names = set(Contact.objects.values_list("full_name", "native_name"))
    assert names == {
        ("Irina Petrova", "Ирина Петрова"),
        ("דנה לוי", ""),
        ("ليلى حداد", ""),
    }
    assert Contact.objects.search("דנה").get().full_name == "דנה לוי"
