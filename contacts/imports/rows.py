"""Checking rows: the text a file gives turned into a contact's or an organization's
values, then checked by the REST API's own serializers, so an import accepts exactly what
the API and the forms accept (category, e-mail, country, lengths, birth year...).

Before the check, a few spellings a spreadsheet uses are brought to the stored form:
categories, layers and organization kinds by their code, English label or Russian name;
countries by code or name (English or Russian, django-countries); lists separated by
commas or semicolons; a full name in another alphabet than Latin becomes the native name,
and the full name its Latin transliteration (``contacts.names.fold``), title-cased (a
Hebrew or Arabic one, written without its vowels, stays as it is).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_noop
from django_countries import countries
from rest_framework import serializers

from contacts.imports.columns import CONTACT_COLUMNS, ORGANIZATION_COLUMNS, Mapping, normalized
from contacts.models import Affiliation, Contact, Layer, Organization
from contacts.names import fold
from contacts.serializers import ContactSerializer, OrganizationSerializer

# The contact fields an import writes (those the API's serializer has: birth_year only
# once the model has it).
CONTACT_FIELDS = (
    "full_name",
    "native_name",
    "category",
    "email",
    "phone",
    "country",
    "languages",
    "layer",
    "tags",
    "notes",
    "birth_year",
)
ORGANIZATION_FIELDS = ("name", "native_name", "kind", "country", "city", "website", "description")

# Words a sheet uses for a category, beside its code and English label.
CATEGORY_WORDS = {
    "academia": "academic",
    "scholar": "academic",
    "академик": "academic",
    "учёный": "academic",
    "ученый": "academic",
    "научный сотрудник": "academic",
    "преподаватель": "academic",
    "журналист": "journalist",
    "журналистка": "journalist",
    "сми": "journalist",
    "пресса": "journalist",
    "media": "journalist",
    "think tank": "think_tank",
    "think-tank": "think_tank",
    "analyst": "think_tank",
    "аналитик": "think_tank",
    "эксперт": "think_tank",
    "аналитический центр": "think_tank",
    "culture": "cultural",
    "культура": "cultural",
    "деятель культуры": "cultural",
    "civil society": "civil_society",
    "activist": "civil_society",
    "гражданское общество": "civil_society",
    "активист": "civil_society",
    "нко": "civil_society",
    "community leader": "community",
    "община": "community",
    "лидер общины": "community",
    "tech": "technology",
    "технологии": "technology",
    "it": "technology",
    "religion": "religious",
    "религия": "religious",
    "религиозный деятель": "religious",
    "священнослужитель": "religious",
    "другое": "other",
    "прочее": "other",
}
LAYER_WORDS = {
    "безопасность": "security",
    "политика": "political",
    "политический": "political",
    "нарратив": "narrative",
    "soft power": "soft_cultural",
    "культурный": "soft_cultural",
    "мягкая сила": "soft_cultural",
    "civil": "civil_epistemic",
    "гражданский": "civil_epistemic",
    "научный": "civil_epistemic",
}
KIND_WORDS = {
    "университет": "university",
    "вуз": "university",
    "институт": "research_institute",
    "научный институт": "research_institute",
    "исследовательский институт": "research_institute",
    "аналитический центр": "think_tank",
    "media": "media_outlet",
    "сми": "media_outlet",
    "издание": "media_outlet",
    "газета": "media_outlet",
    "телеканал": "media_outlet",
    "museum": "cultural_institution",
    "theatre": "cultural_institution",
    "музей": "cultural_institution",
    "театр": "cultural_institution",
    "учреждение культуры": "cultural_institution",
    "общественная организация": "community_organization",
    "община": "community_organization",
    "нко": "ngo",
    "нпо": "ngo",
    "компания": "company",
    "фирма": "company",
    "церковь": "religious_institution",
    "религиозная организация": "religious_institution",
    "ministry": "government_body",
    "министерство": "government_body",
    "госорган": "government_body",
    "государственный орган": "government_body",
}
# The kind of an organization a contacts file names without saying its kind: the one its
# contact's category suggests.
KIND_BY_CATEGORY = {
    "academic": "university",
    "journalist": "media_outlet",
    "think_tank": "think_tank",
    "cultural": "cultural_institution",
    "civil_society": "ngo",
    "community": "community_organization",
    "technology": "company",
    "religious": "religious_institution",
    "other": "company",
}
_LIST_SEPARATORS = re.compile(r"[,;]")
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2\d\d\d)(?!\d)")
# A whole date: year first (19750314, 1975-03-14) or last (14.03.1975, 3/14/1975).
_WHOLE_DATE = re.compile(
    r"(?P<y1>\d{4})-?(?P<m1>\d{2})-?(?P<d1>\d{2})"
    r"|(?P<d2>\d{1,2})[./-](?P<m2>\d{1,2})[./-](?P<y2>\d{4})"
)


# The values a spreadsheet shows in a cell whose formula failed: an XLSX holds Excel's
# English codes (openpyxl's ERROR_CODES and Excel 365's newer ones) whatever its language, a
# CSV saved from a Russian, French or German Excel their translations, LibreOffice "Err:5xx".
SPREADSHEET_ERRORS = frozenset(
    {
        *("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"),
        *("#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"),
        "#GETTING_DATA",
        *("#ПУСТО!", "#ДЕЛ/0!", "#ЗНАЧ!", "#ССЫЛ!", "#ИМЯ?", "#ЧИСЛО!", "#Н/Д"),
        *("#NUL!", "#VALEUR!", "#NOM?", "#NOMBRE!"),
        *("#WERT!", "#BEZUG!", "#ZAHL!", "#NV"),
    }
)
LIBREOFFICE_ERROR = re.compile(r"Err:\d{3}")
# Stored in English, shown in the reader's language (see contacts.imports.reading).
SPREADSHEET_ERROR = gettext_noop(
    "The cell holds a spreadsheet's error (%(error)s), not a value: correct its formula or "
    "type the value in the file."
)
PATTERNS = (SPREADSHEET_ERROR,)


def is_failed_cell(text: str) -> bool:
    """Whether a cell holds a spreadsheet's error value rather than a value."""
    text = (text or "").strip()
    return text.upper() in SPREADSHEET_ERRORS or bool(LIBREOFFICE_ERROR.fullmatch(text))


