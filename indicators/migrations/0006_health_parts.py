"""The network-health page's figures kept in parts (issue 21): a change moves on only the
parts it touches, so the first request after it computes those parts again, not the whole.

A channel's part is its contact's ``mod(COALESCE(organization_id, id), 64)``: an
organization's contacts are all in one part (the single-channel organizations are counted
within it), a contact with none in the part of its own id. ``indicators_healthpart`` holds
one number per part (``indicators.cache.network_health`` keys each part's figures by it).

PostgreSQL only (the embedded default, SQLite, keeps the page's figures whole, under the
figure generation). A statement-level trigger with transition tables on each table the
figures read notes the parts a statement touched in the transaction-local setting
``trackii.health_parts``, a bigint whose bit n stands for part n (-1, every part, for the
tables that bear on all of them: teams and their members, users' names and flags, the
climate; and for a TRUNCATE). At commit, the deferred
trigger that moves the figure generation on (indicators.0002) gives the parts noted the
new generation, after locking the generation's row: committers take the parts' rows one
after the other, never in an order that could deadlock. A savepoint rolled back undoes its
notes with the setting. The expression index on the contacts finds a part's contacts.
"""

from django.db import migrations, models

PARTS = 64
GENERATION = "indicators_figuregeneration"
CHANGE = "indicators_figurechange"
TABLE = "indicators_healthpart"
SETTING = "trackii.health_parts"
POSTGRES_CLOCK = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint"
PART = f"mod(COALESCE(organization_id, id), {PARTS})"
INDEX = "contacts_contact_health_part"

# (table, what its rows' parts are found by, the columns whose update counts or None)
TABLES = [
    ("contacts_contact", "contact", None),
    ("contacts_channel", "via_contact", None),
    ("contacts_grant", "via_contact", None),
    ("contacts_organization", "organization", None),
    ("contacts_team", "all", None),
    ("contacts_team_members", "all", None),
    ("contacts_climate", "all", None),
    ("auth_user", "all", ["username", "first_name", "last_name", "is_active", "is_superuser"]),
]

# Only this file's constants are interpolated below. The parts noted are the bits of a
# bigint (part n: 1 << n; every part: -1), so that a statement whose parts are noted
# already writes nothing and one that notes more needs a single OR.
NOTE = f"""
CREATE FUNCTION indicators_note_health_parts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    noted bigint := coalesce(nullif(current_setting('{SETTING}', true), '')::bigint, 0);
    found bigint := 0;
BEGIN
    IF noted = -1 THEN
        RETURN NULL;
    END IF;
    IF TG_ARGV[0] = 'all' OR TG_OP = 'TRUNCATE' THEN
        found := -1;
    ELSIF TG_ARGV[0] = 'contact' THEN
        IF TG_OP <> 'DELETE' THEN
            SELECT found | coalesce(bit_or(1::bigint << {PART}::int), 0) INTO found
            FROM new_rows;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            SELECT found | coalesce(bit_or(1::bigint << {PART}::int), 0) INTO found
            FROM old_rows;
        END IF;
    ELSIF TG_ARGV[0] = 'organization' THEN
        IF TG_OP <> 'DELETE' THEN
            SELECT found | coalesce(bit_or(1::bigint << mod(id, {PARTS})::int), 0) INTO found
            FROM new_rows;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            SELECT found | coalesce(bit_or(1::bigint << mod(id, {PARTS})::int), 0) INTO found
            FROM old_rows;
        END IF;
    ELSE
        -- A row whose contact is not there (deleted first in the same transaction: the
        -- foreign keys are deferred) notes every part.
        IF TG_OP <> 'DELETE' THEN
            SELECT found | coalesce(bit_or(CASE WHEN c.id IS NULL THEN -1
                ELSE 1::bigint << mod(COALESCE(c.organization_id, c.id), {PARTS})::int END), 0)
            INTO found FROM new_rows r LEFT JOIN contacts_contact c ON c.id = r.contact_id;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            SELECT found | coalesce(bit_or(CASE WHEN c.id IS NULL THEN -1
                ELSE 1::bigint << mod(COALESCE(c.organization_id, c.id), {PARTS})::int END), 0)
            INTO found FROM old_rows r LEFT JOIN contacts_contact c ON c.id = r.contact_id;
        END IF;
    END IF;
    IF (noted | found) <> noted THEN
        PERFORM set_config('{SETTING}', (noted | found)::text, true);
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608

MOVE = f"""
CREATE OR REPLACE FUNCTION indicators_move_generation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved bigint;
    parts bigint := coalesce(nullif(current_setting('{SETTING}', true), '')::bigint, 0);
