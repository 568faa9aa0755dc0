"""Install the keep-in-touch schedule in django-celery-beat (editable in the admin)."""

from django.db import migrations

EVERY_MINUTES = 15
TASKS = {
    "Sweep reminders": "contacts.sweep_reminders",
    "Send digests and escalations": "contacts.send_notifications",
}


def install_schedule(apps, schema_editor):
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = interval_model.objects.get_or_create(every=EVERY_MINUTES, period="minutes")
    for name, task in TASKS.items():
        task_model.objects.get_or_create(
            name=name, defaults={"task": task, "interval": every, "enabled": True}
        )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=list(TASKS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0002_role_groups"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install_schedule, remove_schedule)]