@dataclass
class Checked:
    """One row checked: the values to write and the errors, each naming its column."""

    values: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def _words(choices, extra: dict[str, str]) -> dict[str, str]:
    """Codes of ``choices`` by their code and their label in each interface language (a
    sheet written in Russian or Hebrew names them so), case-folded, and ``extra`` words.
    English last, so that it wins where two languages share a word."""
    words = {code.casefold(): code for code, _ in choices}
    languages = sorted((code for code, _ in settings.LANGUAGES), key=lambda code: code == "en")
    for language in languages:
        with translation.override(language):
            words.update({str(label).casefold(): code for code, label in choices})
    words.update(extra)
    return words


# Built on first use, once the translations can be read (not while modules import).
@functools.cache
def categories() -> dict[str, str]:
    return _words(Contact.Category.choices, CATEGORY_WORDS)


@functools.cache
def layers() -> dict[str, str]:
    return _words(Layer.choices, LAYER_WORDS)


@functools.cache
def kinds() -> dict[str, str]:
    return _words(Organization.Kind.choices, KIND_WORDS)


def code_of(text: str, words: dict[str, str]) -> str:
    """The code a word names, else the text as given (the serializer then refuses it)."""
    return words.get(normalized(text), text)


@functools.lru_cache(maxsize=1024)
def country_code(text: str) -> str:
    """The ISO code of a country given by code (IL, ISR) or name in English or Russian;
    the text as given when it names none (the serializer then refuses it)."""
    text = text.strip()
    code = countries.alpha2(text)
    if code:
        return code
    for language in ("en", "ru"):
        code = countries.by_name(text, language=language)
        if code:
            return code
    return text


def listed(text: str) -> list[str]:
    """The items of a list written "ru, he" or "ru; he", each once."""
    return list(
        dict.fromkeys(item.strip() for item in _LIST_SEPARATORS.split(text) if item.strip())
    )


def is_latin(text: str) -> bool:
    """Whether every letter of ``text`` is a Latin one (accents allowed)."""
    return all(unicodedata.name(ch, "").startswith("LATIN") for ch in text if ch.isalpha())


def latin_and_native(full_name: str, native_name: str) -> tuple[str, str]:
    """A full name in another alphabet becomes the native name (unless one is given) and
    the full name its transliteration: "Ирина Петрова" → ("Irina Petrova", "Ирина Петрова").
    A name written without its vowels (Hebrew, Arabic) stays as it is: its letters alone
    give no name a reader would know ("דנה לוי" would be "Dnh Lvy"); the names' keys still
    find it by a Latin spelling where its consonants allow ("David Levi": "דוד לוי")."""
    if not full_name or is_latin(full_name) or _without_vowels(full_name):
        return full_name, native_name
    return fold(full_name).title(), native_name or full_name


def _without_vowels(text: str) -> bool:
    """Whether ``text`` is written in an abjad (Hebrew or Arabic letters)."""
    return any(unicodedata.name(ch, "").startswith(("HEBREW", "ARABIC")) for ch in text)


