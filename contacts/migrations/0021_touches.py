"""Touches (issue 21): the exchanges that touched each channel, kept by row-level triggers on
the exchanges, their contacts and officers, and the channels, so that the keep-in-touch
rule at a past moment reads one index probe per channel instead of joining every exchange
of the period with its contacts and officers (a custom range of the dashboard: about a
second less at a million exchanges; BENCHMARKS.md).

Every write that can change which exchanges touch a channel, or when, has a trigger: an
exchange's contact or officer added, removed or changed (an import, a merge, the admin, a
bulk ``update()``), an exchange's date changed or the exchange deleted, a channel opened,
moved to another contact or officer (a merge) or deleted. The same statements serve
PostgreSQL (a plpgsql function per trigger) and SQLite (the embedded default).
``tests/contacts/test_touches.py`` checks the table against the join it replaces on both.
"""

import django.db.models.deletion
from django.db import migrations, models

TOUCH = "contacts_touch"
INSERT = "INSERT INTO contacts_touch (channel_id, exchange_id, occurred_at)"

# A link of an exchange to a contact (``{row}``: NEW or OLD) and the exchange's officers.
FROM_CONTACT_LINK = """
    SELECT ch.id, e.id, e.occurred_at FROM contacts_exchange e
    JOIN contacts_exchange_officers eo ON eo.exchange_id = e.id
    JOIN contacts_channel ch ON ch.contact_id = {row}.contact_id AND ch.officer_id = eo.user_id
    WHERE e.id = {row}.exchange_id"""
FROM_OFFICER_LINK = """
    SELECT ch.id, e.id, e.occurred_at FROM contacts_exchange e
    JOIN contacts_exchange_contacts ec ON ec.exchange_id = e.id
    JOIN contacts_channel ch ON ch.officer_id = {row}.user_id AND ch.contact_id = ec.contact_id
    WHERE e.id = {row}.exchange_id"""
FROM_CHANNEL = """
    SELECT NEW.id, e.id, e.occurred_at FROM contacts_exchange_contacts ec
    JOIN contacts_exchange_officers eo
        ON eo.exchange_id = ec.exchange_id AND eo.user_id = NEW.officer_id
    JOIN contacts_exchange e ON e.id = ec.exchange_id
    WHERE ec.contact_id = NEW.contact_id"""
UNTOUCH_CONTACT_LINK = """DELETE FROM contacts_touch WHERE exchange_id = OLD.exchange_id
    AND channel_id IN (SELECT id FROM contacts_channel WHERE contact_id = OLD.contact_id)"""
UNTOUCH_OFFICER_LINK = """DELETE FROM contacts_touch WHERE exchange_id = OLD.exchange_id
    AND channel_id IN (SELECT id FROM contacts_channel WHERE officer_id = OLD.user_id)"""


# Every touch of the exchanges logged (the backfill; benchmarks/indicators.py loads its data
# set with the row triggers off and fills the touches with it).
EVERY_TOUCH = """
    SELECT ch.id, ec.exchange_id, e.occurred_at FROM contacts_channel ch
    JOIN contacts_exchange_contacts ec ON ec.contact_id = ch.contact_id
    JOIN contacts_exchange_officers eo
        ON eo.exchange_id = ec.exchange_id AND eo.user_id = ch.officer_id
    JOIN contacts_exchange e ON e.id = ec.exchange_id"""


def _insert(select: str, vendor: str) -> str:
    if vendor == "postgresql":
        return f"{INSERT} {select} ON CONFLICT DO NOTHING"
    return f"{INSERT.replace('INSERT INTO', 'INSERT OR IGNORE INTO')} {select}"


def triggers(vendor: str) -> list[tuple[str, str, str, str | None, list[str]]]:
    """(name, table, event, condition, statements) of every trigger, for ``vendor``."""
    changed = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return [
        ("touch_contact_added", "contacts_exchange_contacts", "INSERT", None,
         [_insert(FROM_CONTACT_LINK.format(row="NEW"), vendor)]),
        ("touch_contact_removed", "contacts_exchange_contacts", "DELETE", None,
         [UNTOUCH_CONTACT_LINK]),
        ("touch_contact_changed", "contacts_exchange_contacts", "UPDATE", None,
         [UNTOUCH_CONTACT_LINK, _insert(FROM_CONTACT_LINK.format(row="NEW"), vendor)]),
        ("touch_officer_added", "contacts_exchange_officers", "INSERT", None,
         [_insert(FROM_OFFICER_LINK.format(row="NEW"), vendor)]),
        ("touch_officer_removed", "contacts_exchange_officers", "DELETE", None,
         [UNTOUCH_OFFICER_LINK]),
        ("touch_officer_changed", "contacts_exchange_officers", "UPDATE", None,
         [UNTOUCH_OFFICER_LINK, _insert(FROM_OFFICER_LINK.format(row="NEW"), vendor)]),
        ("touch_exchange_moved", "contacts_exchange", "UPDATE OF occurred_at",
         f"OLD.occurred_at {changed} NEW.occurred_at",
         ["UPDATE contacts_touch SET occurred_at = NEW.occurred_at WHERE exchange_id = NEW.id"]),
        ("touch_exchange_deleted", "contacts_exchange", "DELETE", None,
         ["DELETE FROM contacts_touch WHERE exchange_id = OLD.id"]),
        ("touch_channel_opened", "contacts_channel", "INSERT", None,
         [_insert(FROM_CHANNEL, vendor)]),
        ("touch_channel_moved", "contacts_channel", "UPDATE OF contact_id, officer_id",
         f"OLD.contact_id {changed} NEW.contact_id OR OLD.officer_id {changed} NEW.officer_id",
         ["DELETE FROM contacts_touch WHERE channel_id = NEW.id", _insert(FROM_CHANNEL, vendor)]),
        ("touch_channel_deleted", "contacts_channel", "DELETE", None,
         ["DELETE FROM contacts_touch WHERE channel_id = OLD.id"]),
    ]  # fmt: skip


def create_statements(vendor: str) -> list[str]:
    """The statements creating every trigger on ``vendor`` (this file's constants only)."""
    statements = []
    for name, table, event, condition, body in triggers(vendor):
        when = f" WHEN ({condition})" if condition else ""
        if vendor == "postgresql":
            steps = "".join(f"{step};\n" for step in body)
            statements.append(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n{steps}RETURN NULL;\nEND\n$$"
            )
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when} "
                f"EXECUTE FUNCTION {name}()"
            )
        else:
            steps = " ".join(f"{step};" for step in body)
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when} "
                f"BEGIN {steps} END"
            )
    return statements


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in create_statements(vendor):
        schema_editor.execute(statement)
    # The touches of the exchanges already logged.
    schema_editor.execute(_insert(EVERY_TOUCH, vendor))


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, *_ in triggers(vendor):
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER {name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION {name}()")
        else:
            schema_editor.execute(f"DROP TRIGGER {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0020_verbose_names"),
    ]

    operations = [
        migrations.CreateModel(
            name="Touch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("occurred_at", models.DateTimeField(verbose_name="occurred at")),
                (
                    "channel",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="touches",
                        to="contacts.channel",
                        verbose_name="channel",
                    ),
                ),
                (
                    "exchange",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="contacts.exchange",
                        verbose_name="exchange",
                    ),
                ),
            ],
            options={
                "verbose_name": "touch",
                "verbose_name_plural": "touches",
                "indexes": [
                    models.Index(fields=["channel", "occurred_at"], name="touch_channel_time"),
                    models.Index(fields=["occurred_at"], name="touch_time"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("channel", "exchange"), name="touch_unique")
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
