from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TrackiiConfig(AppConfig):
    name = "trackii"
    verbose_name = "Track II"

    def ready(self):
        from trackii.permissions import sync_role_permissions

        # For every app, not sender=self: each app's post_migrate adds the permissions of
        # the models that exist by then.
        post_migrate.connect(sync_role_permissions, dispatch_uid="trackii.sync_role_permissions")
