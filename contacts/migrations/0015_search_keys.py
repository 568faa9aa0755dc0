"""Names across scripts (issue 17): each contact's and organization's names folded to Latin
(``search_key``) and their consonant skeleton (``name_skeleton``), ``contacts/names.py``.

Filled for existing rows in batches; on PostgreSQL each key gets a GIN trigram index (the keys
are already lower-case Latin, so the index is on the column itself, and pg_trgm finds trigrams
in them whatever the database's ctype). SQLite reads the column (no index can serve a
substring there).
"""

from django.db import migrations, models

from contacts.names import KEY_LENGTH, keys

BATCH = 2000
NAMES = {"contact": ("full_name", "native_name"), "organization": ("name", "native_name")}
INDEXED = {
    "contacts_contact": ("search_key", "name_skeleton"),
    "contacts_organization": ("search_key", "name_skeleton"),
}


def fill_keys(apps, schema_editor):
    for model_name, fields in NAMES.items():
        model = apps.get_model("contacts", model_name)
        last = 0
        while True:
            rows = list(model.objects.filter(pk__gt=last).order_by("pk").only(*fields)[:BATCH])
            if not rows:
                break
            for row in rows:
                row.search_key, row.name_skeleton = keys(*(getattr(row, f) for f in fields))
            model.objects.bulk_update(rows, ["search_key", "name_skeleton"])
            last = rows[-1].pk


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in INDEXED.items():
        for column in columns:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_{column}_trgm ON {table} "
                f"USING gin ({column} gin_trgm_ops) WITH (fastupdate = off)"
            )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in INDEXED.items():
        for column in columns:
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_{column}_trgm")


def _key_field():
    return models.CharField(blank=True, editable=False, max_length=KEY_LENGTH, db_default="")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0014_page_indexes")]

    operations = [
        migrations.AddField("contact", "search_key", _key_field()),
        migrations.AddField("contact", "name_skeleton", _key_field()),
        migrations.AddField("organization", "search_key", _key_field()),
        migrations.AddField("organization", "name_skeleton", _key_field()),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
