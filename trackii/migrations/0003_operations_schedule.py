"""Install the nightly backup and retention prune in django-celery-beat (editable in the
admin). The backup runs first, so that it still holds the rows the prune then deletes; it
writes nothing, with a warning, while BACKUP_GPG_PUBLIC_KEY is not set."""

from django.db import migrations

# Hour and minute, UTC.
TASKS = {
    "Back up the database": ("trackii.backup", "2", "0"),
    "Prune rows past their retention": ("trackii.prune_retention", "3", "0"),
}


def install_schedule(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, hour, minute) in TASKS.items():
        nightly, _ = crontab_model.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="UTC",
        )
        task_model.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": nightly, "enabled": True}
        )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=list(TASKS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("trackii", "0002_heartbeats"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install_schedule, remove_schedule)]
