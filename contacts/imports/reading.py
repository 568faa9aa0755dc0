"""Reading an uploaded file into rows of field values: CSV through Python's csv module,
XLSX through tablib and openpyxl, vCard 3.0 and 4.0 through vobject. Nothing here knows
the rules of a contact; ``contacts.imports.rows`` checks the values.

Any file, however broken, ends in a ``ReadError`` with a sentence for its importer, never
in another exception.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import tablib
import vobject
from django.utils.translation import gettext_noop
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from tablib.formats._xlsx import XLSXFormat

from contacts.imports.columns import SAMPLE_HEADERS, Mapping, known_count, mapping_for
from trackii.spreadsheets import starts_formula

# The header is the first row naming at least this many known columns, among the first
# HEADER_SEARCH_ROWS rows (a title row, merged across the columns, may come before it).
HEADER_MIN_KNOWN = 2
HEADER_SEARCH_ROWS = 20
DELIMITERS = ",;\t"
MAX_COLUMNS = 500
# Characters no text file holds (tab, line feed and carriage return are allowed).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# The messages below are stored in English (the preview runs in a worker) and shown in the
# reader's language (``contacts.imports.shown_text``); those with values read them back
# from these patterns.
TOO_LONG = gettext_noop(
    "The file has %(rows)s rows; at most %(limit)s are imported at once. "
    "Split it into several files."
)
FAR_TOO_LONG = gettext_noop(
    "The file has more than %(over)s rows; at most %(limit)s are imported at once. "
    "Split it into several files."
)
NOT_CSV = gettext_noop("The file is not a readable CSV file (%(error)s).")
UNCLOSED_QUOTE = gettext_noop(
    'A quoted cell is never closed: every cell that starts with " must end with one.'
)
CONTROL_CHARACTER = gettext_noop(
    "The file is UTF-8 text but holds a control character (such as NUL) that no sheet has: "
    "save it again from the spreadsheet."
)
TOO_MANY_CELLS = gettext_noop(
    "A row has more cells than the header row has columns: give every column a header."
)
TOO_WIDE = gettext_noop("The sheet has more than %(limit)s columns.")
NO_HEADER = gettext_noop(
    "No header row found: none of the first %(limit)s rows names two known columns "
    "(such as %(sample)s)."
)
OTHER_SHEETS = gettext_noop(
    "Only the sheet %(sheet)s is read (the one open when the workbook was saved); its other "
    "sheets with data are not: %(others)s. Save each as a file of its own to import it."
)
NOT_A_CARD = gettext_noop("Card %(number)s of the file cannot be read as a vCard.")
NOT_A_VCARD = gettext_noop("Entry %(number)s of the file is not a vCard (%(name)s).")
SEVERAL_VALUES = gettext_noop(
    "Cards with more than one e-mail address or phone number: %(count)s. The first of each "
    "is imported."
)
# The same note as imports before it stored it (still shown in the reader's language).
SEVERAL_VALUES_BEFORE = gettext_noop(
    "%(count)s card(s) hold more than one e-mail address or phone number: the first of each "
    "is imported."
)
PATTERNS = (
    TOO_LONG,
    FAR_TOO_LONG,
    NOT_CSV,
    TOO_WIDE,
    NO_HEADER,
    OTHER_SHEETS,
    NOT_A_CARD,
    NOT_A_VCARD,
    SEVERAL_VALUES,
    SEVERAL_VALUES_BEFORE,
)


class ReadError(Exception):
    """The file cannot be read as an import; ``message`` says why, for its importer."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """What a file holds: its format and encoding, its columns and its rows, each as
    (number in the file, {field: text}), blank rows left out."""

    file_format: str
    encoding: str
    mapping: Mapping
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def file_format(file_name: str, raw: bytes) -> str:
    """The format of an upload ("csv", "xlsx" or "vcard"), from its first bytes and its
    name; ``ReadError`` for an empty file or one of another kind (a PDF, an old .xls)."""
    name = file_name.lower()
    if not raw.strip():
        raise ReadError(gettext_noop("The file is empty."))
    if raw.startswith(b"PK\x03\x04"):
        return "xlsx"
    if raw.startswith(b"%PDF"):
        raise ReadError(
            gettext_noop("This is a PDF file: upload a CSV, XLSX or vCard (.vcf) file.")
        )
    if raw.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise ReadError(
            gettext_noop("Old Excel files (.xls) cannot be read: save the sheet as .xlsx or CSV.")
        )
    if name.endswith(".xlsx"):
        raise ReadError(gettext_noop("This file is not an XLSX workbook, whatever its name says."))
    text, _encoding = decoded(raw)
    if re.match(r"\s*BEGIN:VCARD", text, re.IGNORECASE):
        return "vcard"
    return "csv"


# A word of Latin and Cyrillic letters mixed: what Windows-1251 makes of a Western European
# file's accented letters ("Jos\u0439 M\u044cller" for "José Müller").
_LATIN = "A-Za-z"
_CYRILLIC = "\u0400-\u04ff"
_MIXED_WORD = re.compile(
    rf"[{_LATIN}{_CYRILLIC}]*(?:[{_LATIN}][{_CYRILLIC}]|[{_CYRILLIC}][{_LATIN}])"
    rf"[{_LATIN}{_CYRILLIC}]*"
)
_CYRILLIC_LETTER = re.compile(rf"[{_CYRILLIC}]")
# Latin letters that look Cyrillic: typed in a Russian word by mistake ("Cергей" with a
# Latin C), they do not make it a Western European word misread.
_LOOK_ALIKES = frozenset("ABCEHKMOPTXacepoxy")


def decoded(raw: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was read in: UTF-8 (with or without a byte
    order mark) when it is valid UTF-8, else Windows-1251, unless the Cyrillic letters that
    gives are those of Hebrew (``_hebrew``: Windows-1255, as a Hebrew sheet saved as CSV on
    Windows is) or lie mostly inside Latin words (``_western_european``: Windows-1252, of
    which Latin-1's letters are a part, as a French or German sheet's)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        candidates = (("utf-8-sig", "UTF-8 with BOM"),)
    else:
        candidates = (("utf-8", "UTF-8"), ("cp1251", "Windows-1251"))
    for codec, label in candidates:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):
            if codec.startswith("utf-8"):  # text, with a byte no text file holds
                raise ReadError(CONTROL_CHARACTER)
            break
        if codec == "cp1251":
            other = _western_european(text) or _hebrew(raw, text)
            if other:
                try:
                    read = raw.decode(other[0])
                except UnicodeDecodeError:
                    return text, label
                if not _CONTROL.search(read):
                    return read, other[1]
        return text, label
    raise ReadError(
        gettext_noop("The file is not text in UTF-8 or Windows-1251, nor an XLSX workbook.")
    )


def read(raw: bytes, *, file_format: str, max_rows: int) -> Table:
    """Every row of the file, under the columns its header names."""
    readers = {"csv": _read_csv, "xlsx": _read_xlsx, "vcard": _read_vcard}
    table = readers[file_format](raw, max_rows=max_rows)
    if len(table.rows) > max_rows:
        raise _too_long(len(table.rows), max_rows)
    if not table.rows:
        raise ReadError(gettext_noop("The file has no rows under its header."))
    return table


def _western_european(text: str) -> tuple[str, str] | None:
    """Windows-1252 when most Cyrillic letters of a Windows-1251 reading lie inside words
    that mix them with Latin letters: a Western European file's accents, not Russian words."""
    cyrillic = len(_CYRILLIC_LETTER.findall(text))
    if not cyrillic:
        return None
    mixed = sum(
        len(_CYRILLIC_LETTER.findall(word))
        for word in _MIXED_WORD.findall(text)
        if any(letter.isascii() and letter not in _LOOK_ALIKES for letter in word)
    )
    return ("cp1252", "Windows-1252") if mixed * 2 > cyrillic else None


