"""The catalogue check (issue 19's "makemessages check in CI"): every string marked in the
code and templates is in its area's catalogue and translated into Russian and Hebrew (not
empty, not fuzzy), no catalogue keeps a string the code no longer has, placeholders and
plural forms pass GNU msgfmt's checks, and the compiled catalogues say what the .po files
say. Text not marked at all is found by scanning every template and module (Track II's own:
tests/i18n_support.py says what the scan reads and what it cannot see).

Needs GNU gettext (xgettext, msgmerge, msgfmt): a missing tool fails the test loudly;
.ci/run installs Debian's gettext package, locally ``apt-get install gettext``.
"""

from __future__ import annotations

import gettext
import io
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.i18n_support import (
    BASE,
    findings_of_python,
    findings_of_template,
    python_paths,
    template_findings,
    template_paths,
)
from trackii import catalogues

GETTEXT_TOOLS = ("xgettext", "msgmerge", "msguniq", "msgattrib", "msgfmt")
COPIED = (".py", ".html", ".txt", ".po")
FIX = (
    "Run `manage.py update_catalogues` from the checkout's root, translate the new strings "
    "(locale/GLOSSARY.md) and remove their fuzzy flags."
)


def _catalogue_files(base: Path):
    for catalogue in catalogues.CATALOGUES:
        for language in catalogues.translated_languages():
            yield catalogue, language, catalogues.po_path(base, catalogue, language)


@pytest.fixture(scope="module")
def gettext_tools():
    missing = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"GNU gettext is missing ({', '.join(missing)}): the catalogue check cannot run. "
            "Install Debian's gettext package (apt-get install gettext); .ci/run does."
        )


def _copy_sources(source: Path, target: Path) -> None:
    """The code, templates and catalogues of the checkout (not its .venv, var/, tests...)."""
    for directory, subdirectories, files in os.walk(source):
        here = Path(directory)
        relative = here.relative_to(source)
        subdirectories[:] = [
            name
            for name in subdirectories
            if not name.startswith((".", "__"))
            and (relative.parts or name not in catalogues.IGNORED)
        ]
        for name in files:
            if name.endswith(COPIED):
                (target / relative).mkdir(parents=True, exist_ok=True)
                shutil.copy2(here / name, target / relative / name)


