import gc
import importlib
import sys

from django.contrib.auth.models import Group


def test_role_groups_exist_after_migrations(db):
    assert sorted(Group.objects.values_list("name", flat=True)) == [
        "admin",
        "analyst",
        "lead",
        "officer",
        "planner",
    ]


def test_the_server_entry_points_freeze_what_start_up_loaded():
    for module in ("trackii.wsgi", "trackii.asgi"):
        gc.unfreeze()
        sys.modules.pop(module, None)
        try:
            importlib.import_module(module)
            assert gc.get_freeze_count() > 0, module
        finally:
            gc.unfreeze()