# Windows-1255's Hebrew letters are the bytes Windows-1251 reads as "а" to "ъ": Hebrew read
# as Windows-1251 is lower-case Cyrillic only, and without "ы", "ь", "э", "ю" or "я", which
# Russian text of a few words rarely is (its names are capitalized). And Hebrew writes its
# five final letters (ך ם ן ף ץ: Windows-1251's к н п у х) at the end of a word only, where
# Russian puts those letters anywhere ("иванов" read as Hebrew has a final mem inside).
_NOT_HEBREW = re.compile("[\u0400-\u042f\u044b-\u045f\u0460-\u04ff]")
_FINAL_INSIDE = re.compile("[\u05da\u05dd\u05df\u05e3\u05e5](?=[\u05d0-\u05ea])")
HEBREW_AT_LEAST = 6


def _hebrew(raw: bytes, text: str) -> tuple[str, str] | None:
    """Windows-1255 when a Windows-1251 reading's Cyrillic letters (at least a few) are all
    of those that Hebrew letters become, and read as Hebrew no word has a final letter
    inside it."""
    cyrillic = len(_CYRILLIC_LETTER.findall(text))
    if cyrillic < HEBREW_AT_LEAST or _NOT_HEBREW.search(text) or _MIXED_WORD.search(text):
        return None
    try:
        hebrew = raw.decode("cp1255")
    except UnicodeDecodeError:
        return None
    return None if _FINAL_INSIDE.search(hebrew) else ("cp1255", "Windows-1255")


# CSV and XLSX


def _too_long(rows: int | None, max_rows: int) -> ReadError:
    if rows is None:
        return ReadError(FAR_TOO_LONG % {"over": f"{max_rows:,}", "limit": f"{max_rows:,}"})
    return ReadError(TOO_LONG % {"rows": f"{rows:,}", "limit": f"{max_rows:,}"})


