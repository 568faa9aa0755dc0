"""Trigram indexes for the contacts' and organizations' search (``contacts/search.py``).

PostgreSQL only: pg_trgm and GIN indexes on ``UPPER(column::text)``, the expression that
``icontains`` compares, so ``UPPER(column) LIKE UPPER('%term%')`` reads the index instead of
every row. SQLite, the embedded default, has neither and skips both. The indexes are not in
the models' state (``Meta.indexes`` would create them on SQLite too).

Without ``fastupdate`` a new row goes straight into the index: with it, rows wait in a pending
list that every search scans until a vacuum, and the planner, pricing that list, read whole
tables instead (a search of 100,000 fresh contacts took 60 ms, 9 ms after a vacuum).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

TRIGRAM_INDEXES = {
    "contacts_contact": ("full_name", "native_name"),
    "contacts_organization": ("name", "native_name", "city"),
}


def _index_name(table: str, column: str) -> str:
    return f"{table}_{column}_trgm"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in TRIGRAM_INDEXES.items():
        for column in columns:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {_index_name(table, column)} ON {table} "
                f"USING gin (UPPER({column}::text) gin_trgm_ops) WITH (fastupdate = off)"
            )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in TRIGRAM_INDEXES.items():
        for column in columns:
            schema_editor.execute(f"DROP INDEX IF EXISTS {_index_name(table, column)}")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0011_officerprofile_receives_digests")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
