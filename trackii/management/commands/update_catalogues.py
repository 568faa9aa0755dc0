"""Bring the translation catalogues up to date with the code and templates: Django's
``makemessages`` for every translated language, each string routed to its area's catalogue
(``trackii.catalogues.AREAS``), without obsolete entries or line numbers (so that two
people's changes rarely touch the same lines). New strings arrive untranslated, or fuzzy
when msgmerge finds a near match: translate them (locale/GLOSSARY.md), then remove the
fuzzy flag. Run from the checkout's root; needs GNU gettext (apt-get install gettext)."""

import re
from pathlib import Path

from django.core.management.commands import makemessages

from trackii import catalogues

POT_CREATION_DATE = re.compile(r'^"POT-Creation-Date: [^"]*\\n"\n', re.MULTILINE)


class Command(makemessages.Command):
    help = (
        "Update Track II's catalogues (ru, he) from the code and templates, each string in "
        "its area's catalogue."
    )

    def handle(self, *args, **options):
        self.base = Path.cwd()
        options["locale"] = options["locale"] or catalogues.translated_languages()
        options["domain"] = catalogues.DOMAIN
        options["no_obsolete"] = True
        options["add_location"] = options["add_location"] or "file"
        options["ignore_patterns"] = [*options["ignore_patterns"], *catalogues.IGNORED]
        for catalogue in catalogues.CATALOGUES:
            for language in options["locale"]:
                path = catalogues.po_path(self.base, catalogue, language)
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(catalogues.header(language), encoding="utf-8")
        self.with_strings = set()
        super().handle(*args, **options)
        for catalogue in catalogues.CATALOGUES:
            for language in options["locale"]:
                self._tidy(catalogue, catalogues.po_path(self.base, catalogue, language))

    def find_files(self, root):
        files = super().find_files(root)
        for translatable in files:
            catalogue = catalogues.catalogue_for(Path(translatable.path))
            translatable.locale_dir = str(self.base / catalogue)
        self.locale_paths = [str(self.base / catalogue) for catalogue in catalogues.CATALOGUES]
        self.default_locale_path = self.locale_paths[0]
        return files

    def build_potfiles(self):
        potfiles = super().build_potfiles()
        self.with_strings = {str(Path(potfile).parent) for potfile in potfiles}
        return potfiles

    def copy_plural_forms(self, msgs, locale):
        # The catalogues' own Plural-Forms (trackii.catalogues.PLURAL_FORMS), not Django's.
        return msgs

    def _tidy(self, catalogue: str, path: Path) -> None:
        """No creation date in the header (it changed on every run); a catalogue whose
        area has no string any more keeps its header only."""
        text = path.read_text(encoding="utf-8")
        if str(self.base / catalogue) not in self.with_strings:
            text = text.split("\n\n", 1)[0] + "\n"
        path.write_text(POT_CREATION_DATE.sub("", text), encoding="utf-8")