def _check_size(lines: int, max_rows: int, *, lines_per_row: int = 2) -> None:
    """Refuse, before reading it whole, a file far longer than the limit (a cell may hold
    a line break, hence the margin)."""
    if lines > lines_per_row * max_rows + HEADER_SEARCH_ROWS:
        raise _too_long(None, max_rows)


def _read_csv(raw: bytes, *, max_rows: int) -> Table:
    text, encoding = decoded(raw)
    _check_size(text.count("\n"), max_rows)
    delimiter = _delimiter(text)
    head = list(_first_rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))
    header_at = _header_position(head)
    # Read here rather than by tablib, which drops a wholly empty line: the rows after one
    # would be reported under the number of the row before them.
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header, rows = None, []
        for index, record in enumerate(records):
            if index == header_at:
                header = record
            elif index > header_at:
                if len(record) > len(header):
                    raise ReadError(TOO_MANY_CELLS)
                cells = [_unguarded(cell) for cell in record]
                rows.append(cells + [""] * (len(header) - len(cells)))
    except csv.Error as error:
        raise ReadError(NOT_CSV % {"error": error}) from error
    _refuse_an_unclosed_quote(text, delimiter)
    return _table(header, rows, "csv", encoding, header_at)


def _refuse_an_unclosed_quote(text: str, delimiter: str) -> None:
    """The reader above takes a quote left open as a cell running to the end of the file
    (every row after it lost in one cell); a strict reading ends there with an error."""
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            raise ReadError(UNCLOSED_QUOTE) from error


# What openpyxl raises on a workbook damaged inside its zip (a part cut short or not XML, a
# cell naming a shared string that is not there, a number cell holding letters...).
DAMAGED = (KeyError, IndexError, ValueError, TypeError, AttributeError, OSError, EOFError)


def _read_xlsx(raw: bytes, *, max_rows: int) -> Table:
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, ParseError, *DAMAGED) as error:
        raise ReadError(gettext_noop("The file is not a readable XLSX workbook.")) from error
    try:
        sheet = workbook.active
        if sheet is None:
            raise ReadError(gettext_noop("The workbook has no sheet."))
        # The sheet's recorded size (when it has one) says early what reading it would cost.
        _check_size(sheet.max_row or 0, max_rows)
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise ReadError(TOO_WIDE % {"limit": MAX_COLUMNS})
        dataset = tablib.Dataset()
        try:
            header_at = _header_position(list(sheet.iter_rows(max_row=HEADER_SEARCH_ROWS)))
            XLSXFormat.import_sheet(dataset, sheet, headers=True, skip_lines=header_at)
        except tablib.InvalidDimensions as error:
            raise ReadError(TOO_MANY_CELLS) from error
        except (zipfile.BadZipFile, ParseError, *DAMAGED) as error:
            raise ReadError(gettext_noop("The workbook's first sheet cannot be read.")) from error
        others = _other_sheets_with_data(workbook, sheet)
    finally:
        workbook.close()
    table = _table(dataset.headers or [], list(dataset), "xlsx", "", header_at)
    if others:
        # Every name quoted alike, whatever the language's own quotation marks.
        table.notes.append(
            OTHER_SHEETS
            % {"sheet": f"“{sheet.title}”", "others": ", ".join(f"“{o}”" for o in others)}
        )
    return table


def _other_sheets_with_data(workbook, read) -> list[str]:
    """The titles of the workbook's sheets other than the one ``read`` that hold a value in
    their first rows (an empty "Sheet2" is not worth a note)."""
    found = []
    for other in workbook.worksheets:
        if other.title == read.title:
            continue
        try:
            rows = other.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True)
            if any(value not in (None, "") for row in rows for value in row):
                found.append(other.title)
        except (zipfile.BadZipFile, ParseError, *DAMAGED):
            found.append(other.title)  # there, though unreadable
    return found


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first_line = sample.split("\n", 1)[0]
        return max(DELIMITERS, key=first_line.count)


def _first_rows(reader):
    try:
        for count, row in enumerate(reader):
            if count == HEADER_SEARCH_ROWS:
                return
            yield row
    except csv.Error as error:
        raise ReadError(NOT_CSV % {"error": error}) from error


def _header_position(rows) -> int:
    """The index of the header row: the first naming at least HEADER_MIN_KNOWN columns."""
    for index, row in enumerate(rows):
        values = [getattr(cell, "value", cell) for cell in row]
        if known_count(values) >= HEADER_MIN_KNOWN:
            return index
    raise ReadError(NO_HEADER % {"limit": HEADER_SEARCH_ROWS, "sample": SAMPLE_HEADERS})


