"""Models of the wiring app: what a user typed when their session had ended (a draft), and
each periodic task's last successful run (a heartbeat, read by the readiness check)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from contacts.fields import EncryptedTextField
from trackii.dates import within_range


class Draft(models.Model):
    """A form's input that met an ended session, kept for its user until they sign in again.

    At most one per user and path; the payload is encrypted like private notes, and a draft
    older than ``trackii.drafts.DRAFT_MAX_AGE`` is never restored (a periodic task purges it).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    path = models.CharField(_("path"), max_length=2000)
    payload = EncryptedTextField(_("payload"))
    created_at = models.DateTimeField(_("created at"))

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

    task = models.CharField(_("task"), max_length=200, unique=True)
    succeeded_at = models.DateTimeField(_("succeeded at"))
    duration_seconds = models.FloatField(_("duration seconds"), null=True, blank=True)

    def __str__(self):
        return f"{self.task} at {self.succeeded_at:%Y-%m-%d %H:%M:%S}"


class SecurityEvent(models.Model):
    """One entry of the security audit trail: a sign-in, a failure, a lockout, a change of
    second factors, the end of a session, a token's life, a confirmation of identity.

    Written only through ``trackii.security_events.record``; read in the admin (read-only);
    kept for ``RETENTION_SIGNINS_DAYS`` (trackii.retention). ``detail`` holds context such as
    the factor's type or the token's name, never a secret (no password, code or token key).
    """

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        LOCKOUT = "lockout", _("Locked out")
        FACTOR_ADDED = "factor_added", _("Second factor added")
        FACTOR_REMOVED = "factor_removed", _("Second factor removed")
        FACTORS_RESET = "factors_reset", _("Second factors reset")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        SESSION_ENDED = "session_ended", _("Session ended")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        SSO_SIGN_IN = "sso_sign_in", _("Signed in through single sign-on")
        SSO_REFUSED = "sso_refused", _("Single sign-on refused")
        REAUTHENTICATED = "reauthenticated", _("Confirmed identity")

    # SET_NULL, not CASCADE: deleting a user keeps the trail of what happened to the account.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="security_events",
        verbose_name=_("user"),
    )
    # Who did it, when someone else than the user did (an admin resetting factors, a lead
    # ending sessions).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    at = models.DateTimeField(_("at"), db_index=True)
    ip = models.GenericIPAddressField(_("ip"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        indexes = [models.Index(fields=["user", "-at"], name="securityevent_user_at")]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M:%S}"


class ApiToken(models.Model):
    """A credential for the REST API (``Authorization: Token <key>``), one of several a user
    may hold, each with a name and an expiry.

    Only a SHA-256 digest of the key is stored: the key is shown once, when the token is
    created (trackii.tokens.create_token), and cannot be read back. Refused once
    ``expires_at`` has passed; ``last_used_at`` is written at most once a minute."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"), validators=[within_range])
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "-created_at"], name="apitoken_user_created")]

    def __str__(self):
        return self.name
