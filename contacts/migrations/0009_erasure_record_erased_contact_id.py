from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0008_exchange_seal"),
    ]

    operations = [
        migrations.RenameField(
            model_name="erasurerecord",
            old_name="contact_number",
            new_name="erased_contact_id",
        ),
    ]
