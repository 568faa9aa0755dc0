"""Reading uploaded files (contacts.imports.reading and the upload's checks): encodings,
the header row, and any file that is not an import ending in a sentence, never a crash."""

import io
import re
import zipfile

import pytest
from django.utils import timezone
from openpyxl import Workbook

from contacts import imports
from contacts.imports import reading
from contacts.models import ImportBatch
from tests.contacts.imports_support import previewed, row, upload_file
from trackii import spreadsheets

Status = ImportBatch.Status


def _xlsx(*rows) -> bytes:
    workbook = Workbook()
    for values in rows:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        ("Full name,Category\nÉmile Zola,cultural\n".encode(), "UTF-8"),
        (b"\xef\xbb\xbf" + "Full name,Category\nÉmile Zola,cultural\n".encode(), "UTF-8 with BOM"),
        ("ФИО;Категория\nЭмиль Золя;культура\n".encode("cp1251"), "Windows-1251"),
    ],
)
def test_the_encoding_is_utf_8_when_it_decodes_else_windows_1251(raw, encoding):
    text, found = reading.decoded(raw)

    assert found == encoding
    assert "Zola" in text or "Золя" in text


@pytest.mark.parametrize(
    ("text", "codec", "encoding"),
    [
        # A French or German sheet saved as CSV (Latin-1 or Windows-1252).
        (
            "Full name,Category\nJosé Müller,academic\nFrançois Noël,cultural\n",
            "latin-1",
            "Windows-1252",
        ),
        (
            "Full name,Category\nÉmile Zola,cultural\nJürgen Groß,academic\n",
            "cp1252",
            "Windows-1252",
        ),
        # Russian with a Latin name and a word of both scripts stays Windows-1251.
        (
            "ФИО;Категория\nЭмиль Золя;культура\nJohn Smith;academic\nМиша iPhone-ов;другое\n",
            "cp1251",
            "Windows-1251",
        ),
        ("ФИО;Организация\nАнна Ивановаq;МГУ\n", "cp1251", "Windows-1251"),
        # A Hebrew sheet saved as CSV on Windows.
        ("Full name,Category\nדנה לוי,academic\nיוסי כהן,journalist\n", "cp1255", "Windows-1255"),
        ("שם מלא,Category\nרות,academic\n", "cp1255", "Windows-1255"),
        # Russian in lower case only, still Russian: it has "ы", "ь", "я"...
        ("фио;категория\nиван петров;журналист\nмарья;культура\n", "cp1251", "Windows-1251"),
        ("ФИО;Категория\nАбв;где\n", "cp1251", "Windows-1251"),
        # A reviewer's findings: Spanish and French accents are the bytes of Hebrew letters
        # too; lower-case Russian without ы, ь, я; a Russian name typed with Latin C and O.
        (
            "Full name,Organization\nJosé García,Café Lumière\nAndrés Peña,Université\n",
            "cp1252",
            "Windows-1252",
        ),
        (
            "Nom complet,Catégorie\nAmélie Poulain,académique\nFrançois Mitterrand,société\n",
            "latin-1",
            "Windows-1252",
        ),
        ("фио;телефон\nиванов иван;123\nпетров петр;456\n", "cp1251", "Windows-1251"),
        (
            "ФИО;E-mail\nCергей Oрлов;s@example.org\nАнна Петрова;a@example.org\n",
            "cp1251",
            "Windows-1251",
        ),
    ],
)
def test_a_western_european_or_hebrew_file_is_not_read_as_cyrillic(text, codec, encoding):
    """A Latin-1 CSV was read as Windows-1251 ("José" imported as "Josй"), a Windows-1255
    one too ("דנה לוי" as "грд мей")."""
    read, found = reading.decoded(text.encode(codec))

    assert (read, found) == (text, encoding)


