"""The periodic nudge of guests' e-mails still queued ten minutes on (events.mail.nudge_stuck)."""

from django.db import migrations

NUDGE_EVERY_MINUTES = 10
NUDGE_NAME = "Nudge guests' e-mails stuck in the queue"
NUDGE_TASK = "events.nudge_stuck_messages"


def install_schedule(apps, schema_editor):
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = interval_model.objects.get_or_create(every=NUDGE_EVERY_MINUTES, period="minutes")
    task_model.objects.get_or_create(
        name=NUDGE_NAME, defaults={"task": NUDGE_TASK, "interval": every, "enabled": True}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NUDGE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0005_invitation_mail"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install_schedule, remove_schedule)]
