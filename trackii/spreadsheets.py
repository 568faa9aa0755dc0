"""Free text in files that spreadsheets open (CSV, XLSX): no control character, and never a
formula. The indicators' exports and the contacts' exports write every text cell through
these.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or with a tab or a
line break before one) as a formula: a name typed as ``=HYPERLINK(...)`` would become a link
that sends the sheet's data away when clicked. In CSV such a cell gets a leading apostrophe,
which spreadsheets read as "this is text" (``text``); in XLSX the cell is stored as a
string, which no spreadsheet evaluates, and marked with the quote prefix (``text_cell``), so
that editing it keeps it text and the apostrophe is not part of the value.
"""

from __future__ import annotations

import re

from openpyxl.cell import WriteOnlyCell

# The starts a spreadsheet reads as a formula. A CR is one LF once ``plain``, and a cell
# that starts with a line break is treated like one that starts with a tab.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

# XML 1.0, and so XLSX, cannot hold these; in CSV they confuse the programs that read it.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain(value: str) -> str:
    """Free text (a name typed by officers) fit for any cell: each line break one LF, no
    control character."""
    return CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def starts_formula(value: str) -> bool:
    """Whether a spreadsheet would read the (``plain``) text as a formula."""
    return value.startswith(FORMULA_STARTS)


# A phone number as people write it: "+" then digits, spaces, brackets, dots, dashes and
# slashes. No formula of these reaches past its cell (no function, no reference, no other
# program), while the quote would stay in the number for a program that reads the CSV
# (Outlook, Google Contacts: a user's finding). Excel reads the XLSX export as text.
PHONE = re.compile(r"\+[0-9 ().\-/]*[0-9][0-9 ().\-/]*")


def text(value: str) -> str:
    """A free-text CSV cell that no spreadsheet runs as a formula (a phone number as it is)."""
    value = plain(value)
    return f"'{value}" if starts_formula(value) and not PHONE.fullmatch(value) else value


def text_cell(sheet, value: str) -> WriteOnlyCell:
    """A free-text cell of a write-only XLSX sheet: always a string (openpyxl would store
    ``=...`` as a formula), with the quote prefix when it starts like a formula."""
    value = plain(value)
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    if starts_formula(value):
        cell.quotePrefix = True
    return cell
