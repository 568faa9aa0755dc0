"""The contacts list as files: vCard 4.0 (vobject), CSV and XLSX (openpyxl), and one
contact's vCard.

What a file holds is what its reader's list holds: the caller passes the list's own
queryset (``ContactSearchForm.listed`` on the web, the API list's filters on the API), read
through ``visible_to``; ``exportable`` leaves out erased contacts. The columns are the
list's (name, category, organization, owner, last touch, next due, sensitivity) and the
profile's plain fields; never the private notes (encrypted, and shown only on a contact's
page), nor anything of another user but the owner's name, which the list shows too.

Every protected contact written to a file is recorded in the access log (surface
"export"), once per file. Files are written a batch of ``BATCH_SIZE`` contacts at a time:
CSV and vCard stream to the client as they are read, XLSX goes through a temporary file
(openpyxl's write-only mode), so memory does not grow with the list. A list longer than
``EXPORT_MAX_ROWS`` is refused (``TooManyRows``) before anything is read or logged.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import vobject
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from contacts.models import AccessLog, Contact, Sensitivity
from contacts.people import display_name
from trackii.spreadsheets import plain, text, text_cell

FORMATS = ("vcf", "csv", "xlsx")
CONTENT_TYPES = {
    "vcf": "text/vcard; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Contacts read, logged and written at a time (one query for their tags each).
BATCH_SIZE = 500
# An XLSX file up to this size is built in memory, a larger one in a temporary file.
SPOOL_BYTES = 4 * 1024 * 1024
PRODID = "-//Track II//Contacts export//EN"
SHEET_NAME = "contacts"
DATE_FORMAT = "yyyy-mm-dd"
BOM = "\ufeff"  # so that spreadsheets read the CSV as UTF-8


class TooManyRows(Exception):
    """The list holds more contacts than one file may (``EXPORT_MAX_ROWS``)."""

    def __init__(self, count: int):
        self.count = count
        self.limit = settings.EXPORT_MAX_ROWS
        super().__init__(
            f"These filters find {count} contacts; an export holds at most {self.limit}. "
            "Narrow the filters or the search."
        )


def exportable(contacts):
    """The contacts of a list that a file may hold: the erased ones left out, the notes
    never read, their organization and owner read along (their tags are read per batch)."""
    return (
        contacts.filter(erased_at__isnull=True)
        .defer("notes")
        .select_related("organization", "owner")
        .prefetch_related(None)
    )


def check_size(contacts) -> int:
    """How many contacts the file will hold; ``TooManyRows`` past ``EXPORT_MAX_ROWS``."""
    count = contacts.count()
    if count > settings.EXPORT_MAX_ROWS:
        raise TooManyRows(count)
    return count


def filename(file_format: str, now: dt.datetime) -> str:
    """``trackii-contacts-2026-03-10.csv``: the day in the reader's time zone."""
    return f"trackii-contacts-{timezone.localdate(now):%Y-%m-%d}.{file_format}"


def contact_filename(contact: Contact) -> str:
    return f"contact-{contact.pk}.vcf"


# Reading and logging


@dataclass(frozen=True)
class Row:
    """One contact of a file, with its tags' names (sorted) and the reader's time zone."""

    contact: Contact
    tags: list[str]
    zone: dt.tzinfo


def _rows(contacts, *, user, now, zone) -> Iterator[list[Row]]:
    """The contacts in batches of ``BATCH_SIZE``, with their tags (one query a batch); each
    batch's protected contacts are recorded in the access log before the batch is written."""
    batch: list[Contact] = []
    for contact in contacts.iterator(chunk_size=BATCH_SIZE):
        batch.append(contact)
        if len(batch) == BATCH_SIZE:
            yield _batch(batch, user=user, now=now, zone=zone)
            batch = []
    if batch:
        yield _batch(batch, user=user, now=now, zone=zone)


def _batch(contacts: list[Contact], *, user, now, zone) -> list[Row]:
    _record(contacts, user=user, now=now)
    tags = tag_names([contact.pk for contact in contacts])
    return [Row(contact, tags.get(contact.pk, []), zone) for contact in contacts]


def tag_names(contact_ids: list[int]) -> dict[int, list[str]]:
    """Each contact's tags' names, sorted: one query for the lot."""
    links = Contact.tags.through.objects.filter(contact_id__in=contact_ids)
    names: dict[int, list[str]] = {}
    for contact_id, name in links.values_list("contact_id", "tag__name").order_by("tag__name"):
        names.setdefault(contact_id, []).append(name)
    return names


def _record(contacts: list[Contact], *, user, now) -> None:
    AccessLog.objects.record(
        user=user, contacts=contacts, surface=AccessLog.Surface.EXPORT, now=now
    )


# The columns


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Row], object]  # text, a whole number, a date or None
    width: int = 16


def _local_date(moment: dt.datetime | None, zone: dt.tzinfo) -> dt.date | None:
    return None if moment is None else moment.astimezone(zone).date()


def _organization(contact: Contact) -> str:
    return contact.organization.name if contact.organization else ""


