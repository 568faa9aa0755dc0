"""The network-health parts shared by every reader (issue 21): the parts now hold the
channels of standard contacts only, which every user who may see anything sees alike
(``ChannelQuerySet.visible_apart``); a reader's own channels (those of the restricted and
protected contacts they may see) are kept apart, per reader, under one more number, the
*private* one (``HealthPart`` row 64), and the sum of both per reader under the figure
generation. Both are kept under the climate level's cadence factor too, and read under
every level by a task, so that a change of climate needs no number moved.

So the parts read channels and contacts only. The triggers of indicators.0006 now also
note, in the transaction-local setting ``trackii.health_private``, whether a statement
touched what a reader's own channels read: a restricted or protected contact (before or
after), a channel of one, a grant, a team or its members; any ``TRUNCATE`` notes it with
every part. At commit the private number moves on with the parts (same lock, same new
generation). Grants, teams and their members note no part any more; organizations, users'
names and flags and the climate neither a part nor the private number (names are read when
a reader's sum is made, under the generation; the climate level is in the keys): their
parts triggers are dropped or changed here.
"""

import importlib

from django.db import migrations

BEFORE = importlib.import_module("indicators.migrations.0006_health_parts")
PARTS = BEFORE.PARTS
PRIVATE = PARTS  # the private number's row
TABLE = BEFORE.TABLE
SETTING = BEFORE.SETTING
PRIVATE_SETTING = "trackii.health_private"
GENERATION, CHANGE, CLOCK = BEFORE.GENERATION, BEFORE.CHANGE, BEFORE.POSTGRES_CLOCK
PART = BEFORE.PART
NOT_STANDARD = "sensitivity <> 'standard'"

# Only this file's constants are interpolated below.
NOTE = f"""
CREATE OR REPLACE FUNCTION indicators_note_health_parts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    noted bigint := coalesce(nullif(current_setting('{SETTING}', true), '')::bigint, 0);
    private boolean := coalesce(
        nullif(current_setting('{PRIVATE_SETTING}', true), ''), 'off')::boolean;
    found bigint := 0;
    found_private boolean := false;
BEGIN
    IF noted = -1 AND private THEN
        RETURN NULL;
    END IF;
    IF TG_ARGV[0] = 'all' OR TG_OP = 'TRUNCATE' THEN
        found := -1;
        found_private := true;
    ELSIF TG_ARGV[0] = 'private' THEN
        found_private := true;
    ELSIF TG_ARGV[0] = 'contact' THEN
        IF TG_OP <> 'DELETE' THEN
            SELECT found | coalesce(bit_or(1::bigint << {PART}::int), 0),
                   found_private OR coalesce(bool_or({NOT_STANDARD}), false)
            INTO found, found_private FROM new_rows;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            SELECT found | coalesce(bit_or(1::bigint << {PART}::int), 0),
                   found_private OR coalesce(bool_or({NOT_STANDARD}), false)
            INTO found, found_private FROM old_rows;
        END IF;
    ELSE
        -- A row whose contact is not there (deleted first in the same transaction: the
        -- foreign keys are deferred) notes every part and the private number.
        IF TG_OP <> 'DELETE' THEN
            SELECT found | coalesce(bit_or(CASE WHEN c.id IS NULL THEN -1
                ELSE 1::bigint << mod(COALESCE(c.organization_id, c.id), {PARTS})::int END), 0),
                found_private OR coalesce(bool_or(c.id IS NULL OR c.{NOT_STANDARD}), false)
            INTO found, found_private
            FROM new_rows r LEFT JOIN contacts_contact c ON c.id = r.contact_id;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            SELECT found | coalesce(bit_or(CASE WHEN c.id IS NULL THEN -1
                ELSE 1::bigint << mod(COALESCE(c.organization_id, c.id), {PARTS})::int END), 0),
                found_private OR coalesce(bool_or(c.id IS NULL OR c.{NOT_STANDARD}), false)
            INTO found, found_private
            FROM old_rows r LEFT JOIN contacts_contact c ON c.id = r.contact_id;
        END IF;
    END IF;
    IF (noted | found) <> noted THEN
        PERFORM set_config('{SETTING}', (noted | found)::text, true);
    END IF;
    IF found_private AND NOT private THEN
        PERFORM set_config('{PRIVATE_SETTING}', 'on', true);
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
    private boolean := coalesce(
        nullif(current_setting('{PRIVATE_SETTING}', true), ''), 'off')::boolean;
BEGIN
    INSERT INTO {GENERATION} (id, value) VALUES (1, {CLOCK})
    ON CONFLICT (id) DO UPDATE
        SET value = GREATEST({GENERATION}.value + 1, EXCLUDED.value)
    RETURNING value INTO moved;
    DELETE FROM {CHANGE} WHERE xid = NEW.xid;
    IF parts <> 0 OR private THEN
        -- The generation's row is locked until this transaction ends: no other committer
        -- takes these rows meanwhile.
        IF (SELECT count(*) FROM {TABLE}) = {PARTS + 1} THEN
            UPDATE {TABLE} SET value = moved
            WHERE CASE WHEN id < {PARTS} THEN (parts >> id::int) & 1 = 1 ELSE private END;
        ELSE
            -- Rows emptied (a flush): every number comes back, the new one.
            INSERT INTO {TABLE} (id, value) SELECT part, moved
            FROM generate_series(0, {PARTS}) part
            ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value;
        END IF;
        PERFORM set_config('{SETTING}', '', true);
        PERFORM set_config('{PRIVATE_SETTING}', '', true);
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608

# (table, indicators.0006's trigger suffixes, what they become: 'private' or None, dropped)
CHANGED = [
    ("contacts_grant", ["i", "u", "d", "t"], "private"),
    ("contacts_team", ["all"], "private"),
    ("contacts_team_members", ["all"], "private"),
    ("contacts_organization", ["i", "u", "d", "t"], None),
    ("contacts_climate", ["all"], None),
    ("auth_user", ["all"], None),
]


def _name(table: str, suffix: str) -> str:
    return f"indicators_health_{table}_{suffix}"[:63]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute(NOTE)
    execute(MOVE)
    for table, suffixes, becomes in CHANGED:
        for suffix in suffixes:
            execute(f"DROP TRIGGER {_name(table, suffix)} ON {table}")
        if becomes:
            execute(
                f"CREATE TRIGGER {_name(table, 'private')} AFTER INSERT OR UPDATE OR DELETE OR "
                f"TRUNCATE ON {table} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION indicators_note_health_parts('private')"
            )
    execute(f"INSERT INTO {TABLE} (id, value) VALUES ({PRIVATE}, {CLOCK})")  # noqa: S608


def backward(apps, schema_editor):
    """indicators.0006's functions and triggers, as it made them."""
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute(f"DELETE FROM {TABLE} WHERE id = {PRIVATE}")  # noqa: S608
    for table, _, becomes in CHANGED:
        if becomes:
            execute(f"DROP TRIGGER {_name(table, 'private')} ON {table}")
    execute(BEFORE.NOTE.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    execute(BEFORE.MOVE)
    for table, found_by, columns in BEFORE.TABLES:
        if table in {changed for changed, _, _ in CHANGED}:
            BEFORE.create_triggers(execute, table, found_by, columns)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0006_health_parts")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
