"""AlterFields (trackii.migration_operations) leaves the migration state exactly as one
AlterField per field would, and writes nothing to the database for a label."""

import pytest
from django.db import connection
from django.db.migrations import AlterField
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

from trackii.migration_operations import AlterFields


def _grouped_operations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for key, migration in sorted(loader.disk_migrations.items()):
        grouped = [op for op in migration.operations if isinstance(op, AlterFields)]
        if grouped:
            yield loader, key, migration, grouped


GROUPED = [key for _loader, key, _migration, _ops in _grouped_operations()]


def test_the_label_migrations_are_grouped():
    assert {app for app, _name in GROUPED} == {"contacts", "events", "indicators", "trackii"}


@pytest.mark.django_db
@pytest.mark.parametrize("key", GROUPED, ids="/".join)
def test_grouped_fields_give_the_state_of_one_alter_field_each_and_no_sql(key):
    loader = MigrationLoader(None, ignore_no_migrations=True)
    migration = loader.disk_migrations[key]
    app_label = migration.app_label
    state = loader.project_state(key, at_end=False)
    for operation in migration.operations:
        before = state.clone()
        if not isinstance(operation, AlterFields):
            operation.state_forwards(app_label, state)
            continue
        # unrendered, so that each AlterField costs no rendering of the models
        models = {key: model.clone() for key, model in state.models.items()}
        one_by_one = ProjectState(models=models, real_apps=state.real_apps)
        for name, field in operation.fields:
            AlterField(operation.model_name, name, field).state_forwards(app_label, one_by_one)
        operation.state_forwards(app_label, state)

        assert state.models == one_by_one.models
        changed = state.models[app_label, operation.model_name_lower].fields
        assert [changed[name] for name, _ in operation.fields] == [f for _, f in operation.fields]
        with connection.schema_editor(collect_sql=True) as editor:
            operation.database_forwards(app_label, editor, before, state)
            operation.database_backwards(app_label, editor, state, before)
        assert editor.collected_sql == []
