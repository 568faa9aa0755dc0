"""The audit trail: views of protected contacts and erasures."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contacts.models.choices import ChoiceLabels, Sensitivity
from contacts.models.network import Contact
from contacts.querysets import (
    ExposesContactQuerySet,
)


class AccessLogManager(models.Manager):
    def record(self, *, user, contacts, surface: str, now) -> list:
        """Record that ``user`` viewed these contacts on ``surface`` (one response): only
        protected contacts are logged, each once however often the response names it."""
        return self.record_each([(user, contact) for contact in contacts], surface=surface, now=now)

    def record_each(self, views, *, surface: str, now) -> list:
        """Record ``views``, (user, contact) pairs, on ``surface`` in one statement (the
        e-mails of one run, each to its reader): protected contacts only, each pair once."""
        shown = {
            (user.pk, contact.pk): AccessLog(
                user=user, contact=contact, surface=surface, viewed_at=now
            )
            for user, contact in views
            if contact.sensitivity == Sensitivity.PROTECTED
        }
        if not shown:
            # bulk_create() would open and commit a transaction for nothing.
            return []
        return self.bulk_create(shown.values())


class AccessLog(ChoiceLabels, models.Model):
    """One view of a protected contact: who, when, where. Written, never edited."""

    class Surface(models.TextChoices):
        ADMIN = "admin", pgettext_lazy("where a contact was viewed", "Admin")
        WEB = "web", pgettext_lazy("where a contact was viewed", "Web app")
        API = "api", pgettext_lazy("where a contact was viewed", "API")
        EXPORT = "export", pgettext_lazy("where a contact was viewed", "Export")
        # A digest or an escalation e-mail naming the contact, to its recipient.
        EMAIL = "email", pgettext_lazy("where a contact was viewed", "E-mail")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="contact_views",
        verbose_name=_("user"),
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="access_log", verbose_name=_("contact")
    )
    surface = models.CharField(_("surface"), max_length=10, choices=Surface.choices)
    viewed_at = models.DateTimeField(_("viewed at"))

    objects = AccessLogManager.from_queryset(ExposesContactQuerySet)()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["contact", "viewed_at"])]

    def __str__(self):
        return f"{self.user} viewed contact #{self.contact_id} ({self.surface})"


class ErasureRecord(ChoiceLabels, models.Model):
    """The audit trail of an erasure: which contact row, who, when and why; no personal
    data, so that it can be kept after the erasure."""

    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="erasures",
        verbose_name=_("contact"),
    )
    erased_contact_id = models.PositiveBigIntegerField(
        _("erased contact id"), help_text=_("The erased contact's id.")
    )
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("erased by"),
    )
    erased_at = models.DateTimeField(_("erased at"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    rows_anonymised = models.JSONField(_("rows anonymised"), default=dict)

    def __str__(self):
        return f"Erasure of contact #{self.erased_contact_id} on {self.erased_at:%Y-%m-%d}"
