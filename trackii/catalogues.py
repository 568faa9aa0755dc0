"""The translation catalogues: where each string goes, reading a ``.po`` file and compiling
it to the ``.mo`` file Django reads.

Four catalogues, so that areas are translated in parallel without two people editing one
file: ``contacts/locale``, ``events/locale`` and ``indicators/locale`` hold their app's code
and templates (``templates/<app>/``, ``templates/admin/<app>/``); ``locale`` holds the rest
(``trackii/``, the other templates). ``manage.py update_catalogues`` routes each string so;
``manage.py compile_catalogues`` (``scripts/run``, ``scripts/test``, the test session's
start) writes each ``django.mo``. The ``.mo`` files are built, never committed.

Compiling is done here in Python (the format is GNU gettext's, as Python's ``gettext``
reads it), so that ``scripts/run`` needs no gettext tools; ``update_catalogues`` and the
catalogue check in the tests use GNU gettext (``xgettext``, ``msgmerge``, ``msgfmt``).
"""

from __future__ import annotations

import os
import re
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from django.conf import settings
from django.utils.translation import pgettext_lazy

# Catalogue folder (relative to the checkout) → the paths whose strings it holds; the first
# match wins, and anything else goes to ROOT_CATALOGUE.
AREAS = {
    "contacts/locale": ("contacts/", "templates/contacts/", "templates/admin/contacts/"),
    "events/locale": ("events/", "templates/events/"),
    "indicators/locale": ("indicators/", "templates/indicators/", "templates/admin/indicators/"),
}
ROOT_CATALOGUE = "locale"
# Django's own Hebrew catalogue ends a shortened text with U+202E (RIGHT-TO-LEFT OVERRIDE)
# before "…" and never closes it, turning the rest of its line right to left. Ours, read
# before Django's (LOCALE_PATHS), gives the ellipsis alone in every language; this marks the
# string so that ``update_catalogues`` keeps it (django.utils.text.Truncator reads it).
TRUNCATION = pgettext_lazy("String to return when truncating text", "%(truncated_text)s…")
CATALOGUES = (ROOT_CATALOGUE, *AREAS)
# Folders with no interface string of Track II's (the tests' own templates among them).
IGNORED = (".venv", "var", "staticfiles", "node_modules", "tests", "benchmarks", "deploy",
           "test-artifacts", "scripts")  # fmt: skip
DOMAIN = "django"
# Each translated language's plural rule (GNU gettext's Plural-Forms): Russian's three forms
# (one: 1, 21; few: 2-4, 22-24; many: 0, 5-20, 25...); Hebrew's one, two and other.
PLURAL_FORMS = {
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
    "n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "he": "nplurals=3; plural=(n == 1 ? 0 : n == 2 ? 1 : 2);",
}
NAMES = {"ru": "Russian", "he": "Hebrew"}


def translated_languages() -> list[str]:
    """The languages with catalogues: every interface language but the source, English."""
    return [code for code, _ in settings.LANGUAGES if code != "en"]


def catalogue_for(path: PurePath) -> str:
    """The catalogue folder that holds the strings of ``path`` (relative to the checkout)."""
    text = path.as_posix().removeprefix("./")
    for catalogue, prefixes in AREAS.items():
        if text.startswith(prefixes):
            return catalogue
    return ROOT_CATALOGUE


def po_path(base: Path, catalogue: str, language: str) -> Path:
    return base / catalogue / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def header(language: str) -> str:
    """The header of a new catalogue (update_catalogues keeps it as it is)."""
    return (
        f"# Track II's interface in {NAMES.get(language, language)}. Terms: locale/GLOSSARY.md.\n"
        'msgid ""\n'
        'msgstr ""\n'
        '"Project-Id-Version: Track II\\n"\n'
        f'"Language: {language}\\n"\n'
        '"MIME-Version: 1.0\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Content-Transfer-Encoding: 8bit\\n"\n'
        f'"Plural-Forms: {PLURAL_FORMS[language]}\\n"\n'
    )


# Reading a .po file


