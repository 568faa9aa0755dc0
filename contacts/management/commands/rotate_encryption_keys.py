"""Re-encrypt every private note with the newest key of FIELD_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand

from contacts import services


class Command(BaseCommand):
    help = (
        "Re-encrypt stored notes (history included) under the newest FIELD_ENCRYPTION_KEYS "
        "key, in batches. Safe to interrupt and run again: finished notes are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, verbosity, **options):
        progress = self.stdout.write if verbosity > 1 else None
        rotated = services.rotate_encryption_keys(batch_size=batch_size, progress=progress)
        self.stdout.write(f"Re-encrypted {rotated} notes under the newest key.")
