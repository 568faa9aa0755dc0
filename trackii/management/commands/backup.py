"""Write an encrypted backup of the database (see trackii.backups)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from trackii import backups


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump's custom format, or the SQLite file), encrypted with "
        "GnuPG to BACKUP_GPG_PUBLIC_KEY, into BACKUP_DIR; keep the newest BACKUP_KEEP."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database-url", help="Back up this database instead of the configured one."
        )
        parser.add_argument("--output-dir", type=Path, help="Instead of BACKUP_DIR.")
        parser.add_argument(
            "--public-key", type=Path, help="Instead of BACKUP_GPG_PUBLIC_KEY (a key file)."
        )

    def handle(self, *args, database_url, output_dir, public_key, **options):
        try:
            backup = backups.create_backup(
                now=timezone.now(),
                database_url=database_url,
                directory=output_dir,
                public_key=public_key,
            )
        except backups.BackupError as error:
            raise CommandError(error.message) from error
        tables = len(backup.manifest["row_counts"])
        size = backup.path.stat().st_size
        self.stdout.write(f"Wrote {backup.path} ({size} bytes, {tables} tables).")
