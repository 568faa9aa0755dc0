from django.contrib.auth.models import Group


def test_role_groups_exist_after_migrations(db):
    assert sorted(Group.objects.values_list("name", flat=True)) == [
        "admin",
        "analyst",
        "lead",
        "officer",
        "planner",
    ]
