"""Models of the wiring app: what a user typed when their session had ended (a draft), and
each periodic task's last successful run (a heartbeat, read by the readiness check)."""

from django.conf import settings
from django.db import models

from contacts.fields import EncryptedTextField


class Draft(models.Model):
    """A form's input that met an ended session, kept for its user until they sign in again.

    At most one per user and path; the payload is encrypted like private notes, and a draft
    older than ``trackii.drafts.DRAFT_MAX_AGE`` is never restored (a periodic task purges it).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=2000)
    payload = EncryptedTextField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "path"], name="draft_one_per_user_and_path")
        ]
        indexes = [models.Index(fields=["created_at"], name="draft_created_at")]

    def __str__(self):
        return f"Draft for {self.path}"


class Heartbeat(models.Model):
    """The last successful run of one periodic task, by its Celery name.

    Written by the worker when the task succeeds; the readiness check reports a task whose
    heartbeat is older than twice its interval as late.
    """

    task = models.CharField(max_length=200, unique=True)
    succeeded_at = models.DateTimeField()
    duration_seconds = models.FloatField(null=True, blank=True)

    def __str__(self):
        return f"{self.task} at {self.succeeded_at:%Y-%m-%d %H:%M:%S}"