BEGIN
    INSERT INTO {GENERATION} (id, value) VALUES (1, {POSTGRES_CLOCK})
    ON CONFLICT (id) DO UPDATE
        SET value = GREATEST({GENERATION}.value + 1, EXCLUDED.value)
    RETURNING value INTO moved;
    DELETE FROM {CHANGE} WHERE xid = NEW.xid;
    IF parts <> 0 THEN
        -- The generation's row is locked until this transaction ends: no other committer
        -- takes these rows meanwhile.
        IF (SELECT count(*) FROM {TABLE}) = {PARTS} THEN
            UPDATE {TABLE} SET value = moved WHERE (parts >> id::int) & 1 = 1;
        ELSE
            -- Rows emptied (a flush): every part comes back under the new number.
            INSERT INTO {TABLE} (id, value) SELECT part, moved
            FROM generate_series(0, {PARTS - 1}) part
            ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value;
        END IF;
        PERFORM set_config('{SETTING}', '', true);
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608

# indicators.0002's, restored when going back.
MOVE_BEFORE = f"""
CREATE OR REPLACE FUNCTION indicators_move_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {GENERATION} (id, value) VALUES (1, {POSTGRES_CLOCK})
    ON CONFLICT (id) DO UPDATE
        SET value = GREATEST({GENERATION}.value + 1, EXCLUDED.value);
    DELETE FROM {CHANGE} WHERE xid = NEW.xid;
    RETURN NULL;
END
$$
"""  # noqa: S608

EVENTS = (
    ("i", "INSERT", "REFERENCING NEW TABLE AS new_rows"),
    ("u", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("d", "DELETE", "REFERENCING OLD TABLE AS old_rows"),
)


def _name(table: str, suffix: str) -> str:
    return f"indicators_health_{table}_{suffix}"[:63]


def create_triggers(execute, table: str, found_by: str, columns) -> None:
    """The parts triggers of one table of ``TABLES`` (indicators.0007 makes some again when
    going back)."""
    if found_by == "all":
        update = "UPDATE" if columns is None else f"UPDATE OF {', '.join(columns)}"
        execute(
            f"CREATE TRIGGER {_name(table, 'all')} AFTER INSERT OR {update} OR DELETE OR "
            f"TRUNCATE ON {table} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION indicators_note_health_parts('all')"
        )
        return
    for suffix, event, referencing in EVENTS:
        execute(
            f"CREATE TRIGGER {_name(table, suffix)} AFTER {event} ON {table} {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION indicators_note_health_parts('{found_by}')"
        )
    execute(
        f"CREATE TRIGGER {_name(table, 't')} AFTER TRUNCATE ON {table} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION indicators_note_health_parts('all')"
    )


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute(NOTE)
    execute(MOVE)
    for table, found_by, columns in TABLES:
        create_triggers(execute, table, found_by, columns)
    execute(f"CREATE INDEX {INDEX} ON contacts_contact (({PART}))")
    # The index's expression gets its statistics now (the planner would guess otherwise).
    execute("ANALYZE contacts_contact")
    execute(
        f"INSERT INTO {TABLE} (id, value) SELECT part, {POSTGRES_CLOCK} "  # noqa: S608
        f"FROM generate_series(0, {PARTS - 1}) part"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    for table, found_by, _ in TABLES:
        suffixes = ["all"] if found_by == "all" else ["i", "u", "d", "t"]
        for suffix in suffixes:
            execute(f"DROP TRIGGER {_name(table, suffix)} ON {table}")
    execute(MOVE_BEFORE)
    execute("DROP FUNCTION indicators_note_health_parts()")
    execute(f"DROP INDEX {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0005_figure_mark_in_setting"),
        ("contacts", "0021_touches"),
    ]

    operations = [
        migrations.CreateModel(
            name="HealthPart",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(
                        primary_key=True, serialize=False, verbose_name="id"
                    ),
                ),
                ("value", models.BigIntegerField(verbose_name="value")),
            ],
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
