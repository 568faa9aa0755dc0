"""The database a backup is made from or restored into: its connection, its tables' row
counts and its applied migrations, for PostgreSQL and SQLite alike."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import environ
import psycopg
from django.db import connections
from psycopg import sql

from trackii.backups.errors import BackupError

# libpq's variables for the connection options Django passes through OPTIONS.
PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "options": "PGOPTIONS",
}


@dataclass(frozen=True)
class Database:
    """Where to back up from or restore to: the configured database or a URL's."""

    vendor: str
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""
    options: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_url(cls, url: str | None) -> Database:
        """The database at ``url`` (``DATABASE_URL``'s syntax), or the configured one."""
        config = environ.Env.db_url_config(url) if url else connections["default"].settings_dict
        engine = config["ENGINE"]
        if engine.endswith("postgresql"):
            vendor = "postgresql"
        elif engine.endswith("sqlite3"):
            vendor = "sqlite"
        else:
            raise BackupError(f"Backups cover PostgreSQL and SQLite, not {engine}.")
        options = config.get("OPTIONS") or {}
        return cls(
            vendor=vendor,
            name=str(config["NAME"]),
            host=str(config.get("HOST") or ""),
            port=str(config.get("PORT") or ""),
            user=str(config.get("USER") or ""),
            password=str(config.get("PASSWORD") or ""),
            options=tuple((key, str(options[key])) for key in PG_OPTIONS if options.get(key)),
        )

    def environment(self) -> dict[str, str]:
        """The environment for pg_dump and pg_restore: the password never on a command line."""
        variables = {
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.name,
        }
        variables.update({PG_OPTIONS[key]: value for key, value in self.options})
        return {**os.environ, **{name: value for name, value in variables.items() if value}}

    def connect(self) -> psycopg.Connection:
        parameters = {
            "dbname": self.name,
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            **dict(self.options),
        }
        try:
            return psycopg.connect(**{key: value for key, value in parameters.items() if value})
        except psycopg.OperationalError as error:
            raise BackupError(f"Cannot connect to the database {self.name}: {error}") from error


def latest_migrations(cursor) -> dict[str, str]:
    """Each app's latest applied migration, from the ``django_migrations`` table."""
    try:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    except (psycopg.Error, sqlite3.Error) as error:
        raise BackupError(f"This is not a migrated Track II database: {error}") from error
    return dict(cursor.fetchall())


def postgresql_row_counts(cursor) -> dict[str, int]:
    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
    )
    counts = {}
    for schema, table in cursor.fetchall():
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        name = table if schema == "public" else f"{schema}.{table}"
        counts[name] = cursor.execute(query).fetchone()[0]
    return counts


def sqlite_row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    tables = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return {name: _sqlite_count(connection, name) for (name,) in tables}


def _sqlite_count(connection: sqlite3.Connection, table: str) -> int:
    quoted = '"' + table.replace('"', '""') + '"'  # a name read from sqlite_master
    return connection.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]  # noqa: S608


def row_counts(database: Database) -> dict[str, int]:
    """Each table's row count in ``database``."""
    if database.vendor == "sqlite":
        with closing(sqlite3.connect(database.name)) as connection:
            return sqlite_row_counts(connection)
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        return postgresql_row_counts(cursor)


def is_empty(database: Database) -> bool:
    """Whether ``database`` holds no table, view or sequence (SQLite: no file, or no table)."""
    if database.vendor == "sqlite":
        path = Path(database.name)
        if not path.exists() or path.stat().st_size == 0:
            return True
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            return not db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
    with closing(database.connect()) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_class JOIN pg_namespace ON pg_namespace.oid = relnamespace "
            "WHERE relkind IN ('r', 'p', 'v', 'm', 'S') AND nspname NOT IN "
            "('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg_toast%'"
        ).fetchone()
    return row[0] == 0
