"""Backups (trackii.backups) with real pg_dump, gpg and pg_restore: a backup restores into a
fresh PostgreSQL database with the same row counts and its notes still encrypted (and
readable with the field keys); the file holds no plaintext; a restore refuses, changing
nothing, a backup from newer code, a wrong key, a damaged file and a database in use."""

import datetime as dt
import io
import shutil
import sqlite3
import subprocess
import uuid
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from contacts import crypto
from contacts.models import Channel, Contact, Exchange, Sensitivity
from events.models import Event, Invitation
from tests import factories
from trackii import backups
from trackii.tasks import backup as backup_task

NOTE = "Meets us only in Amman, through her brother."
NAME = "Leila Qwertyuiop"
EXCHANGE_NOTE = "She named the deputy minister's adviser."
MAIN_TABLES = [
    Contact._meta.db_table,
    Contact.history.model._meta.db_table,
    Exchange._meta.db_table,
    Channel._meta.db_table,
    Event._meta.db_table,
    Invitation._meta.db_table,
    "auth_user",
    "django_migrations",
    "django_celery_beat_periodictask",
]


def _gpg(home: Path, *arguments: str, **options) -> subprocess.CompletedProcess:
    command = [shutil.which("gpg"), "--homedir", str(home), "--batch", "--no-tty", "--quiet"]
    return subprocess.run([*command, *arguments], check=True, capture_output=True, **options)


@pytest.fixture(scope="module")
def key_pairs(tmp_path_factory):
    """Two throwaway key pairs without passphrases: {name: (gnupg home, public key file)}."""
    pairs = {}
    for name in ("operator", "stranger"):
        home = tmp_path_factory.mktemp(f"gnupg-{name}")
        home.chmod(0o700)
        _gpg(home, "--passphrase", "", "--quick-gen-key", f"{name} <{name}@backup.example>",
             "future-default", "default", "never")  # fmt: skip
        public = home.parent / f"{name}.asc"
        public.write_bytes(_gpg(home, "--armor", "--export", f"{name}@backup.example").stdout)
        pairs[name] = (home, public)
    yield pairs
    for home, _ in pairs.values():
        subprocess.run(
            [shutil.which("gpgconf"), "--homedir", str(home), "--kill", "all"], check=False
        )


@pytest.fixture
def operator_key(key_pairs, settings, tmp_path):
    home, public = key_pairs["operator"]
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_GPG_PUBLIC_KEY = str(public)
    settings.BACKUP_GNUPG_HOME = ""
    return home, public


def _server() -> dict:
    database = connection.settings_dict
    return {
        "host": database["HOST"] or None,
        "port": database["PORT"] or None,
        "user": database["USER"] or None,
        "password": database["PASSWORD"] or None,
    }


def _url(name: str) -> str:
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return (
        f"postgres://{database['USER']}{password}@{database['HOST'] or 'localhost'}:"
        f"{database['PORT'] or 5432}/{name}"
    )


