"""Empty the database after a test that commits, in milliseconds instead of a second.

A test that commits (``transactional_db``, ``live_server``, the real workers') ends with
Django's ``flush``: one ``TRUNCATE`` of every table, then the ``post_migrate`` signal, which
builds the content types, permissions, roles and default periodic tasks again. On
PostgreSQL that costs 0.5 to 1 s a test, most of it making new files for 82 tables and
their indexes, and it was a tenth of the suite's time.

Here, in one transaction:

1. every table is emptied by ``DELETE`` with the session's triggers and foreign keys off
   (``session_replication_role = replica``), which touches only the rows there are;
2. the rows every table held once the test database was built (after ``migrate`` and its
   ``post_migrate``: the content types, permissions, roles, periodic tasks, the health
   parts' numbers) are put back as they were, ids included;
3. ``TRUNCATE contacts_channel CASCADE`` (empty by then) fires the triggers a flush's
   ``TRUNCATE`` fires: every cached figure and health part is moved on at commit, as after
   Django's flush, so nothing a test cached is served to the next.

The state is the one a test outside a transaction starts from, and the one Django's flush
leaves, but for ids: the content types and permissions keep theirs. Turning replication
off for the session needs a superuser; without one, or for a test that asks Django for
more than a flush (``reset_sequences``, ``serialized_rollback``, ``available_apps``), it
is Django's flush as before. ``tests/trackii/test_emptying.py`` compares the two.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import connections, transaction
from django.test import TransactionTestCase

_django_teardown = TransactionTestCase._fixture_teardown

# alias -> {table: (columns, rows)} as the test database was built; None: not available.
_built: dict[str, dict[str, tuple[list[str], list[tuple]]] | None] = {}


def tables(connection) -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True))


def contents(connection) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table's rows (ordered by every column), for the tables that have any."""
    found = {}
    with connection.cursor() as cursor:
        for table in tables(connection):
            name = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {name} ORDER BY 1")  # noqa: S608 (table names)
            rows = cursor.fetchall()
            if rows:
                found[table] = ([column.name for column in cursor.description], rows)
    return found


def _may_turn_triggers_off(connection) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def remember_as_built(alias: str = "default") -> None:
    connection = connections[alias]
    _built[alias] = contents(connection) if _may_turn_triggers_off(connection) else None


def empty(alias: str = "default") -> None:
    """Step 1 to 3 above, on ``alias``; its rows as built must have been remembered."""
    connection = connections[alias]
    built = _built[alias]
    quote = connection.ops.quote_name
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        deletes = [f"DELETE FROM {quote(table)}" for table in tables(connection)]  # noqa: S608
        cursor.execute(";".join(deletes))
        for table, (columns, rows) in built.items():
            names = ", ".join(quote(column) for column in columns)
            marks = ", ".join(["%s"] * len(columns))
            insert = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(insert, rows)
        cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute("TRUNCATE contacts_channel CASCADE")
    # As after post_migrate: a content type cached by a test (one Django's flush made, say)
    # is read again.
    ContentType.objects.clear_cache()


def _fixture_teardown(self):
    aliases = list(self._databases_names(include_mirrors=False))
    if (
        self.reset_sequences
        or self.serialized_rollback
        or self.available_apps is not None
        or not all(_built.get(alias) is not None for alias in aliases)
    ):
        return _django_teardown(self)
    for alias in aliases:
        empty(alias)


def switched_on():
    """The rows as built remembered (the test database just built) and the fast emptying on."""
    remember_as_built()
    TransactionTestCase._fixture_teardown = _fixture_teardown
