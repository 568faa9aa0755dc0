"""Signal moves to the indicators app (indicators/migrations/0001_initial.py): its tables
stay where they are, so only the migration state changes here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0009_erasure_record_erased_contact_id"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="signal",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="signal",
                    name="organization",
                ),
                migrations.DeleteModel(
                    name="HistoricalSignal",
                ),
                migrations.DeleteModel(
                    name="Signal",
                ),
            ],
            database_operations=[],
        ),
    ]