def year_of(text: str) -> str | int:
    """The year of a birth date or year ("1975", "14.03.1975", "19750314", "1975-03-14");
    the text as given when it holds none, or when it is a whole date that no calendar has
    ("19801345": the serializer then refuses it, where its first four digits were taken)."""
    if not _is_a_date_if_whole(text):
        # As a date (no integer), which the serializer refuses as a birth year.
        return f"{text[:4]}-{text[4:6]}-{text[6:]}" if text.isdigit() else text
    digits = text[:4] if text.isdigit() and len(text) == 8 else text
    found = _YEAR.search(digits)
    return int(found.group(1)) if found else text


def _is_a_date_if_whole(text: str) -> bool:
    """False for a day, month and year that name no day; True for anything else."""
    whole = _WHOLE_DATE.fullmatch(text.strip())
    if whole is None:
        return True
    if whole["y1"]:
        orders = [(whole["y1"], whole["m1"], whole["d1"])]
    else:  # day first, or month first as a sheet in American English writes it
        orders = [(whole["y2"], whole["m2"], whole["d2"]), (whole["y2"], whole["d2"], whole["m2"])]
    for year, month, day in orders:
        try:
            dt.date(int(year), int(month), int(day))
        except ValueError:
            continue
        return True
    return False


def _messages(detail) -> list[str]:
    """The messages of a DRF error detail (a list, or a dict per item of a list)."""
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _messages(value)]
    return [str(detail)]


class RowChecker:
    """Checks the rows of one file for one importer, with the API's serializer."""

    # The fields of this kind of file (for a column the file lacks) and where a field may
    # come from besides its own column.
    file_columns: dict[str, tuple[str, ...]] = {}
    sources: dict[str, tuple[str, ...]] = {}

    def __init__(self, *, user, mapping: Mapping):
        self.context = {"request": SimpleNamespace(user=user)}
        self.columns = {
            **mapping.labels,
            **{name: mapping.headers[position] for position, name in mapping.fields.items()},
        }

    def column(self, field_name: str) -> str:
        """The file's name for the column of a field (the field's first alias if none)."""
        for name in (field_name, *self.sources.get(field_name, ())):
            if name in self.columns:
                return self.columns[name]
        aliases = self.file_columns.get(field_name)
        return aliases[0].capitalize() if aliases else field_name.replace("_", " ").capitalize()

    def errors_of(self, detail: dict) -> list[dict]:
        """``{"column", "message"}`` for each message of an error detail by field."""
        return [
            {
                "column": self.column(name) if name and name != "non_field_errors" else "",
                "message": message,
            }
            for name, messages in detail.items()
            for message in _messages(messages)
        ]

    def without_failed_cells(self, cells: dict[str, str]) -> tuple[dict[str, str], list[dict]]:
        """The row's cells but those holding a spreadsheet's error (``#VALUE!``: a formula
        that failed), and an error for each of those, so that none is taken as a value."""
        failed = {name: text.strip() for name, text in cells.items() if is_failed_cell(text)}
        if not failed:
            return cells, []
        kept = {name: text for name, text in cells.items() if name not in failed}
        errors = [
            {"column": self.column(name), "message": SPREADSHEET_ERROR % {"error": error}}
            for name, error in failed.items()
        ]
        return kept, errors

    @staticmethod
    def first_said(failed: list[dict], errors: list[dict]) -> list[dict]:
        """The failed cells' errors, then the others of columns they do not name (a name left
        out by its failed cell is not also "required")."""
        columns = {error["column"] for error in failed}
        return failed + [error for error in errors if error["column"] not in columns]

    def validated(self, serializer, data: dict) -> tuple[dict, list[dict]]:
        try:
            return dict(serializer.run_validation(data)), []
        except serializers.ValidationError as error:
            detail = error.detail if isinstance(error.detail, dict) else {"": error.detail}
            return {}, self.errors_of(detail)


def _contact_converters() -> dict:
    return {
        "category": lambda text: code_of(text, categories()),
        "layer": lambda text: code_of(text, layers()),
        "country": country_code,
        "languages": listed,
        "tags": listed,
        "birth_year": year_of,
    }


