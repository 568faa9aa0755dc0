"""The network-health parts shared by every reader (issue 21): the parts now hold the
channels of standard contacts only, which every user who may see anything sees alike
(``ChannelQuerySet.visible_apart``); a reader's restricted and protected contacts' channels
are read with the sum, which is kept per reader under the figure generation.

So the parts read channels and contacts only, under the climate: teams and their members,
users' names and flags, grants and organizations no longer bear on them (the generation,
which moves with each of them, keys every reader's sum). Their parts triggers
(indicators.0006) are dropped; those of the contacts, the channels and the climate stay.
"""

from django.db import migrations

# (table, the trigger suffixes indicators.0006 gave it)
DROPPED = [
    ("contacts_grant", ["i", "u", "d", "t"]),
    ("contacts_organization", ["i", "u", "d", "t"]),
    ("contacts_team", ["all"]),
    ("contacts_team_members", ["all"]),
    ("auth_user", ["all"]),
]
USER_COLUMNS = ["username", "first_name", "last_name", "is_active", "is_superuser"]
FOUND_BY = {"contacts_grant": "via_contact", "contacts_organization": "organization"}
EVENTS = {
    "i": ("INSERT", "REFERENCING NEW TABLE AS new_rows"),
    "u": ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    "d": ("DELETE", "REFERENCING OLD TABLE AS old_rows"),
}


def _name(table: str, suffix: str) -> str:
    return f"indicators_health_{table}_{suffix}"[:63]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, suffixes in DROPPED:
        for suffix in suffixes:
            schema_editor.execute(f"DROP TRIGGER {_name(table, suffix)} ON {table}")


def restore(apps, schema_editor):
    """indicators.0006's triggers on these tables, as it made them."""
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    for table, suffixes in DROPPED:
        for suffix in suffixes:
            name, note = _name(table, suffix), "EXECUTE FUNCTION indicators_note_health_parts"
            if suffix == "all":
                update = (
                    "UPDATE" if table != "auth_user" else f"UPDATE OF {', '.join(USER_COLUMNS)}"
                )
                execute(
                    f"CREATE TRIGGER {name} AFTER INSERT OR {update} OR DELETE OR TRUNCATE "
                    f"ON {table} FOR EACH STATEMENT {note}('all')"
                )
            elif suffix == "t":
                execute(
                    f"CREATE TRIGGER {name} AFTER TRUNCATE ON {table} FOR EACH STATEMENT "
                    f"{note}('all')"
                )
            else:
                event, referencing = EVENTS[suffix]
                execute(
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} {referencing} FOR EACH "
                    f"STATEMENT {note}('{FOUND_BY[table]}')"
                )


class Migration(migrations.Migration):
    dependencies = [("indicators", "0006_health_parts")]

    operations = [migrations.RunPython(drop, restore, elidable=False)]
