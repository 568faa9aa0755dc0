"""Encrypted backups of the database, and their restore.

A backup is one file, ``trackii-<UTC time>.backup.gpg`` in ``BACKUP_DIR``, encrypted with
GnuPG to the public key in the file ``BACKUP_GPG_PUBLIC_KEY``. Decrypted, it holds a header
line, a JSON manifest (the database's vendor, when, the code's version, each app's latest
applied migration, each table's row count) and then the database itself: pg_dump's custom
format (compressed) for PostgreSQL, an SQLite database image (compressed by gpg) for the
embedded default. The plaintext exists only in pipes and memory: pg_dump's output goes
through gpg on its way to the disk.

Private notes are stored encrypted under ``FIELD_ENCRYPTION_KEYS`` and stay so in a backup;
the keys are not in it. To restore one needs the backup key's private half (kept by the
operator, never on the server), and to read the notes, the field keys.

A restore reads the manifest first and refuses, changing nothing, a backup whose schema is
newer than the code (a migration the code does not know), made on another database vendor,
or aimed at a database that already holds tables (unless forced). PostgreSQL restores in one
transaction, and the last block of the dump is held back until gpg has checked the whole
file: a tampered or truncated backup restores nothing.
"""

from trackii.backups.databases import Database, row_counts
from trackii.backups.errors import BackupError
from trackii.backups.manifest import (
    apps_behind,
    check_restorable,
    code_version,
    pack_header,
    read_header,
    unknown_migrations,
)
from trackii.backups.services import (
    Backup,
    Restored,
    create_backup,
    inspect_backup,
    keep_newest,
    restore_backup,
)

__all__ = [
    "Backup",
    "BackupError",
    "Database",
    "Restored",
    "apps_behind",
    "check_restorable",
    "code_version",
    "create_backup",
    "inspect_backup",
    "keep_newest",
    "pack_header",
    "read_header",
    "restore_backup",
    "row_counts",
    "unknown_migrations",
]
