"""Placeholder in the migration chain (issue 17, work in progress); no operations yet."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contacts", "0015_search_keys")]

    operations = []
