"""The default beat schedule back in a database that has none.

The periodic tasks are installed by data migrations (each app's ``install_schedule``) and
then edited in the admin. ``manage.py flush`` (and every transactional test, which
flushes) empties their table but runs only ``post_migrate``: a database left with no
periodic task at all gets the migrations' schedule again here. A schedule with any task
in it is the operators' and is never touched.
"""

import importlib

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

# Every migration that installs periodic tasks, in migration order.
SCHEDULE_MIGRATIONS = (
    "contacts.migrations.0003_periodic_tasks",
    "contacts.migrations.0006_channel_states",
    "contacts.migrations.0017_duplicates",
    "events.migrations.0004_periodic_tasks",
    "events.migrations.0006_nudge_stuck_messages",
    "trackii.migrations.0001_initial",
    "trackii.migrations.0003_operations_schedule",
    "indicators.migrations.0008_refresh_health_parts_schedule",
    "indicators.migrations.0009_refresh_health_parts_every_15_seconds",
)


def restore_default_schedule(
    *, apps=global_apps, using=DEFAULT_DB_ALIAS, plan=None, **kwargs
) -> None:
    """Install the migrations' periodic tasks when the database holds none (post_migrate).

    Only after a flush (which sends no ``plan``): after ``migrate`` the migrations applied
    are the schedule's say, and a partial or backward ``migrate`` must not install the
    tasks of migrations it has not applied."""
    if plan is not None:
        return
    try:
        task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    except LookupError:
        return
    if task_model.objects.using(using).exists():
        return
    for path in SCHEDULE_MIGRATIONS:
        importlib.import_module(path).install_schedule(apps, None)