@dataclass
class Entry:
    """One message of a catalogue."""

    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    locations: list[str] = field(default_factory=list)
    is_obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def is_fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def is_translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr) and not self.is_fuzzy

    def describe(self) -> str:
        where = f" ({', '.join(self.locations)})" if self.locations else ""
        context = f"[{self.msgctxt}] " if self.msgctxt else ""
        return f"{context}{self.msgid!r}{where}"


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"not a quoted string: {text}")
    return re.sub(r"\\(.)", lambda match: ESCAPES.get(match[1], match[1]), text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, the header (msgid "") first."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None
    started = False

    def finish():
        nonlocal entry, started, target
        if started:
            entries.append(entry)
        entry, started, target = Entry(), False, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if started and target is not None and target[0] == "msgstr":
                finish()
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            elif line.startswith("#:"):
                entry.locations += line[2:].split()
            continue
        try:
            match = KEYWORD.match(line)
            if match:
                keyword, index, quoted = match.groups()
                if keyword in ("msgctxt", "msgid") and target and target[0] == "msgstr":
                    finish()
                started = True
                entry.is_obsolete = entry.is_obsolete or obsolete
                value = _unquote(quoted)
                if keyword.startswith("msgstr"):
                    position = int(index) if index is not None else 0
                    while len(entry.msgstr) <= position:
                        entry.msgstr.append("")
                    entry.msgstr[position] = value
                    target = ("msgstr", position)
                else:
                    setattr(entry, keyword, value)
                    target = (keyword, 0)
            elif line.startswith('"') and target is not None:
                value = _unquote(line)
                if target[0] == "msgstr":
                    entry.msgstr[target[1]] += value
                else:
                    setattr(entry, target[0], getattr(entry, target[0]) + value)
            else:
                raise ValueError(f"cannot read: {raw}")
        except ValueError as error:
            raise ValueError(f"{path}:{number}: {error}") from error
    finish()
    return entries


# Writing a .mo file (GNU gettext's binary format, little-endian, as CPython's msgfmt.py)


def mo_bytes(entries: list[Entry]) -> bytes:
    """The compiled catalogue: the header and every translated, current, non-fuzzy entry."""
    messages: dict[bytes, bytes] = {}
    for entry in entries:
        if entry.is_obsolete or entry.is_fuzzy:
            continue
        if entry.msgid and not entry.is_translated:
            continue
        key = entry.msgid
        if entry.msgid_plural is not None:
            key += "\0" + entry.msgid_plural
        if entry.msgctxt is not None:
            key = entry.msgctxt + "\x04" + key
        messages[key.encode()] = "\0".join(entry.msgstr).encode()
    keys = sorted(messages)
    ids = strs = b""
    offsets = []
    for key in keys:
        offsets.append((len(ids), len(key), len(strs), len(messages[key])))
        ids += key + b"\0"
        strs += messages[key] + b"\0"
    key_start = 7 * 4 + 16 * len(keys)
    value_start = key_start + len(ids)
    key_offsets, value_offsets = [], []
    for key_offset, key_length, value_offset, value_length in offsets:
        key_offsets += [key_length, key_offset + key_start]
        value_offsets += [value_length, value_offset + value_start]
    head = struct.pack("<Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0)
    table = key_offsets + value_offsets
    return head + struct.pack(f"<{len(table)}i", *table) + ids + strs


def compile_po(path: Path, *, force: bool = False) -> bool:
    """Write ``django.mo`` beside the .po file when it is missing or older; True if written.
    Written to a temporary file and renamed, so that a reader never sees half a file."""
    target = path.with_suffix(".mo")
    if not force and target.exists() and target.stat().st_mtime >= path.stat().st_mtime:
        return False
    data = mo_bytes(read_po(path))
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".django-", suffix=".mo")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.replace(temporary, target)
    return True


def compile_all(base: Path | None = None, *, force: bool = False) -> list[Path]:
    """Compile every catalogue of every translated language; the .mo files written."""
    base = base or Path(settings.BASE_DIR)
    written = []
    for catalogue in CATALOGUES:
        for language in translated_languages():
            path = po_path(base, catalogue, language)
            if path.exists() and compile_po(path, force=force):
                written.append(path.with_suffix(".mo"))
    return written