@pytest.fixture
def fresh_database():
    """A new, empty PostgreSQL database (``trackii_restore_<random>``), dropped afterwards."""
    name = f"trackii_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(**_server(), dbname="postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(**_server(), dbname="postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tables(name: str) -> list[str]:
    with psycopg.connect(**_server(), dbname=name) as restored:
        rows = restored.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return sorted(row[0] for row in rows)


def _count(cursor, table: str) -> int:
    cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (a table name of ours)
    return cursor.fetchone()[0]


def _source_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        return {table: _count(cursor, table) for table in MAIN_TABLES}


def _only_backup(directory: Path) -> Path:
    (path,) = directory.glob("trackii-*.backup.gpg")
    return path


def _backup(settings) -> Path:
    call_command("backup", stdout=io.StringIO())
    return _only_backup(Path(settings.BACKUP_DIR))


def _reencrypted(path: Path, key_pair, edit) -> Path:
    """The backup at ``path`` decrypted, its manifest changed by ``edit`` and encrypted
    again to the same key: a backup as other code would have made it."""
    home, public = key_pair
    stream = io.BytesIO(_gpg(home, "--decrypt", str(path)).stdout)
    manifest = backups.read_header(stream)
    edit(manifest)
    crafted = path.with_name("crafted.backup.gpg")
    plaintext = backups.pack_header(manifest) + stream.read()
    _gpg(home, "--trust-model", "always", "--recipient-file", str(public), "--output",
         str(crafted), "--encrypt", input=plaintext)  # fmt: skip
    return crafted


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_with_its_notes_encrypted(
    operator_key, settings, fresh_database, owner
):
    protected = factories.ContactFactory(
        full_name=NAME, notes=NOTE, sensitivity=Sensitivity.PROTECTED, owner=owner
    )
    others = factories.ContactFactory.create_batch(3, owner=owner)
    factories.ChannelFactory(contact=protected, officer=owner)
    exchange = factories.ExchangeFactory(contacts=[protected, *others], officers=[owner])
    exchange.notes = EXCHANGE_NOTE
    exchange.save()
    factories.InvitationFactory(contact=protected)
    source = _source_counts()

    path = _backup(settings)
    stored = path.read_bytes()
    output = io.StringIO()
    call_command(
        "restore",
        str(path),
        database_url=_url(fresh_database),
        gnupg_home=str(operator_key[0]),
        stdout=output,
    )

    for secret in (NAME, NOTE, EXCHANGE_NOTE):
        assert secret.encode() not in stored
    with psycopg.connect(**_server(), dbname=fresh_database) as restored:
        cursor = restored.cursor()
        counts = {table: _count(cursor, table) for table in MAIN_TABLES}
        (token,) = cursor.execute(
            "SELECT notes FROM contacts_contact WHERE id = %s", [protected.pk]
        ).fetchone()
        (exchange_token,) = cursor.execute(
            "SELECT notes FROM contacts_exchange WHERE id = %s", [exchange.pk]
        ).fetchone()
    assert counts == source
    assert counts[Contact._meta.db_table] == 4
    # Restored as stored: ciphertext, which the configured field keys decrypt.
    assert NOTE not in token
    assert crypto.decrypt(token) == NOTE
    assert crypto.decrypt(exchange_token) == EXCHANGE_NOTE
    assert "Row counts match the backup's" in output.getvalue()


@pytest.mark.slow
def test_a_restore_refuses_a_backup_from_newer_code(
    db, operator_key, key_pairs, settings, fresh_database
):
    path = _backup(settings)

    def newer(manifest):
        manifest["migrations"]["contacts"] = "9999_from_the_future"

    crafted = _reencrypted(path, key_pairs["operator"], newer)

    with pytest.raises(CommandError, match=r"newer than this code.*contacts\.9999_from_the_future"):
        call_command(
            "restore",
            str(crafted),
            database_url=_url(fresh_database),
            gnupg_home=str(operator_key[0]),
        )
    assert _tables(fresh_database) == []


@pytest.mark.slow
def test_a_restore_refuses_a_backup_it_cannot_decrypt(db, operator_key, key_pairs, settings,
                                                      fresh_database):  # fmt: skip
    path = _backup(settings)
    stranger_home, _ = key_pairs["stranger"]

    with pytest.raises(CommandError, match="gpg could not decrypt"):
        call_command(
            "restore", str(path), database_url=_url(fresh_database), gnupg_home=str(stranger_home)
        )
    assert _tables(fresh_database) == []


@pytest.mark.slow
def test_a_restore_of_a_truncated_backup_restores_nothing(
    db, operator_key, settings, fresh_database
):
    path = _backup(settings)
    truncated = path.with_name("truncated.backup.gpg")
    truncated.write_bytes(path.read_bytes()[:-2000])

    with pytest.raises(CommandError, match="gpg could not decrypt"):
        call_command(
            "restore",
            str(truncated),
            database_url=_url(fresh_database),
            gnupg_home=str(operator_key[0]),
        )
    assert _tables(fresh_database) == []


@pytest.mark.slow
def test_a_restore_refuses_a_database_that_holds_tables(db, operator_key, settings, owner):
    factories.ContactFactory(full_name=NAME, owner=owner)
    path = _backup(settings)
    before = Contact.objects.count()

    with pytest.raises(CommandError, match="already holds tables"):
        call_command("restore", str(path), gnupg_home=str(operator_key[0]))
    assert Contact.objects.count() == before


def test_a_backup_without_a_public_key_is_refused_and_the_nightly_task_skips(
    db, settings, tmp_path
):
    settings.BACKUP_GPG_PUBLIC_KEY = ""
    settings.BACKUP_DIR = tmp_path / "backups"

    with pytest.raises(CommandError, match="BACKUP_GPG_PUBLIC_KEY is not set"):
        call_command("backup")
    assert backup_task() == "skipped"
    assert list(tmp_path.glob("backups/*")) == []


def test_an_sqlite_database_round_trips(operator_key, settings, tmp_path):
    source = tmp_path / "embedded.sqlite3"
    with closing(sqlite3.connect(source)) as sqlite, sqlite:
        sqlite.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app, name)")
        sqlite.execute(
            "INSERT INTO django_migrations (app, name) VALUES ('trackii', '0001_initial')"
        )
        sqlite.execute("CREATE TABLE contacts_contact (id INTEGER PRIMARY KEY, full_name, notes)")
        sqlite.execute(
            "INSERT INTO contacts_contact (full_name, notes) VALUES (?, ?)",
            [NAME, crypto.encrypt(NOTE)],
        )
    target = tmp_path / "restored" / "trackii.sqlite3"

    call_command("backup", database_url=f"sqlite:///{source}", stdout=io.StringIO())
    path = _only_backup(Path(settings.BACKUP_DIR))
    call_command(
        "restore",
        str(path),
        database_url=f"sqlite:///{target}",
        gnupg_home=str(operator_key[0]),
        stdout=io.StringIO(),
    )

    assert NAME.encode() not in path.read_bytes()
    with closing(sqlite3.connect(target)) as restored:
        rows = restored.execute("SELECT full_name, notes FROM contacts_contact").fetchall()
    assert [(name, crypto.decrypt(token)) for name, token in rows] == [(NAME, NOTE)]


def test_only_the_newest_backups_are_kept(tmp_path):
    now = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
    for day in (1, 2, 3):
        (tmp_path / f"trackii-202605{day:02d}T020000Z.backup.gpg").write_bytes(b"x")
    (tmp_path / "notes.txt").write_bytes(b"not a backup")

    deleted = backups.keep_newest(tmp_path, keep=2, now=now)

    assert [p.name for p in deleted] == ["trackii-20260501T020000Z.backup.gpg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt",
        "trackii-20260502T020000Z.backup.gpg",
        "trackii-20260503T020000Z.backup.gpg",
    ]