@pytest.fixture(scope="module")
def updated(tmp_path_factory, gettext_tools) -> Path:
    """A copy of the checkout whose catalogues ``update_catalogues`` brought up to date."""
    copy = tmp_path_factory.mktemp("checkout")
    _copy_sources(BASE, copy)
    command = [sys.executable, str(BASE / "manage.py"), "update_catalogues", "--verbosity", "0"]
    done = subprocess.run(command, cwd=copy, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return copy


def test_every_marked_string_is_in_its_catalogue_and_translated(updated):
    problems = []
    for catalogue, language, path in _catalogue_files(BASE):
        assert path.exists(), f"{path} is missing. {FIX}"
        committed = {entry.key for entry in catalogues.read_po(path)}
        current = catalogues.read_po(catalogues.po_path(updated, catalogue, language))
        for entry in current[1:]:
            if entry.key not in committed:
                problems.append(
                    f"{catalogue} ({language}): not in the catalogue: {entry.describe()}"
                )
            elif not entry.is_translated:
                state = "fuzzy" if entry.is_fuzzy else "untranslated"
                problems.append(f"{catalogue} ({language}): {state}: {entry.describe()}")
        for key in committed - {entry.key for entry in current}:
            problems.append(f"{catalogue} ({language}): no longer in the code: {key!r}")

    assert problems == [], "\n".join([*problems, FIX])


def test_a_string_lands_in_its_areas_catalogue(updated):
    contacts = catalogues.read_po(catalogues.po_path(updated, "contacts/locale", "ru"))
    events = catalogues.read_po(catalogues.po_path(updated, "events/locale", "ru"))
    root = catalogues.read_po(catalogues.po_path(updated, "locale", "ru"))

    assert any("templates/contacts/email/digest.txt" in e.locations for e in contacts)
    assert any("templates/events/rsvp.html" in e.locations for e in events)
    assert any("templates/base.html" in e.locations for e in root)
    for entries in (contacts, events):
        assert not any("templates/base.html" in entry.locations for entry in entries)


def test_the_catalogues_pass_msgfmts_checks_of_placeholders_and_plurals(gettext_tools):
    for _, _, path in _catalogue_files(BASE):
        done = subprocess.run(
            [shutil.which("msgfmt"), "--check-format", "--check-domain", "-o", os.devnull, path],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{path}: {done.stderr}"


def test_a_string_in_two_catalogues_is_translated_alike():
    translations = defaultdict(lambda: defaultdict(list))
    for catalogue, language, path in _catalogue_files(BASE):
        for entry in catalogues.read_po(path)[1:]:
            translations[(language, entry.key)][tuple(entry.msgstr)].append(catalogue)

    differing = {key: dict(found) for key, found in translations.items() if len(found) > 1}
    assert differing == {}


# Buttons shown side by side that do different things (a user's finding: in Hebrew a
# reminder's "Dismiss…" and a grant's "Revoke" both read "לבטל", the word of "Cancel").
SIDE_BY_SIDE = ("Cancel", "Dismiss…", "Revoke", "Snooze")


def test_buttons_side_by_side_read_differently_in_every_language():
    shown = defaultdict(dict)
    for _, language, path in _catalogue_files(BASE):
        for entry in catalogues.read_po(path)[1:]:
            if entry.msgid in SIDE_BY_SIDE:
                shown[language][entry.msgid] = entry.msgstr[0]

    assert set(shown) == {"ru", "he"}
    for language, buttons in shown.items():
        assert set(buttons) == set(SIDE_BY_SIDE), language
        assert len(set(buttons.values())) == len(SIDE_BY_SIDE), (language, buttons)


def test_the_compiled_catalogues_say_what_the_po_files_say():
    for _, language, path in _catalogue_files(BASE):
        entries = catalogues.read_po(path)
        compiled = gettext.GNUTranslations(io.BytesIO(catalogues.mo_bytes(entries)))
        for entry in entries[1:]:
            if entry.msgid_plural is None:
                read = compiled.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else (
                    compiled.gettext(entry.msgid)
                )  # fmt: skip
                assert read == entry.msgstr[0]
            else:
                forms = [
                    compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    if entry.msgctxt
                    else compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                    for n in (1, 2, 5)
                ]
                expected = {"ru": [0, 1, 2], "he": [0, 1, 2]}[language]
                assert forms == [entry.msgstr[index] for index in expected]


def test_russian_has_three_plural_forms_and_hebrew_a_dual():
    ru = catalogues.read_po(catalogues.po_path(BASE, "contacts/locale", "ru"))
    compiled = gettext.GNUTranslations(io.BytesIO(catalogues.mo_bytes(ru)))
    singular, plural = "%(count)d open reminder", "%(count)d open reminders"

    forms = {n: compiled.ngettext(singular, plural, n) % {"count": n} for n in (1, 2, 5, 11, 21)}

    assert forms == {
        1: "1 напоминание",
        2: "2 напоминания",
        5: "5 напоминаний",
        11: "11 напоминаний",
        21: "21 напоминание",
    }


def test_compiling_writes_only_what_changed(tmp_path):
    catalogue = tmp_path / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    catalogue.parent.mkdir(parents=True)
    catalogue.write_text(
        catalogues.header("ru") + '\nmsgid "Today"\nmsgstr "Сегодня"\n', encoding="utf-8"
    )

    assert catalogues.compile_po(catalogue) is True
    assert catalogues.compile_po(catalogue) is False  # up to date
    compiled = gettext.GNUTranslations(catalogue.with_suffix(".mo").open("rb"))
    assert compiled.gettext("Today") == "Сегодня"


# Text not marked at all


def _relative(path: Path) -> str:
    return path.relative_to(BASE).as_posix()


def test_no_template_has_unmarked_text():
    found = {_relative(path): findings_of_template(path)[:5] for path in template_paths()}

    assert {path: texts for path, texts in found.items() if texts} == {}


def test_no_module_has_unmarked_text():
    found = {_relative(path): findings_of_python(path)[:5] for path in python_paths()}

    assert {path: texts for path, texts in found.items() if texts} == {}


def test_the_scan_finds_unmarked_text_and_passes_marked_text():
    source = (
        "{% load i18n %}<p>{% translate 'Saved' %} {{ name }}</p><p>Not marked</p>"
        '<a title="Open it" href="{% url \'today\' %}">'
        "{% blocktranslate %}Hi {{ x }}{% endblocktranslate %}</a>"
        "<script>const words = 'not text';</script>{# a comment #}<span>Track II · 3</span>"
    )

    found = template_findings(source, html=True)

    assert found == ["Not marked", 'title="Open it"']
