"""Drafts (a form's input that met an ended session) and the periodic purge of old ones."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import contacts.fields

PURGE_EVERY_MINUTES = 15
PURGE_NAME = "Purge expired drafts"
PURGE_TASK = "trackii.purge_drafts"


def install_schedule(apps, schema_editor):
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = interval_model.objects.get_or_create(every=PURGE_EVERY_MINUTES, period="minutes")
    task_model.objects.get_or_create(
        name=PURGE_NAME, defaults={"task": PURGE_TASK, "interval": every, "enabled": True}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=PURGE_NAME).delete()


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="Draft",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("path", models.CharField(max_length=2000)),
                ("payload", contacts.fields.EncryptedTextField()),
                ("created_at", models.DateTimeField()),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["created_at"], name="draft_created_at")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "path"), name="draft_one_per_user_and_path"
                    )
                ],
            },
        ),
        migrations.RunPython(install_schedule, remove_schedule),
    ]
