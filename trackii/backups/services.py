"""Making a backup and restoring one (see the package's docstring)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import tempfile
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psycopg
from django.conf import settings

from trackii.backups.databases import (
    Database,
    is_empty,
    latest_migrations,
    postgresql_row_counts,
    row_counts,
    sqlite_row_counts,
)
from trackii.backups.errors import BackupError
from trackii.backups.manifest import (
    apps_behind,
    check_restorable,
    make_manifest,
    pack_header,
    read_header,
    unknown_migrations,
)
from trackii.backups.processes import (
    CHUNK,
    Decryption,
    binary,
    copy_from,
    decrypting,
    encrypting,
    tail,
)

FILE_PATTERN = "trackii-*.backup.gpg"
PRIVATE_FILE = 0o600
PRIVATE_DIRECTORY = 0o700
# A partial file this old was left by a backup that was killed.
STALE_PARTIAL = dt.timedelta(days=1)


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest: dict


@dataclass(frozen=True)
class Restored:
    manifest: dict
    database: str
    row_counts: dict[str, int]
    # The backup's tables whose row count differs after the restore: {table: (backup, restored)}.
    differences: dict[str, tuple[int, int | None]]
    # Apps whose migrations this code has beyond the backup's: run migrate next.
    behind: list[str]


def create_backup(
    *,
    now: dt.datetime,
    database_url: str | None = None,
    directory: Path | None = None,
    public_key: Path | None = None,
) -> Backup:
    """Write an encrypted backup of the database to ``directory`` (``BACKUP_DIR``), then
    keep only the newest ``BACKUP_KEEP`` backups there."""
    configured = public_key or settings.BACKUP_GPG_PUBLIC_KEY
    if not configured:
        raise BackupError(
            "BACKUP_GPG_PUBLIC_KEY is not set: name the file of the public key that backups "
            "are encrypted to."
        )
    key = Path(configured)
    if not key.is_file():
        raise BackupError(f"The backup public key {key} is not a file.")
    database = Database.from_url(database_url)
    directory = Path(directory or settings.BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIRECTORY)
    path = directory / f"trackii-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.backup.gpg"
    partial = directory / f".{path.name}.partial"
    dump = _dump_postgresql if database.vendor == "postgresql" else _dump_sqlite
    try:
        # pg_dump compresses its own format; gpg compresses the SQLite image.
        with encrypting(key, partial, compress=database.vendor == "sqlite") as sink:
            manifest = dump(database, sink, now=now)
        partial.chmod(PRIVATE_FILE)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    keep_newest(directory, keep=settings.BACKUP_KEEP, now=now)
    return Backup(path=path, manifest=manifest)


def keep_newest(directory: Path, *, keep: int, now: dt.datetime) -> list[Path]:
    """Delete all but the ``keep`` newest backups in ``directory`` (0 keeps all), and the
    partial files of backups that were killed; returns the files deleted."""
    deleted = []
    backups = sorted(directory.glob(FILE_PATTERN))
    if keep > 0:
        deleted += backups[:-keep]
    stale = (now - STALE_PARTIAL).timestamp()
    deleted += [p for p in directory.glob(f".{FILE_PATTERN}.partial") if p.stat().st_mtime < stale]
    for old in deleted:
        old.unlink(missing_ok=True)
    return deleted


def _dump_postgresql(database: Database, sink: IO[bytes], *, now: dt.datetime) -> dict:
    # The manifest is read in the snapshot pg_dump then dumps, so that its migrations and
    # row counts are exactly those of the dump.
    with closing(database.connect()) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        with connection.cursor() as cursor:
            snapshot = cursor.execute("SELECT pg_export_snapshot()").fetchone()[0]
            manifest = make_manifest(
                "postgresql",
                now=now,
                migrations=latest_migrations(cursor),
                row_counts=postgresql_row_counts(cursor),
            )
        sink.write(pack_header(manifest))
        command = [binary("pg_dump"), "--format=custom", "--no-password", f"--snapshot={snapshot}"]
        copy_from(command, environment=database.environment(), sink=sink)
    return manifest


def _dump_sqlite(database: Database, sink: IO[bytes], *, now: dt.datetime) -> dict:
    source_path = Path(database.name)
    if not source_path.is_file():
        raise BackupError(f"The SQLite database {source_path} does not exist.")
    source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True)
    copy = sqlite3.connect(":memory:")
    with closing(source), closing(copy):
        source.backup(copy)  # a consistent copy, taken while the app may write
        manifest = make_manifest(
            "sqlite",
            now=now,
            migrations=latest_migrations(copy.cursor()),
            row_counts=sqlite_row_counts(copy),
        )
        sink.write(pack_header(manifest))
        sink.write(copy.serialize())
    return manifest


def inspect_backup(
    *, path: Path, gnupg_home: str | None = None, passphrase_file: str | None = None
) -> dict:
    """Decrypt the whole backup without restoring it (gpg checks it is intact) and return
    its manifest; raise if it would be refused by this code."""
    with decrypting(path, gnupg_home=gnupg_home, passphrase_file=passphrase_file) as gpg:
        manifest = _manifest_of(gpg)
        while gpg.stdout.read(CHUNK):
            pass
        gpg.finish()
    unknown = unknown_migrations(manifest)
    if unknown:
        raise BackupError(
            f"The backup decrypts, but its schema is newer than this code: {', '.join(unknown)}."
        )
    return manifest


def restore_backup(
    *,
    path: Path,
    database_url: str | None = None,
    gnupg_home: str | None = None,
    passphrase_file: str | None = None,
    force: bool = False,
) -> Restored:
    """Restore the backup at ``path`` into the database at ``database_url`` (or the
    configured one), which must hold no table unless ``force`` (then the backup's tables
    replace its own)."""
    database = Database.from_url(database_url)
    with decrypting(path, gnupg_home=gnupg_home, passphrase_file=passphrase_file) as gpg:
        manifest = _manifest_of(gpg)
        check_restorable(manifest, database)
        if not force and not is_empty(database):
            raise BackupError(
                f"The database {database.name} already holds tables. Restore into an empty "
                "database, or add --force to replace its tables with the backup's. "
                "Nothing was restored."
            )
        if database.vendor == "postgresql":
            _restore_postgresql(gpg, database, force=force)
        else:
            _restore_sqlite(gpg, database)
    counts = row_counts(database)
    expected = manifest["row_counts"]
    # The backup's tables only: with --force, tables the backup does not hold are left.
    differences = {
        table: (expected[table], counts.get(table))
        for table in sorted(expected)
        if expected[table] != counts.get(table)
    }
    return Restored(
        manifest=manifest,
        database=database.name,
        row_counts=counts,
        differences=differences,
        behind=apps_behind(manifest),
    )


def _manifest_of(gpg: Decryption) -> dict:
    manifest = read_header(gpg.stdout)
    if manifest is None:
        gpg.finish()  # a gpg failure (a wrong key) says more than "not a backup"
        raise BackupError(f"{gpg.path.name} is not a Track II backup. Nothing was restored.")
    return manifest


def _restore_postgresql(gpg: Decryption, database: Database, *, force: bool) -> None:
    command = [
        binary("pg_restore"),
        "--no-password",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={database.name}",
    ]
    if force:
        command += ["--clean", "--if-exists"]
    with tempfile.TemporaryFile() as errors:
        restore = subprocess.Popen(  # noqa: S603 (a fixed command; values are arguments)
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=database.environment(),
        )
        try:
            with suppress(BrokenPipeError):  # pg_restore gave up: its error says why
                _feed(gpg, restore.stdin)
                restore.stdin.close()
        except BaseException:
            # Killed before the end of its input, pg_restore commits nothing.
            restore.kill()
            restore.wait()
            raise
        if restore.wait() != 0:
            raise BackupError(f"pg_restore failed, nothing was restored: {tail(errors)}")


def _restore_sqlite(gpg: Decryption, database: Database) -> None:
    image = gpg.stdout.read()
    gpg.finish()
    memory = sqlite3.connect(":memory:")
    with closing(memory):
        try:
            memory.deserialize(image)
            intact = memory.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        except sqlite3.DatabaseError:
            intact = False
        if not intact:
            raise BackupError("The backup's SQLite image is damaged. Nothing was restored.")
        target = Path(database.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        restoring = target.with_name(f".{target.name}.restoring")
        restoring.unlink(missing_ok=True)
        with closing(sqlite3.connect(restoring)) as copy:
            memory.backup(copy)
    # The old database's journal files would be replayed into the new one.
    for suffix in ("-wal", "-shm", "-journal"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    restoring.replace(target)


def _feed(gpg: Decryption, sink: IO[bytes]) -> None:
    """Copy the decrypted rest of the backup into ``sink``, holding the last block back
    until gpg has checked the whole file: a restore never completes on a damaged backup."""
    held = gpg.stdout.read(CHUNK)
    while held:
        chunk = gpg.stdout.read(CHUNK)
        if not chunk:
            break
        sink.write(held)
        held = chunk
    gpg.finish()
    sink.write(held)