COLUMNS = (
    Column(_("ID"), lambda row: row.contact.pk, 8),
    Column(_("Full name"), lambda row: row.contact.full_name, 28),
    Column(_("Native name"), lambda row: row.contact.native_name, 28),
    Column(_("Category"), lambda row: row.contact.get_category_display()),
    Column(_("Organization"), lambda row: _organization(row.contact), 28),
    Column(_("Owner"), lambda row: display_name(row.contact.owner), 20),
    Column(_("Last touch"), lambda row: _local_date(row.contact.last_touch_at, row.zone), 12),
    Column(_("Next due"), lambda row: _local_date(row.contact.next_due_at, row.zone), 12),
    Column(
        _("Overdue with me"), lambda row: gettext("yes") if row.contact.overdue_for_me else "", 10
    ),
    Column(_("Sensitivity"), lambda row: row.contact.get_sensitivity_display(), 12),
    Column(_("E-mail"), lambda row: row.contact.email, 28),
    Column(_("Phone"), lambda row: row.contact.phone, 18),
    Column(_("Country"), lambda row: row.contact.country.code or "", 8),
    Column(_("Languages"), lambda row: ", ".join(row.contact.languages or []), 12),
    Column(_("Layer"), lambda row: row.contact.get_layer_display() if row.contact.layer else ""),
    Column(_("Tags"), lambda row: ", ".join(row.tags), 24),
    Column(_("Birth year"), lambda row: row.contact.birth_year, 10),
)


def headers() -> list[str]:
    """The columns' headers in the active language."""
    return [str(column.header) for column in COLUMNS]


# CSV


class _Line:
    """A file-like object that hands back what csv.writer writes to it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(contacts, *, user, now) -> Iterator[str]:
    """The file as pieces to stream: a byte order mark and the header, then one piece per
    batch of contacts. Headers and the time zone are taken now, from the request."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    head = BOM + writer.writerow(headers())
    zone = timezone.get_current_timezone()
    return _csv_lines(head, writer, contacts, zone=zone, user=user, now=now)


def _csv_lines(head, writer, contacts, *, zone, user, now) -> Iterator[str]:
    yield head
    for batch in _rows(contacts, user=user, now=now, zone=zone):
        yield "".join(writer.writerow(_csv_row(row)) for row in batch)


def _csv_row(row: Row) -> list[str]:
    return [_csv_cell(column.value(row)) for column in COLUMNS]


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# XLSX


def xlsx_file(contacts, *, user, now):
    """The workbook, one sheet of contacts, in a temporary file open at its start (it is
    removed once closed)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_NAME)
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.append([_bold(sheet, header) for header in headers()])
    zone = timezone.get_current_timezone()
    for batch in _rows(contacts, user=user, now=now, zone=zone):
        for row in batch:
            sheet.append([_xlsx_cell(sheet, column.value(row)) for column in COLUMNS])
    # Spooled: a small workbook stays in memory, a large one goes to disk. Not closed here:
    # the response that sends it closes (and so removes) it.
    file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    workbook.save(file)
    file.seek(0)
    return file


def _bold(sheet, value: str) -> WriteOnlyCell:
    cell = text_cell(sheet, value)
    cell.font = Font(bold=True)
    return cell


def _xlsx_cell(sheet, value):
    if isinstance(value, str):
        return text_cell(sheet, value) if value else None
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


# vCard


def vcard_lines(contacts, *, user, now) -> Iterator[str]:
    """The vCards of the contacts, one piece per batch, to stream. The language (of the
    countries' names) is taken now, from the request."""
    return _vcard_lines(contacts, language=translation.get_language(), user=user, now=now)


def _vcard_lines(contacts, *, language, user, now) -> Iterator[str]:
    for batch in _rows(contacts, user=user, now=now, zone=dt.UTC):
        yield "".join(vcard(row.contact, row.tags, language=language) for row in batch)


def contact_vcard(contact: Contact, *, user, now) -> str:
    """One contact's vCard, recorded in the access log when the contact is protected."""
    if contact.sensitivity == Sensitivity.PROTECTED:
        _record([contact], user=user, now=now)
    tags = tag_names([contact.pk]).get(contact.pk, [])
    return vcard(contact, tags, language=translation.get_language())


def vcard(contact: Contact, tags: list[str], *, language: str | None = None) -> str:
    """A vCard 4.0 (RFC 6350) of the contact and its tags' names: FN (the name; the native
    name as its alternative, ALTID), N (split at the last space, or at a comma: "Petrova,
    Irina"), EMAIL, TEL, ORG, CATEGORIES (tags), BDAY (the birth year), LANG, ADR (the
    country). No NOTE: the notes are private."""
    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("prodid").value = PRODID
    name = plain(contact.full_name)
    full_name = card.add("fn")
    full_name.value = name
    if contact.native_name:
        full_name.altid_param = "1"
        native = card.add("fn")
        native.value = plain(contact.native_name)
        native.altid_param = "1"
    card.add("n").value = _structured_name(name)
    _add_text(card, "email", contact.email)
    _add_text(card, "tel", contact.phone)
    if contact.organization:
        card.add("org").value = [plain(contact.organization.name)]
    if tags:
        card.add("categories").value = [plain(tag) for tag in tags]
    if contact.birth_year:
        card.add("bday").value = f"{contact.birth_year:04d}"
    for preference, code in enumerate(_languages(contact), start=1):
        line = card.add("lang")
        line.value = code
        line.pref_param = str(preference)
    if contact.country:
        card.add("adr").value = vobject.vcard.Address(
            country=_country_name(contact.country.code, language)
        )
    return card.serialize()


def _add_text(card, name: str, value: str) -> None:
    value = plain(value or "").strip()
    if value:
        card.add(name).value = value


def _structured_name(name: str):
    family, comma, given = name.partition(",")
    if not comma:
        given, _space, family = name.strip().rpartition(" ")
    return vobject.vcard.Name(family=family.strip(), given=given.strip())


def _languages(contact: Contact) -> Iterable[str]:
    return [plain(str(code)).strip() for code in contact.languages or [] if str(code).strip()]


@functools.lru_cache(maxsize=1024)
def _country_name(code: str, language: str | None) -> str:
    with translation.override(language):
        return str(countries.name(code)) or code