def test_the_header_is_the_first_row_naming_two_known_columns(owner):
    content = "Contacts of the press section\n\nName,E-mail,Notes\nAnna Levi,anna@example.org,x\n"

    batch = previewed(owner, "title.csv", content.encode())

    assert [number for (number,) in batch.rows.values_list("number")] == [4]
    assert row(batch, 4).cells == {
        "full_name": "Anna Levi",
        "email": "anna@example.org",
        "notes": "x",
    }


def test_an_empty_line_keeps_the_numbers_of_the_rows_after_it(owner):
    content = "Full name,E-mail\nAnna Levi,anna@example.org\n\nBoris Pasternak,boris@example.org\n"

    batch = previewed(owner, "gap.csv", content.encode())

    # As a spreadsheet numbers them: the empty line is row 3.
    assert [number for (number,) in batch.rows.values_list("number")] == [2, 4]
    assert row(batch, 4).cells["full_name"] == "Boris Pasternak"


def test_the_apostrophe_an_export_puts_before_a_formula_start_is_not_imported(owner):
    """A CSV exported by Track II (or a spreadsheet) guards a cell that starts like a
    formula with an apostrophe; the value comes back, not the guard. Another apostrophe
    is part of the value."""
    cells = [
        "Anna Levi",
        "'+44 20 7946 0000",  # as exports before session 17 wrote a phone number
        spreadsheets.text("=not a formula"),
        "'Nuff said",
    ]
    assert spreadsheets.text("+44 20 7946 0000") == "+44 20 7946 0000"  # as they write it now
    content = "Full name,Phone,Notes,Role\n" + ",".join(cells) + "\n"

    batch = previewed(owner, "exported.csv", content.encode())

    found = row(batch, 2).cells
    assert found["phone"] == "+44 20 7946 0000"
    assert found["notes"] == "=not a formula"
    assert found["role"] == "'Nuff said"


def test_headers_match_in_any_case_and_spacing(owner):
    content = "  FULL NAME :,e-MAIL,  Категория\nAnna Levi,anna@example.org,Журналист\n"

    batch = previewed(owner, "case.csv", content.encode())

    assert row(batch, 2).values["contact"] == {
        "full_name": "Anna Levi",
        "email": "anna@example.org",
        "category": "journalist",
    }


def test_a_split_name_is_joined_and_a_lone_name_beside_a_surname_is_the_first_name(owner):
    content = "Фамилия;Имя;Отчество;Категория\nПетрова;Ирина;Викторовна;Учёный\n"

    batch = previewed(owner, "split.csv", content.encode("cp1251"))

    assert row(batch, 2).values["contact"]["native_name"] == "Ирина Викторовна Петрова"
    assert row(batch, 2).values["contact"]["full_name"] == "Irina Viktorovna Petrova"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("garbage.csv", bytes(range(256)) * 4, "not text in UTF-8 or Windows-1251"),
        ("report.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "This is a PDF file"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "Old Excel files"),
        ("sheet.xlsx", b"Full name,E-mail\n", "not an XLSX workbook"),
        ("empty.csv", b"", "The file is empty."),
        ("blank.csv", b"  \n\n", "The file is empty."),
        # A fuzzer's finding: refused as "not text in UTF-8 or Windows-1251", which sent
        # its importer looking for an encoding.
        ("nul.csv", b"Full name,E-mail\nAn\x00na,a@example.org\n", "holds a control character"),
    ],
)
def test_a_file_that_is_no_import_is_refused_at_upload(owner, name, content, message):
    with pytest.raises(imports.ImportRefused, match=message) as refused:
        imports.start_import(user=owner, file=upload_file(name, content), now=timezone.now())

    assert refused.value.field == "file"
    assert ImportBatch.objects.exists() is False


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("numbers.xlsx", _xlsx([1, 2, 3], [4, 5, 6]), "No header row found"),
        ("zip.xlsx", b"PK\x03\x04" + bytes(100), "not a readable XLSX workbook"),
        ("unknown.csv", b"Colour,Size\nred,XL\n", "No header row found"),
        ("header-only.csv", b"Full name,E-mail\n", "no rows under its header"),
        ("wide.csv", b"Full name,E-mail\nAnna,a@example.org,extra,cells\n", "more cells"),
        # A fuzzer's finding: imported as one contact named with the rest of the file.
        (
            "open-quote.csv",
            b'Full name,E-mail\n"Anna ""Levi,a@example.org\nDana Cohen,d@example.org\n',
            "A quoted cell is never closed",
        ),
        ("open.vcf", b"BEGIN:VCARD\nVERSION:3.0\nFN:Anna\n", "Card 1 of the file cannot be read"),
        ("event.vcf", b"BEGIN:VCARD\nFN:A\nEND:VCARD\nBEGIN:VEVENT\nEND:VEVENT\n", "not a vCard"),
    ],
)
def test_a_file_that_cannot_be_read_fails_its_batch_with_a_sentence(owner, name, content, message):
    batch = previewed(owner, name, content)

    assert batch.status == Status.FAILED
    assert message in batch.report["error"]
    assert batch.file_data == ""
    assert batch.rows.exists() is False


