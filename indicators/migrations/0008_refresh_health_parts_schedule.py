"""Install the refresh of the network-health parts in django-celery-beat (editable in the
admin): every minute, the parts shared by every reader that are missing (moved on by a
change, under each climate level) or about to stop serving are read, so that readers seldom
read them themselves, and a change of climate finds its level's parts read. A run that
finds them all read costs about 25 ms (65 numbers, 256 cache entries)."""

from django.db import migrations

REFRESH = "Refresh the network-health parts"


def install_schedule(apps, schema_editor):
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = interval_model.objects.get_or_create(every=1, period="minutes")
    task_model.objects.get_or_create(
        name=REFRESH,
        defaults={
            "task": "indicators.refresh_health_parts",
            "interval": every_minute,
            "enabled": True,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=REFRESH).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0007_shared_health_parts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install_schedule, remove_schedule)]
