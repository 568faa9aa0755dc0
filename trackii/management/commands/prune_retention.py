"""Prune the rows older than the retention settings say (see trackii.retention)."""

from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand
from django.utils import timezone

from trackii import retention


def positive_number(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ArgumentTypeError("a whole number, at least 1")
    return int(value)


class Command(BaseCommand):
    help = (
        "Delete access-log, history, sent e-mail, closed reminder and sign-in rows older than "
        "their RETENTION_*_DAYS setting, in batches of RETENTION_BATCH_SIZE. --dry-run only "
        "counts them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")
        parser.add_argument(
            "--batch-size", type=positive_number, help="Instead of RETENTION_BATCH_SIZE."
        )

    def handle(self, *args, dry_run, batch_size, **options):
        now = timezone.now()
        if dry_run:
            for row in retention.plan(now=now):
                kept = (
                    f"older than {row.cutoff:%Y-%m-%d %H:%M} UTC" if row.cutoff else "kept forever"
                )
                self.stdout.write(f"{row.key}: {row.count} to prune ({row.setting}: {kept})")
            return
        result = retention.prune(now=now, batch_size=batch_size)
        for key, deleted in result.deleted.items():
            self.stdout.write(f"{key}: {deleted} pruned in {result.batches[key]} batches")
        self.stdout.write(f"Pruned {result.total} rows.")
