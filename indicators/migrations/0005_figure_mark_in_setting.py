"""The latest mark of a transaction's own changes in a transaction-local setting, not in
its row of ``indicators_figurechange`` (indicators.0002).

Updating that one row at every statement made a long transaction quadratic: each update
leaves a row version that the next one walks past until the transaction ends (seeding the
demo, or deleting its exchanges, spent about 3 ms per exchange link, most of it here). The
row is now written once per transaction (its deferred trigger still moves the generation
on at commit) and the mark goes to ``trackii.figure_mark``, which a savepoint's rollback
and the transaction's end undo with the row; ``indicators.cache.generation`` reads it.
"""

from django.db import migrations

NOTE_ONCE = """
CREATE OR REPLACE FUNCTION indicators_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    latest bigint := nextval('indicators_figurechange_mark');
BEGIN
    IF coalesce(current_setting('trackii.figure_mark', true), '') = '' THEN
        INSERT INTO indicators_figurechange (xid, mark) VALUES (txid_current(), latest)
        ON CONFLICT (xid) DO NOTHING;
    END IF;
    PERFORM set_config('trackii.figure_mark', latest::text, true);
    RETURN NULL;
END
$$
"""

NOTE_EACH_STATEMENT = """
CREATE OR REPLACE FUNCTION indicators_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO indicators_figurechange (xid, mark)
    VALUES (txid_current(), nextval('indicators_figurechange_mark'))
    ON CONFLICT (xid) DO UPDATE SET mark = EXCLUDED.mark;
    RETURN NULL;
END
$$
"""


def note_once(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NOTE_ONCE)


def note_each_statement(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NOTE_EACH_STATEMENT)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0004_touch_generation"),
    ]

    operations = [
        migrations.RunPython(note_once, note_each_statement, elidable=False),
    ]
