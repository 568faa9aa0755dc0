"""Which column of a file is which field: headers matched by their known names in English
and Russian, case-insensitively, after trimming."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop

# A contacts file's fields, each with the headers that name it.
CONTACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "contact id", "ид", "идентификатор"),
    "full_name": (
        "full name",
        "name",
        "contact",
        "фио",
        "ф.и.о.",
        "имя",
        "полное имя",
        "контакт",
    ),
    "first_name": ("first name", "given name", "имя (first name)"),
    "middle_name": ("middle name", "отчество"),
    "last_name": ("last name", "surname", "family name", "фамилия"),
    "native_name": (
        "native name",
        "name in native script",
        "имя на родном языке",
        "имя в оригинале",
    ),
    "category": ("category", "категория"),
    "organization": (
        "organization",
        "organisation",
        "company",
        "employer",
        "организация",
        "компания",
        "место работы",
    ),
    "organization_kind": ("organization kind", "organization type", "тип организации"),
    "role": ("role", "title", "job title", "position", "должность", "позиция"),
    "email": (
        "e-mail",
        "email",
        "e-mail address",
        "email address",
        "e-mail 1 - value",
        "эл. почта",
        "электронная почта",
        "почта",
        "e-mail адрес",
    ),
    "phone": (
        "phone",
        "telephone",
        "mobile",
        "phone number",
        "phone 1 - value",
        "телефон",
        "тел.",
        "мобильный",
        "мобильный телефон",
    ),
    "country": ("country", "страна"),
    "languages": ("languages", "language", "языки", "язык"),
    "layer": ("layer", "слой"),
    "tags": ("tags", "labels", "теги", "метки"),
    "notes": ("notes", "note", "заметки", "примечание", "примечания", "комментарий"),
    "birth_year": (
        "birth year",
        "year of birth",
        "birthday",
        "date of birth",
        "год рождения",
        "дата рождения",
    ),
}

# An organizations file's fields.
ORGANIZATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "organization id", "ид"),
    "name": (
        "organization name",
        "organisation name",
        "name",
        "organization",
        "organisation",
        "название организации",
        "название",
        "организация",
    ),
    "native_name": ("native name", "name in native script", "название на родном языке"),
    "kind": ("kind", "type", "organization kind", "тип", "вид", "тип организации"),
    "country": ("country", "страна"),
    "city": ("city", "город"),
    "website": ("website", "web site", "site", "url", "сайт", "веб-сайт"),
    "description": ("description", "описание"),
}

# The headers named in the upload form's help and in errors.
SAMPLE_HEADERS = "Full name / ФИО, Organization / Организация, E-mail, Phone / Телефон"

_SPACES = re.compile(r"\s+")


def normalized(header) -> str:
    """A header as matched: trimmed, one space between words, case-folded, without a
    trailing colon or the asterisk some templates put on required columns."""
    text = _SPACES.sub(" ", str(header or "")).strip().rstrip(":*").strip()
    return text.casefold()


def _index(columns: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {alias: name for name, aliases in columns.items() for alias in aliases}


CONTACT_ALIASES = _index(CONTACT_COLUMNS)
ORGANIZATION_ALIASES = _index(ORGANIZATION_COLUMNS)


def known_count(headers) -> int:
    """How many of these headers name a field of either kind of file."""
    return sum(
        1 for header in headers if normalized(header) in CONTACT_ALIASES | ORGANIZATION_ALIASES
    )


@dataclass
class Mapping:
    """The columns of one file: the field each column holds (by position), and the
    columns that hold none (unknown, or a field named twice)."""

    content: str  # ImportBatch.Content
    fields: dict[int, str] = field(default_factory=dict)
    headers: dict[int, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    # The file's own name for a field it has no column for (a vCard's property).
    labels: dict[str, str] = field(default_factory=dict)

    def row(self, cells) -> dict[str, str]:
        """The field values of one row of cells (already text)."""
        return {name: cells[i] for i, name in self.fields.items() if i < len(cells)}

    def described(self) -> list[dict]:
        """Each mapped column and its field, in the file's order, for the report."""
        return [{"column": self.headers[i], "field": name} for i, name in self.fields.items()]


# A lone "Name" beside a "Last name" column is the first name ("Имя" beside "Фамилия").
_FIRST_NAME_WHEN_SPLIT = ("name", "имя")


def mapping_for(headers: list, *, filled: set[int]) -> Mapping:
    """Map a header row: an organizations file when its headers name more of an
    organization's fields than of a contact's, else a contacts file. A column without a
    header is reported only when it holds values (``filled`` positions)."""
    normal = [normalized(header) for header in headers]
    as_contacts = sum(1 for name in normal if name in CONTACT_ALIASES)
    as_organizations = sum(1 for name in normal if name in ORGANIZATION_ALIASES)
    if as_organizations > as_contacts:
        content, aliases = "organizations", ORGANIZATION_ALIASES
    else:
        content, aliases = "contacts", CONTACT_ALIASES
    mapping = Mapping(content=content)
    split_name = content == "contacts" and "last_name" in {aliases.get(n) for n in normal}
    for position, (header, name) in enumerate(zip(headers, normal, strict=True)):
        if not name and position not in filled:
            continue
        label = str(header).strip() if name else _unnamed(position)
        target = aliases.get(name)
        if split_name and name in _FIRST_NAME_WHEN_SPLIT:
            target = "first_name"
        if target is not None and target not in mapping.fields.values():
            mapping.fields[position] = target
            mapping.headers[position] = label
        elif target is not None:
            field_name = target.replace("_", " ")
            mapping.unknown.append(SECOND_COLUMN % {"label": label, "field": field_name})
        else:
            mapping.unknown.append(label)
    return mapping


# Stored in English, shown in the reader's language (contacts.imports.shown_column).
UNNAMED = gettext_noop("(no header, column %(letter)s)")
SECOND_COLUMN = gettext_noop("%(label)s (a second column for %(field)s)")
# The fields as SECOND_COLUMN names them (the field's name, "_" as a space), for the
# catalogues.
FIELD_NAMES = (
    gettext_noop("id"),
    gettext_noop("full name"),
    gettext_noop("first name"),
    gettext_noop("middle name"),
    gettext_noop("last name"),
    gettext_noop("native name"),
    gettext_noop("category"),
    gettext_noop("organization"),
    gettext_noop("organization kind"),
    gettext_noop("role"),
    gettext_noop("email"),
    gettext_noop("phone"),
    gettext_noop("country"),
    gettext_noop("languages"),
    gettext_noop("layer"),
    gettext_noop("tags"),
    gettext_noop("notes"),
    gettext_noop("birth year"),
    gettext_noop("name"),
    gettext_noop("kind"),
    gettext_noop("city"),
    gettext_noop("website"),
    gettext_noop("description"),
)


def _unnamed(position: int) -> str:
    return UNNAMED % {"letter": column_letter(position)}


def column_letter(position: int) -> str:
    """A spreadsheet's name for the column at ``position`` (0 → A, 26 → AA)."""
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
