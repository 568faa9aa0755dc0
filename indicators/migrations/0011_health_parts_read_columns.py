"""A contact's update moves the network-health parts only when it changes what they read
(issue 21): its organization, layer, category or sensitivity. Editing a contact's name,
e-mail, phone or notes, and re-encrypting every note (``rotate_encryption_keys``), no
longer make the first reader after them read the parts again: such a statement touching
contacts in every part was the page's worst case. A restricted or protected contact (before
or after) still moves the private number whatever changed (a reader's own channels read
more of it: its owner). A row whose id changed (raw SQL) has no partner to compare with:
it notes its parts as before.

Only the parts' function of indicators.0007 changes, in its contacts' branch (replaced in
that migration's text);
``tests/indicators/test_health_parts.py`` holds ``READ`` against every contacts column the
parts' statements read.
"""

import importlib

from django.db import migrations

SHARED = importlib.import_module("indicators.migrations.0007_shared_health_parts")
SETTING, PRIVATE_SETTING = SHARED.SETTING, SHARED.PRIVATE_SETTING
PARTS, PART, NOT_STANDARD = SHARED.PARTS, SHARED.PART, SHARED.NOT_STANDARD

# The contacts' columns the shared parts read, besides the id.
READ = ("organization_id", "layer", "category", "sensitivity")


def _of(alias: str) -> str:
    return ", ".join(f"{alias}.{column}" for column in READ)


def _part(alias: str) -> str:
    return f"mod(COALESCE({alias}.organization_id, {alias}.id), {PARTS})"


# indicators.0007's branch for the contacts, and what replaces it. Only this file's and
# that migration's constants are interpolated.
CONTACT_BRANCH_BEFORE = f"""
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
"""  # noqa: S608
CONTACT_BRANCH = f"""
    ELSIF TG_ARGV[0] = 'contact' AND TG_OP = 'UPDATE' THEN
        -- Its parts (before and after) when a column they read changed, or its id; the
        -- private number for a contact not standard before or after, whatever changed.
        SELECT found | coalesce(bit_or(
                   CASE WHEN o.id IS NULL OR n.id IS NULL
                             OR ({_of("o")}) IS DISTINCT FROM ({_of("n")})
                   THEN coalesce(1::bigint << {_part("o")}::int, 0)
                        | coalesce(1::bigint << {_part("n")}::int, 0)
                   ELSE 0 END), 0),
               found_private OR coalesce(bool_or(o.{NOT_STANDARD} OR n.{NOT_STANDARD}), false)
        INTO found, found_private
        FROM old_rows o FULL JOIN new_rows n ON n.id = o.id;
    ELSIF TG_ARGV[0] = 'contact' THEN
        -- An insert or a delete (each trigger has its own transition table).
        IF TG_OP = 'INSERT' THEN
            SELECT found | coalesce(bit_or(1::bigint << {PART}::int), 0),
                   found_private OR coalesce(bool_or({NOT_STANDARD}), false)
            INTO found, found_private FROM new_rows;
        ELSE
            SELECT found | coalesce(bit_or(1::bigint << {PART}::int), 0),
                   found_private OR coalesce(bool_or({NOT_STANDARD}), false)
            INTO found, found_private FROM old_rows;
        END IF;
"""  # noqa: S608
if CONTACT_BRANCH_BEFORE not in SHARED.NOTE:  # what this migration replaces is there
    raise RuntimeError("indicators.0007's contacts branch is not as this migration expects")
NOTE = SHARED.NOTE.replace(CONTACT_BRANCH_BEFORE, CONTACT_BRANCH)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NOTE)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SHARED.NOTE)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0010_dates_within_range")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
