"""Compile the translation catalogues (each ``django.po`` to its ``django.mo``), without
GNU gettext: ``scripts/run`` and ``scripts/test`` call it before starting."""

from django.core.management.base import BaseCommand

from trackii import catalogues


class Command(BaseCommand):
    help = "Compile Track II's translation catalogues (.po to .mo); only those changed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Compile every catalogue, changed or not."
        )

    def handle(self, *args, force=False, **options):
        written = catalogues.compile_all(force=force)
        if options["verbosity"] > 0:
            self.stdout.write(f"Compiled {len(written)} catalogue(s).")
