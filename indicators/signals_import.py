"""Signals entered by hand (``SignalForm``, shared by the admin and the web form) and in
bulk from a CSV file (``import_signals_csv``): every row is checked by the same form, and
when any row is invalid nothing is stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django import forms
from django.db import transaction
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from contacts.models import Organization
from indicators.models import Signal

COLUMNS = (
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
)
REQUIRED_COLUMNS = ("kind", "occurred_on", "title")
MAX_ROWS = 10_000
MAX_BYTES = 5 * 1024 * 1024
FILE = 0  # the row number of a problem with the whole file


class SignalForm(forms.ModelForm):
    """One signal: the fields, and the rules of its kind from ``Signal.clean()`` (which
    also fills the default layer and country)."""

    link = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Signal
        fields = list(COLUMNS)
        # ISO in every language: a date input reads nothing else (Russian's format is d.m.Y).
        widgets = {"occurred_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    # The fields only some kinds use: the web form shows them for those kinds only
    # (trackii/signal-form.js); Signal.clean() still checks what each kind needs.
    KIND_FIELDS = {
        "language": ("coverage", "digital_reach"),
        "link": ("coverage", "digital_reach"),
        "tone": ("coverage",),
        "theme": ("coverage",),
        "platform": ("digital_reach",),
        "audience": ("digital_reach",),
        "severity": ("friction_incident",),
        "outcome": ("coordination",),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["layer"].required = False
        self.fields["organization"].queryset = Organization.objects.order_by("name", "pk")
        for name, kinds in self.KIND_FIELDS.items():
            self.fields[name].widget.attrs["data-signal-kinds"] = " ".join(kinds)


class SignalCsvForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "UTF-8, a header row naming the columns: %(columns)s."
        ) % {"columns": ", ".join(COLUMNS)}


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1; 0 is the whole file
    field: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_signals_csv(*, file, user, now: dt.datetime) -> ImportReport:
    """Check every row of a CSV file of signals; store them all in one transaction, or,
    when any row is invalid, store nothing and report each (row, field, message)."""
    rows, errors = _read_rows(file)
    if errors:
        return ImportReport(errors=errors)
    organizations = _organizations_named(row.get("organization", "") for _, row in rows)
    signals = []
    for number, row in rows:
        signal, row_errors = _validate_row(number, row, organizations)
        signals.append(signal)
        errors.extend(row_errors)
    if errors:
        return ImportReport(errors=errors)
    for signal in signals:
        signal.created_by = user
        signal.created_at = now
    with transaction.atomic():
        bulk_create_with_history(signals, Signal, default_user=user, default_date=now)
    return ImportReport(created=len(signals))


def _read_rows(file) -> tuple[list[tuple[int, dict]], list[RowError]]:
    raw = file.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        message = gettext("The file is larger than %(limit)d bytes.") % {"limit": MAX_BYTES}
        return [], [RowError(FILE, "file", message)]
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        return [], [RowError(FILE, "file", gettext("The file is not UTF-8 text."))]
    if "\x00" in text:
        return [], [
            RowError(FILE, "file", gettext("The file holds a NUL character: no text does."))
        ]
    # Strict: a quote left open swallowed the rest of the file into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
        records = list(reader)
    except StopIteration:
        return [], [RowError(FILE, "file", gettext("The file is empty."))]
    except csv.Error as error:
        message = gettext("Not a readable CSV file: %(error)s.") % {"error": error}
        return [], [RowError(FILE, "file", message)]
    errors = _header_errors(header)
    if not errors and len(records) > MAX_ROWS:
        message = ngettext(
            "At most %(count)d row in one file.", "At most %(count)d rows in one file.", MAX_ROWS
        ) % {"count": MAX_ROWS}
        errors = [RowError(FILE, "file", message)]
    rows = [
        (number, dict(zip(header, (value.strip() for value in record), strict=False)))
        for number, record in enumerate(records, start=2)
        if any(value.strip() for value in record)
    ]
    if not errors:
        errors = [
            RowError(number, "row", gettext("More cells than the header has columns."))
            for number, record in enumerate(records, start=2)
            if any(value.strip() for value in record[len(header) :])
        ]
    if not errors and not rows:
        errors = [RowError(FILE, "file", gettext("The file has no rows under its header."))]
    return rows, errors


def _header_errors(header: list[str]) -> list[RowError]:
    blank = pgettext("a column without a name", "(blank)")
    errors = [RowError(1, name or blank, gettext("Unknown column.")) for name in header]
    errors = [error for error in errors if error.field not in COLUMNS]
    errors += [
        RowError(1, name, gettext("Duplicate column."))
        for name in sorted({name for name in header if header.count(name) > 1})
    ]
    errors += [
        RowError(1, name, gettext("Missing column."))
        for name in REQUIRED_COLUMNS
        if name not in header
    ]
    return errors


def _is_id(value: str) -> bool:
    """Whether a cell names an organization by its id: ASCII digits only ("٣٤", Arabic-Indic
    digits, is a name: as an id it linked organization 34)."""
    return value.isascii() and value.isdigit()


def _organizations_named(values) -> dict[str, list[int]]:
    """Organization ids by exact name, for the names (not ids) the file uses."""
    names = {value for value in values if value and not _is_id(value)}
    found: dict[str, list[int]] = {}
    for pk, name in Organization.objects.filter(name__in=names).values_list("pk", "name"):
        found.setdefault(name, []).append(pk)
    return found


def _validate_row(number: int, row: dict, organizations) -> tuple[Signal, list[RowError]]:
    data, reference_error = _resolve_organization(dict(row), organizations)
    form = SignalForm(data=data)
    if form.is_valid() and reference_error is None:
        return form.instance, []
    errors = [
        RowError(number, "row" if name == "__all__" else name, message)
        for name, messages in form.errors.items()
        for message in messages
        if not (reference_error and name == "organization")
    ]
    if reference_error:
        errors.insert(0, RowError(number, "organization", reference_error))
    return form.instance, errors


def _resolve_organization(data: dict, organizations) -> tuple[dict, str | None]:
    """Replace an organization's exact name by its id; an id stays as it is."""
    reference = data.get("organization", "")
    if not reference or _is_id(reference):
        return data, None
    matches = organizations.get(reference, [])
    if len(matches) == 1:
        return {**data, "organization": str(matches[0])}, None
    if not matches:
        message = gettext('No organization is named "%(name)s".') % {"name": reference}
        return {**data, "organization": ""}, message
    message = ngettext(
        '%(count)d organization is named "%(name)s"; give the id.',
        '%(count)d organizations are named "%(name)s"; give the id.',
        len(matches),
    ) % {"count": len(matches), "name": reference}
    return {**data, "organization": ""}, message