def _damaged(part: str, damage) -> bytes:
    """A workbook whose ``part`` (a file inside its zip) ``damage`` changed."""
    sound = _xlsx(["Full name", "E-mail", "Category", "Birth year"], ["Anna", "", "academic", 1980])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(sound)) as source, zipfile.ZipFile(out, "w") as damaged:
        for item in source.infolist():
            data = source.read(item.filename)
            damaged.writestr(item, damage(data) if item.filename == part else data)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_damaged(SHEET, lambda data: data[: len(data) // 2]), "first sheet cannot be read"),
        (_damaged("xl/styles.xml", lambda data: b"<notxml"), "not a readable XLSX workbook"),
        (
            _damaged(
                SHEET,
                lambda data: data.replace(b'<c r="D2"', b'<c r="E2" t="s"><v>999</v></c><c r="D2"'),
            ),
            "first sheet cannot be read",
        ),
        (
            _damaged(SHEET, lambda data: re.sub(rb"<v>1980</v>", b"<v>abc</v>", data)),
            "first sheet cannot be read",
        ),
    ],
    ids=["sheet-cut-short", "styles-not-xml", "missing-shared-string", "letters-in-a-number"],
)
def test_a_damaged_workbook_fails_its_batch_with_a_sentence(owner, content, message):
    """A fuzzer's finding: these failed with "Something went wrong while working on this
    file." and a traceback in the worker's log."""
    batch = previewed(owner, "damaged.xlsx", content)

    assert batch.status == Status.FAILED
    assert message in batch.report["error"]
    assert batch.rows.exists() is False


def test_a_vcard_without_a_name_is_an_invalid_row(owner):
    content = b"BEGIN:VCARD\r\nVERSION:3.0\r\nEMAIL:anon@example.org\r\nEND:VCARD\r\n"

    batch = previewed(owner, "noname.vcf", content)

    assert batch.status == Status.PREVIEW_READY
    assert row(batch, 1).errors == [{"column": "FN", "message": "This field is required."}]


def test_a_file_over_the_size_limit_is_refused(owner, settings):
    settings.IMPORT_MAX_BYTES = 100

    with pytest.raises(imports.ImportRefused, match="larger than"):
        imports.start_import(user=owner, file=upload_file("bad-rows.csv"), now=timezone.now())


def test_a_file_over_the_row_limit_fails_with_the_limit(owner, settings):
    settings.IMPORT_MAX_ROWS = 3

    batch = previewed(owner, "contacts-windows-1251.csv")

    assert batch.status == Status.FAILED
    assert batch.report["error"].startswith("The file has 4 rows; at most 3 are imported at once.")


def test_a_file_far_over_the_row_limit_is_refused_before_it_is_read(owner, settings):
    settings.IMPORT_MAX_ROWS = 3
    content = "Full name,Category\n" + "".join(f"Person {n},academic\n" for n in range(40))

    batch = previewed(owner, "long.csv", content.encode())

    assert batch.status == Status.FAILED
    assert batch.report["error"].startswith("The file has more than 3 rows;")