class ContactRowChecker(RowChecker):
    """A contacts file's rows: the contact's fields, its organization and its role there.

    A field the model has and the API's serializer not (yet) is checked by the model
    field's own validators."""

    file_columns = CONTACT_COLUMNS
    sources = {"full_name": ("first_name", "last_name", "middle_name")}

    def __init__(self, *, user, mapping: Mapping, default_category: str = ""):
        super().__init__(user=user, mapping=mapping)
        self.new = ContactSerializer(context=self.context)
        self.partial = ContactSerializer(context=self.context, partial=True)
        model_fields = {field.name for field in Contact._meta.concrete_fields}
        self.by_serializer = [name for name in CONTACT_FIELDS if name in self.new.fields]
        self.by_model = [
            name for name in CONTACT_FIELDS if name not in self.new.fields and name in model_fields
        ]
        self.default_category = default_category
        self.organization_name = OrganizationSerializer().fields["name"]
        self.role = serializers.CharField(
            max_length=Affiliation._meta.get_field("role").max_length, allow_blank=True
        )

    def unstored_columns(self) -> list[str]:
        """The file's columns for fields contacts do not have."""
        stored = {*self.by_serializer, *self.by_model}
        return [
            self.columns[name]
            for name in CONTACT_FIELDS
            if name in self.columns and name not in stored
        ]

    def prepared(self, cells: dict[str, str], *, updating: bool) -> dict:
        """The row's fields in the form the serializer takes; empty cells left out (an
        update keeps what the contact has). A tag naming a category is the category of a
        row that names none (a vCard's CATEGORIES)."""
        full_name = cells.get("full_name") or " ".join(
            cells[name] for name in ("first_name", "middle_name", "last_name") if cells.get(name)
        )
        full_name, native_name = latin_and_native(full_name, cells.get("native_name", ""))
        data = {**cells, "full_name": full_name, "native_name": native_name}
        converters = _contact_converters()
        prepared = {
            name: converters.get(name, str.strip)(data[name])
            for name in (*self.by_serializer, *self.by_model)
            if data.get(name)
        }
        if "category" not in prepared:
            tags = prepared.get("tags", [])
            named = [tag for tag in tags if normalized(tag) in categories()]
            if named:
                prepared["category"] = categories()[normalized(named[0])]
                prepared["tags"] = [tag for tag in tags if tag != named[0]]
            elif not updating and self.default_category:
                prepared["category"] = self.default_category
        return prepared

    def check(self, cells: dict[str, str], *, updating: bool) -> Checked:
        """Check one row as a new contact, or as changes to an existing one (its cells
        without the failed ones: ``without_failed_cells``)."""
        prepared = self.prepared(cells, updating=updating)
        by_model = {name: prepared.pop(name) for name in self.by_model if name in prepared}
        contact, errors = self.validated(self.partial if updating else self.new, prepared)
        contact.update(self._model_checked(by_model, errors))
        values = {"contact": contact}
        if cells.get("organization"):
            values["organization"] = self._text(
                self.organization_name, cells["organization"], "organization", errors
            )
            values["organization_kind"] = self._kind(cells, errors)
        if cells.get("role"):
            values["role"] = self._text(self.role, cells["role"], "role", errors)
        return Checked(values=values if not errors else {}, errors=errors)

    def _model_checked(self, values: dict, errors: list[dict]) -> dict:
        checked = {}
        for name, value in values.items():
            try:
                checked[name] = Contact._meta.get_field(name).clean(value, None)
            except ValidationError as error:
                errors += self.errors_of({name: error.messages})
        return checked

    def _text(self, field, text: str, field_name: str, errors: list[dict]) -> str:
        try:
            return field.run_validation(text.strip())
        except serializers.ValidationError as error:
            errors += self.errors_of({field_name: error.detail})
            return ""

    def _kind(self, cells: dict, errors: list[dict]) -> str:
        kind = code_of(cells.get("organization_kind", ""), kinds())
        if kind and kind not in Organization.Kind.values:
            errors += self.errors_of({"organization_kind": [f'"{kind}" is not a valid choice.']})
        return kind


class OrganizationRowChecker(RowChecker):
    """An organizations file's rows."""

    file_columns = ORGANIZATION_COLUMNS

    def prepared(self, cells: dict[str, str]) -> dict:
        converters = {
            "kind": lambda text: code_of(text, kinds()),
            "country": country_code,
            "website": _with_scheme,
        }
        return {
            name: converters.get(name, str.strip)(cells[name])
            for name in ORGANIZATION_FIELDS
            if cells.get(name)
        }

    def check(self, cells: dict[str, str], *, existing: Organization | None) -> Checked:
        """Check one row as a new organization, or as changes to ``existing`` (its cells
        without the failed ones: ``without_failed_cells``)."""
        serializer = OrganizationSerializer(
            instance=existing, partial=existing is not None, context=self.context
        )
        organization, errors = self.validated(serializer, self.prepared(cells))
        values = {"organization": organization} if not errors else {}
        return Checked(values=values, errors=errors)


def _with_scheme(text: str) -> str:
    text = text.strip()
    return text if "://" in text else f"https://{text}"
