"""The figure generation moves on with the touches too (contacts.0021): the indicators read
them (``contacts.querysets.kept_up_at``), and every table they read has a trigger
(indicators.0002; ``tests/indicators/test_cache.py`` checks it)."""

from django.db import migrations

TABLE = "contacts_touch"
NAME = "indicators_figures_contacts_touch"
GENERATION = "indicators_figuregeneration"
SQLITE_CLOCK = "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TRIGGER {NAME} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {TABLE} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION indicators_note_change()"
        )
        return
    for suffix, event in (("_i", "INSERT"), ("_u", "UPDATE"), ("_d", "DELETE")):
        schema_editor.execute(
            f"CREATE TRIGGER {NAME}{suffix} AFTER {event} ON {TABLE} BEGIN "  # noqa: S608
            f"INSERT INTO {GENERATION} (id, value) VALUES (1, {SQLITE_CLOCK}) "
            f"ON CONFLICT (id) DO UPDATE SET value = max({GENERATION}.value + 1, excluded.value); "
            f"END"
        )


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER {NAME} ON {TABLE}")
        return
    for suffix in ("_i", "_u", "_d"):
        schema_editor.execute(f"DROP TRIGGER {NAME}{suffix}")


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0003_verbose_names"),
        ("contacts", "0021_touches"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
