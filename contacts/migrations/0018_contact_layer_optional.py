"""A contact's layer is optional (issue 17): web form, API and import; a contact without one
counts as "unassigned" in the indicators."""

from django.db import migrations, models

from contacts.models.choices import Layer


class Migration(migrations.Migration):
    dependencies = [("contacts", "0017_duplicates")]

    operations = [
        migrations.AlterField(
            model_name="contact",
            name="layer",
            field=models.CharField(blank=True, choices=Layer.choices, max_length=20),
        ),
        migrations.AlterField(
            model_name="historicalcontact",
            name="layer",
            field=models.CharField(blank=True, choices=Layer.choices, max_length=20),
        ),
    ]
