"""The migrations' beat schedule comes back in a database left with no periodic task
(what ``manage.py flush`` leaves: it runs post_migrate, not the data migrations)."""

from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from trackii.schedule import restore_default_schedule


def _schedule():
    return sorted(PeriodicTask.objects.values_list("name", "task", "enabled"))


def test_an_emptied_schedule_gets_the_migrations_tasks_back(db):
    migrated = _schedule()
    PeriodicTask.objects.all().delete()
    IntervalSchedule.objects.all().delete()
    CrontabSchedule.objects.all().delete()

    restore_default_schedule()

    assert len(migrated) >= 7
    assert _schedule() == migrated


def test_a_schedule_with_any_task_is_the_operators_and_left_as_it_is(db):
    kept = PeriodicTask.objects.order_by("pk").first()
    PeriodicTask.objects.exclude(pk=kept.pk).delete()
    kept.enabled = False
    kept.save()

    restore_default_schedule()

    assert _schedule() == [(kept.name, kept.task, False)]


def test_a_migrate_never_installs_it_even_into_an_empty_schedule(db):
    PeriodicTask.objects.all().delete()

    restore_default_schedule(plan=[])  # what migrate sends, whatever it applied

    assert _schedule() == []


def test_flush_runs_it(transactional_db):
    migrated = _schedule()

    call_command("flush", "--no-input", verbosity=0)

    assert _schedule() == migrated
