from django.conf import settings
from django.db import migrations, models
from django.db.models import Exists, OuterRef


def seal_orphans(apps, schema_editor):
    """Exchanges that lost every contact before seals existed (a deleted protected contact)
    were readable by everyone: seal them for their officers and author, the only readers
    the data still names."""
    exchange_model = apps.get_model("contacts", "Exchange")
    named = exchange_model.contacts.through.objects.filter(exchange=OuterRef("pk"))
    orphans = exchange_model.objects.exclude(Exists(named))
    readers = exchange_model.readers.through
    rows = []
    for exchange in orphans.prefetch_related("officers"):
        users = {officer.pk for officer in exchange.officers.all()}
        if exchange.created_by_id:
            users.add(exchange.created_by_id)
        rows += [readers(exchange_id=exchange.pk, user_id=user_id) for user_id in users]
    readers.objects.bulk_create(rows)
    orphans.update(is_sealed=True)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0007_exchange_names_journalist"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="exchange",
            name="is_sealed",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="exchange",
            name="readers",
            field=models.ManyToManyField(
                blank=True, editable=False, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.RunPython(seal_orphans, migrations.RunPython.noop),
    ]
