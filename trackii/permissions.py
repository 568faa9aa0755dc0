"""Model permissions of the role groups, kept in step with the table below after migrate.

The groups themselves come from ``contacts/migrations/0002_role_groups.py``. Permissions are
only added, never removed, so a permission an admin grants by hand survives a deploy.
"""

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q

from contacts.access import Role

VIEW = ("view",)
EDIT = ("view", "add", "change")
ALL = ("view", "add", "change", "delete")

# Targets are "app_label.model_name", or "app_label" for every model of the app.
# auth.user: the admin autocomplete for colleagues (an exchange's officers, an event's
# planners) needs view permission on users.
ROLE_PERMISSIONS: dict[str, list[tuple[tuple[str, ...], list[str]]]] = {
    Role.OFFICER: [
        (
            EDIT,
            [
                "contacts.contact",
                "contacts.affiliation",
                "contacts.channel",
                "contacts.exchange",
                "contacts.grant",
                "contacts.reminder",
                "indicators.signal",
            ],
        ),
        (
            VIEW,
            [
                "contacts.organization",
                "contacts.climate",
                "events.event",
                "events.programme",
                "auth.user",
            ],
        ),
    ],
    Role.PLANNER: [
        (EDIT, ["events.event", "events.invitation", "events.programme", "contacts.organization"]),
        (VIEW, ["contacts.contact", "auth.user"]),
    ],
    Role.LEAD: [(VIEW, ["contacts", "events", "indicators"]), (EDIT, ["indicators.signal"])],
    Role.ANALYST: [
        (VIEW, ["contacts.organization", "contacts.climate", "events.event", "events.programme"]),
    ],
    Role.ADMIN: [(ALL, ["contacts", "events", "indicators"]), (VIEW, ["auth.user"])],
}


def _last_app_with_models():
    """The app post_migrate is sent for last (``emit_post_migrate_signal``'s order)."""
    return [config for config in global_apps.get_app_configs() if config.models_module][-1]


def _permission_filter(grants: list[tuple[tuple[str, ...], list[str]]]) -> Q:
    condition = Q(pk__in=[])
    for actions, targets in grants:
        for target in targets:
            app_label, _, model_name = target.partition(".")
            for action in actions:
                if model_name:
                    codename = Q(codename=f"{action}_{model_name}")
                else:
                    codename = Q(codename__startswith=f"{action}_")
                condition |= Q(content_type__app_label=app_label) & codename
    return condition


def sync_role_permissions(
    *, apps=global_apps, using=DEFAULT_DB_ALIAS, sender=None, **kwargs
) -> None:
    """Give each role group the permissions of ROLE_PERMISSIONS, creating the groups a
    flushed database lost (``manage.py flush`` runs post_migrate, not the data migration
    that made them: ``contacts.0002``); idempotent.

    As a post_migrate receiver (``sender``: one app's config; the signal is sent for each
    app, after Django created that app's permissions), it acts once, for the last app:
    every permission exists by then."""
    if sender is not None and sender is not _last_app_with_models():
        return
    try:
        group_model = apps.get_model("auth", "Group")
        permission_model = apps.get_model("auth", "Permission")
    except LookupError:
        return
    groups = group_model.objects.using(using)
    for name in ROLE_PERMISSIONS:
        groups.get_or_create(name=name)
    for group in groups.filter(name__in=ROLE_PERMISSIONS):
        permissions = permission_model.objects.using(using).filter(
            _permission_filter(ROLE_PERMISSIONS[group.name])
        )
        group.permissions.add(*permissions)
