from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TrackiiConfig(AppConfig):
    name = "trackii"
    verbose_name = "Track II"

    def ready(self):
        from trackii.permissions import sync_role_permissions
        from trackii.schedule import restore_default_schedule

        # For every app, not sender=self: it acts on the last app's signal, once every
        # app's permissions exist.
        post_migrate.connect(sync_role_permissions, dispatch_uid="trackii.sync_role_permissions")
        # A flushed database gets the migrations' beat schedule back (trackii.schedule).
        post_migrate.connect(restore_default_schedule, dispatch_uid="trackii.restore_schedule")
        self._record_heartbeats()
        self._record_factor_changes()
        self._record_sign_ins()
        self._measure_tasks()

    @staticmethod
    def _record_factor_changes():
        """Second factors added, removed, used as recovery codes, confirmations of identity:
        the security audit trail (trackii.mfa_policy)."""
        from trackii import mfa_policy

        mfa_policy.connect_signals()

    @staticmethod
    def _record_sign_ins():
        """Sign-ins, failures, lockouts and sign-outs: the security audit trail
        (trackii.signin_audit)."""
        from trackii import signin_audit

        signin_audit.connect_signals()

    @staticmethod
    def _record_heartbeats():
        """A worker records each successful run that beat sent (trackii.heartbeats)."""
        from celery.signals import task_postrun, task_prerun, task_success

        from trackii import heartbeats

        task_prerun.connect(heartbeats.note_start, dispatch_uid="trackii.heartbeats.start")
        task_success.connect(heartbeats.note_success, dispatch_uid="trackii.heartbeats.success")
        task_postrun.connect(heartbeats.forget_start, dispatch_uid="trackii.heartbeats.end")

    @staticmethod
    def _measure_tasks():
        """A worker times and counts its tasks and the sweeps' results (trackii.metrics)."""
        from trackii import metrics

        metrics.connect_celery_signals()
