"""Placeholder in the migration chain (issue 21's work in progress); no operations yet."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contacts", "0013_contact_sort_dates")]

    operations = []
