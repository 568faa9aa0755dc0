"""The figure generation (issue 21): a number that moves on whenever a committed change may
alter an indicator's figure, kept by database triggers on every table the indicators read
(indicators.cache keys its cached figures by it).

PostgreSQL: a statement-level trigger on each table notes the transaction in
indicators_figurechange (one row per transaction; its mark is a new sequence value at each
statement), and a deferred constraint trigger on that table moves the generation on when
the transaction commits and deletes the row. The generation's row is locked only while a
transaction commits, never from its first write to its end. SQLite (one writer at a time):
a row-level trigger on each table moves the generation on at once.

The generation is the greater of the previous one plus one and the database clock in
microseconds, so that a restored backup or a recreated row never brings back a number
already used. A table read by a new indicator needs a trigger of its own (a later
migration); tests/indicators/test_cache.py checks that every table the indicators read has
one.
"""

from django.conf import settings
from django.db import migrations, models

# The tables every indicator reads, by model (its own table) and by many-to-many field (the
# through table). The users' table: only the columns a figure reads (officers' names in a
# breakdown, and whether a user is active or a superuser), so a sign-in (last_login) moves
# nothing.
MODELS = [
    ("contacts", "Contact"),
    ("contacts", "Organization"),
    ("contacts", "Grant"),
    ("contacts", "Team"),
    ("contacts", "Channel"),
    ("contacts", "ChannelState"),
    ("contacts", "RecordedMonth"),
    ("contacts", "Climate"),
    ("contacts", "Exchange"),
    ("indicators", "Signal"),
    ("events", "Event"),
    ("events", "Invitation"),
    ("events", "Programme"),
]
RELATIONS = [
    ("contacts", "Team", "members"),
    ("contacts", "Exchange", "contacts"),
    ("contacts", "Exchange", "officers"),
    ("contacts", "Exchange", "readers"),
    ("events", "Programme", "participants"),
    ("events", "Programme", "partners"),
]
USER_COLUMNS = ["username", "first_name", "last_name", "is_active", "is_superuser"]

GENERATION = "indicators_figuregeneration"
CHANGE = "indicators_figurechange"
MARKS = "indicators_figurechange_mark"
POSTGRES_CLOCK = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint"
SQLITE_CLOCK = "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)"


def _tables(apps) -> list[tuple[str, list[str] | None]]:
    """(table, the columns whose update counts or None for any) of every table covered."""
    tables = [(apps.get_model(app, model)._meta.db_table, None) for app, model in MODELS]
    for app, model, field in RELATIONS:
        through = apps.get_model(app, model)._meta.get_field(field).remote_field.through
        tables.append((through._meta.db_table, None))
    user = apps.get_model(settings.AUTH_USER_MODEL)
    columns = [user._meta.get_field(name).column for name in USER_COLUMNS]
    tables.append((user._meta.db_table, columns))
    return tables


def _trigger_name(table: str, suffix: str = "") -> str:
    return f"indicators_figures_{table}{suffix}"[:63]


# Only this file's constants and quoted table and column names are interpolated below.


def create_triggers(apps, schema_editor):
    quote = schema_editor.quote_name
    tables = _tables(apps)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE {quote(MARKS)}")
        schema_editor.execute(
            f"""
            CREATE FUNCTION indicators_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO {quote(CHANGE)} (xid, mark)
                VALUES (txid_current(), nextval('{MARKS}'))
                ON CONFLICT (xid) DO UPDATE SET mark = EXCLUDED.mark;
                RETURN NULL;
            END
            $$
            """  # noqa: S608
        )
        schema_editor.execute(
            f"""
            CREATE FUNCTION indicators_move_generation() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO {quote(GENERATION)} (id, value) VALUES (1, {POSTGRES_CLOCK})
                ON CONFLICT (id) DO UPDATE
                    SET value = GREATEST({quote(GENERATION)}.value + 1, EXCLUDED.value);
                DELETE FROM {quote(CHANGE)} WHERE xid = NEW.xid;
                RETURN NULL;
            END
            $$
            """  # noqa: S608
        )
        schema_editor.execute(
            f"CREATE CONSTRAINT TRIGGER indicators_move_generation AFTER INSERT ON "
            f"{quote(CHANGE)} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            f"EXECUTE FUNCTION indicators_move_generation()"
        )
        for table, columns in tables:
            update = "UPDATE" if columns is None else f"UPDATE OF {', '.join(map(quote, columns))}"
            schema_editor.execute(
                f"CREATE TRIGGER {quote(_trigger_name(table))} "
                f"AFTER INSERT OR {update} OR DELETE OR TRUNCATE ON {quote(table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION indicators_note_change()"
            )
        clock = POSTGRES_CLOCK
    else:
        for table, columns in tables:
            update = "UPDATE" if columns is None else f"UPDATE OF {', '.join(map(quote, columns))}"
            for suffix, event in (("_i", "INSERT"), ("_u", update), ("_d", "DELETE")):
                schema_editor.execute(
                    f"CREATE TRIGGER {quote(_trigger_name(table, suffix))} "  # noqa: S608
                    f"AFTER {event} ON {quote(table)} BEGIN "
                    f"INSERT INTO {quote(GENERATION)} (id, value) VALUES (1, {SQLITE_CLOCK}) "
                    f"ON CONFLICT (id) DO UPDATE "
                    f"SET value = max({quote(GENERATION)}.value + 1, excluded.value); END"
                )
        clock = SQLITE_CLOCK
    schema_editor.execute(f"INSERT INTO {quote(GENERATION)} (id, value) VALUES (1, {clock})")  # noqa: S608


def drop_triggers(apps, schema_editor):
    quote = schema_editor.quote_name
    tables = _tables(apps)
    if schema_editor.connection.vendor == "postgresql":
        for table, _ in tables:
            schema_editor.execute(f"DROP TRIGGER {quote(_trigger_name(table))} ON {quote(table)}")
        schema_editor.execute(f"DROP TRIGGER indicators_move_generation ON {quote(CHANGE)}")
        schema_editor.execute("DROP FUNCTION indicators_move_generation()")
        schema_editor.execute("DROP FUNCTION indicators_note_change()")
        schema_editor.execute(f"DROP SEQUENCE {quote(MARKS)}")
    else:
        for table, _ in tables:
            for suffix in ("_i", "_u", "_d"):
                schema_editor.execute(f"DROP TRIGGER {quote(_trigger_name(table, suffix))}")


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_initial"),
        ("contacts", "0010_signal_moves_to_indicators"),
        ("events", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="FigureGeneration",
            fields=[
                ("id", models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ("value", models.BigIntegerField()),
            ],
        ),
        migrations.CreateModel(
            name="FigureChange",
            fields=[
                ("xid", models.BigIntegerField(primary_key=True, serialize=False)),
                ("mark", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