def _table(header: list, rows: list, file_format: str, encoding: str, header_at: int) -> Table:
    """The rows under ``header`` (the file's row ``header_at + 1``), one per row of the
    file, empty ones included (they keep the numbers of those after them; none is
    imported)."""
    rows = [[text_of(value) for value in row] for row in rows]
    filled = {position for row in rows for position, value in enumerate(row) if value}
    mapping = mapping_for(list(header), filled=filled)
    table = Table(file_format=file_format, encoding=encoding, mapping=mapping)
    first_number = header_at + 2  # the file's rows count from 1, the header included
    for offset, cells in enumerate(rows):
        values = mapping.row(cells)
        if any(values.values()):
            table.rows.append((first_number + offset, values))
    return table


def _unguarded(cell: str) -> str:
    """A CSV cell without the apostrophe a spreadsheet export (Track II's own:
    ``trackii.spreadsheets.text``) puts before a value that starts like a formula, such as
    a phone number's "+": the value, not the guard, is imported."""
    if cell.startswith("'") and starts_formula(cell[1:]):
        return cell[1:]
    return cell


def text_of(value) -> str:
    """A cell as text: numbers without a spurious ".0", dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# vCard

# vCard properties read into fields; the others are reported as not imported, except these
# that say nothing about the person.
_VCARD_IGNORED = {"version", "prodid", "uid", "rev", "n", "kind", "x-abuid"}
_VCARD_FIELDS = {
    "fn": "full_name",
    "email": "email",
    "tel": "phone",
    "org": "organization",
    "title": "role",
    "note": "notes",
    "bday": "birth_year",
    "categories": "tags",
}


def _read_vcard(raw: bytes, *, max_rows: int) -> Table:
    text, encoding = decoded(raw)
    _check_size(text.upper().count("BEGIN:VCARD"), max_rows, lines_per_row=1)
    mapping = Mapping(content="contacts")
    table = Table(file_format="vcard", encoding=encoding, mapping=mapping)
    unknown: set[str] = set()
    several = 0
    cards = vobject.readComponents(text, allowQP=True)
    number = 0
    while True:
        number += 1
        try:
            card = next(cards)
        except StopIteration:
            break
        except Exception as error:
            raise ReadError(NOT_A_CARD % {"number": number}) from error
        if card.name.upper() != "VCARD":
            raise ReadError(NOT_A_VCARD % {"number": number, "name": card.name})
        values, extra = _card_values(card)
        several += extra
        unknown.update(
            name.upper()
            for name in card.contents
            if name not in _VCARD_FIELDS and name not in _VCARD_IGNORED
        )
        if any(values.values()):
            table.rows.append((number, values))
    used = sorted({name for _, values in table.rows for name, value in values.items() if value})
    mapping.fields = dict(enumerate(used))
    mapping.headers = {position: _vcard_property(name) for position, name in mapping.fields.items()}
    mapping.unknown = sorted(unknown)
    mapping.labels = {name: _vcard_property(name) for name in _VCARD_FIELDS.values()}
    if several:
        table.notes.append(SEVERAL_VALUES % {"count": several})
    return table


def _vcard_property(field_name: str) -> str:
    return {value: key.upper() for key, value in _VCARD_FIELDS.items()}.get(field_name, field_name)


def _card_values(card) -> tuple[dict[str, str], int]:
    """The fields of one card, and 1 when it holds more than one e-mail or phone."""
    contents = card.contents

    def first(name) -> str:
        lines = contents.get(name) or []
        return _vcard_text(lines[0].value) if lines else ""

    full_name = first("fn") or _name_from_n(contents.get("n"))
    phone = first("tel")
    values = {
        "full_name": full_name,
        "email": first("email"),
        "phone": phone.removeprefix("tel:"),
        "organization": _vcard_text(contents["org"][0].value[:1]) if contents.get("org") else "",
        "role": first("title"),
        "notes": first("note"),
        "birth_year": _year_of_date(first("bday")),
        "tags": ", ".join(
            _vcard_text(line.value) for line in contents.get("categories", []) if line.value
        ),
    }
    several = int(len(contents.get("email", [])) > 1 or len(contents.get("tel", [])) > 1)
    return values, several


def _name_from_n(lines) -> str:
    if not lines:
        return ""
    name = lines[0].value
    if not hasattr(name, "given"):
        return _vcard_text(name)
    parts = [name.prefix, name.given, name.additional, name.family, name.suffix]
    return " ".join(_vcard_text(part) for part in parts if _vcard_text(part))


def _vcard_text(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_vcard_text(item) for item in value if _vcard_text(item))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "").strip()


def _year_of_date(text: str) -> str:
    """A vCard date as the birth year's cell ("1980-02-01", "19800201": the import takes its
    year, or refuses a date no calendar has); "" for one without a year ("--0415")."""
    return text.strip() if text[:4].isdigit() else ""
