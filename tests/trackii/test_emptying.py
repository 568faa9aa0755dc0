"""The suite's fast emptying after a test that commits (``tests.emptying``) leaves what
Django's flush leaves: every table as the test database was built, the cached figures'
and health parts' numbers moved on at commit; only the ids of the rows ``post_migrate``
makes differ (the fast way keeps them)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django_celery_beat.models import PeriodicTask

from contacts.models import Contact, Sensitivity
from indicators.models import FigureGeneration, HealthPart
from tests import emptying, factories

pytestmark = pytest.mark.django_db(transaction=True)

# What post_migrate makes again after a flush, by what names each row (ids aside).
NAMED_BY = {
    "django_content_type": lambda: set(ContentType.objects.values_list("app_label", "model")),
    "auth_permission": lambda: set(
        Permission.objects.values_list("content_type__app_label", "codename")
    ),
    "auth_group_permissions": lambda: set(
        Group.permissions.through.objects.values_list("group__name", "permission__codename")
    ),
    "auth_group": lambda: set(Group.objects.values_list("name", flat=True)),
    "django_celery_beat_periodictask": lambda: set(
        PeriodicTask.objects.values_list("name", "task", "enabled")
    ),
}


def _a_network() -> None:
    """Rows in most tables: users in teams with roles, contacts of every sensitivity with
    channels, exchanges, reminders and grants, an event with guests, a programme, a signal,
    a climate level."""
    team = factories.TeamFactory()
    owner = factories.UserFactory(roles=["officer", "planner", "lead"], teams=[team])
    other = factories.UserFactory(roles=["analyst"])
    organization = factories.OrganizationFactory()
    for sensitivity in Sensitivity.values:
        contact = factories.ContactFactory(
            owner=owner, sensitivity=sensitivity, organization=organization
        )
        channel = factories.ChannelFactory(contact=contact, officer=owner)
        factories.ExchangeFactory(contacts=[contact], officers=[owner])
        factories.ReminderFactory(channel=channel)
        factories.GrantFactory(contact=contact, user=other)
        factories.InvitationFactory(contact=contact)
    factories.ProgrammeFactory()
    factories.SignalFactory()
    factories.ClimateFactory(started_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert Contact.objects.count() == len(Sensitivity.values)


def _state() -> dict:
    """Each table's row count, the post_migrate rows by name, and the numbers."""
    found = emptying.contents(connection)
    counts = {table: len(rows) for table, (_, rows) in found.items()}
    generation = FigureGeneration.objects.get().value
    parts = set(HealthPart.objects.values_list("value", flat=True))
    return {
        "counts": counts,
        "named": {table: read() for table, read in NAMED_BY.items()},
        "generation": generation,
        "parts": parts,
    }


def test_the_fast_emptying_leaves_what_djangos_flush_leaves():
    as_built = _state()
    assert set(NAMED_BY) <= set(as_built["counts"])

    _a_network()
    before = FigureGeneration.objects.get().value
    emptying.empty()
    fast = _state()

    _a_network()
    call_command("flush", verbosity=0, interactive=False)
    ContentType.objects.clear_cache()
    django = _state()

    assert fast["counts"] == as_built["counts"]
    # The one difference: post_migrate, run again by the flush, marks the periodic tasks
    # changed (django_celery_beat's one row, read by a running beat to load them again);
    # the database as built has no mark, and no beat runs across two tests.
    assert "django_celery_beat_periodictasks" not in as_built["counts"]
    assert django["counts"] == {**as_built["counts"], "django_celery_beat_periodictasks": 1}
    assert fast["named"] == django["named"] == as_built["named"]
    # Both move every cached figure and health part on, to the one new number.
    assert fast["generation"] > before
    assert fast["parts"] == {fast["generation"]}
    assert django["parts"] == {django["generation"]}


def test_the_rows_as_built_keep_their_ids():
    kept = dict(ContentType.objects.values_list("id", "model"))
    factories.ContactFactory()
    emptying.empty()
    assert dict(ContentType.objects.values_list("id", "model")) == kept
    assert not Contact.objects.exists()


def test_the_test_sessions_commit_without_waiting_for_the_disk():
    """tests/isolation.py: a test database lives for one run."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("off",)
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
