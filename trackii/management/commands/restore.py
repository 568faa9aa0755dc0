"""Restore an encrypted backup made by the backup command (see trackii.backups)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trackii import backups


class Command(BaseCommand):
    help = (
        "Decrypt a backup and restore it into an empty database (the configured one, or "
        "--database-url). Refuses, changing nothing, a backup whose schema is newer than "
        "this code, one that does not decrypt, or a database that holds tables (unless --force)."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="The .backup.gpg file.")
        parser.add_argument(
            "--database-url", help="Restore into this database instead of the configured one."
        )
        parser.add_argument(
            "--gnupg-home",
            help="The GnuPG home holding the backup key's private half (BACKUP_GNUPG_HOME, "
            "else gpg's own default).",
        )
        parser.add_argument(
            "--passphrase-file", help="A file holding the private key's passphrase, if any."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the tables of a database that is not empty.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only decrypt the backup and show what it holds; restore nothing.",
        )

    def handle(self, *args, backup, database_url, gnupg_home, passphrase_file, force, check, **o):
        keys = {"path": backup, "gnupg_home": gnupg_home, "passphrase_file": passphrase_file}
        try:
            if check:
                self._describe(backups.inspect_backup(**keys))
                return
            restored = backups.restore_backup(**keys, database_url=database_url, force=force)
        except backups.BackupError as error:
            raise CommandError(error.message) from error
        self._describe(restored.manifest)
        self.stdout.write(f"Restored {backup.name} into {restored.database}.")
        if restored.behind:
            self.stdout.write(
                "This code has migrations the backup lacks (" + ", ".join(restored.behind) + "): "
                "run `python manage.py migrate` next."
            )
        if restored.differences:
            listed = ", ".join(
                f"{table} {expected} in the backup, {found} restored"
                for table, (expected, found) in restored.differences.items()
            )
            raise CommandError(f"Row counts differ from the backup's: {listed}.")
        self.stdout.write(f"Row counts match the backup's ({len(restored.row_counts)} tables).")

    def _describe(self, manifest: dict) -> None:
        self.stdout.write(
            f"Backup of a {manifest['vendor']} database made {manifest['created_at']} by "
            f"Track II {manifest['code_version']}; {len(manifest['row_counts'])} tables."
        )
