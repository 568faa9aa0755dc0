"""The refresh of the network-health parts every 15 seconds, not every minute, on
PostgreSQL: the first ``/health/`` after a change touching many parts (an import, a bulk
edit) reads them itself only until the next run, a quarter of the time. A run that finds
every part read costs about 25 ms. Elsewhere (SQLite, the embedded default, which keeps no
parts: the task reads nothing) it stays every minute, not to fill the worker's log. Only a
schedule still as ``indicators.0008`` installed it is changed (an operator's edit in the
admin stays); backwards, the same the other way."""

from django.db import connection, migrations

REFRESH = "Refresh the network-health parts"
BEFORE = {"every": 1, "period": "minutes"}
AFTER = {"every": 15, "period": "seconds"}


def _move(apps, old: dict, new: dict) -> None:
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    task = task_model.objects.filter(name=REFRESH).select_related("interval").first()
    if task is None or task.interval is None:
        return
    if (task.interval.every, task.interval.period) != (old["every"], old["period"]):
        return
    task.interval, _ = interval_model.objects.get_or_create(**new)
    task.save(update_fields=["interval"])


def install_schedule(apps, schema_editor):
    # No schema editor when trackii.schedule installs it again after a flush.
    vendor = (schema_editor.connection if schema_editor else connection).vendor
    if vendor == "postgresql":
        _move(apps, BEFORE, AFTER)


def remove_schedule(apps, schema_editor):
    _move(apps, AFTER, BEFORE)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0008_refresh_health_parts_schedule")]

    operations = [migrations.RunPython(install_schedule, remove_schedule)]
