"""Imports of contacts, organizations and affiliations from a file: one batch per upload,
one record per row of the file. The logic lives in ``contacts.imports``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contacts.fields import EncryptedJSONField, EncryptedTextField
from contacts.models.choices import ChoiceLabels, Sensitivity
from contacts.models.network import Affiliation, Contact, Organization


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Batches the user may see: their own; every batch to superusers."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(importer=user)


class ImportBatch(ChoiceLabels, models.Model):
    """One uploaded file: previewed first (its rows checked and matched), then imported
    when its importer confirms, and revertible whole."""

    class Status(models.TextChoices):
        PREVIEWING = "previewing", pgettext_lazy("import status", "Reading the file")
        PREVIEW_READY = "preview_ready", pgettext_lazy("import status", "Preview ready")
        IMPORTING = "importing", pgettext_lazy("import status", "Importing")
        IMPORTED = "imported", pgettext_lazy("import status", "Imported")
        FAILED = "failed", pgettext_lazy("import status", "Failed")
        REVERTING = "reverting", pgettext_lazy("import status", "Reverting")
        REVERTED = "reverted", pgettext_lazy("import status", "Reverted")

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("XLSX")
        VCARD = "vcard", _("vCard")

    class Content(models.TextChoices):
        CONTACTS = "contacts", _("Contacts")
        ORGANIZATIONS = "organizations", _("Organizations")

    importer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="import_batches",
        verbose_name=_("importer"),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("file format"), max_length=8, choices=Format.choices)
    content = models.CharField(_("content"), max_length=16, choices=Content.choices, blank=True)
    encoding = models.CharField(_("encoding"), max_length=32, blank=True)
    sensitivity = models.CharField(
        _("sensitivity"),
        max_length=12,
        choices=Sensitivity.choices,
        default=Sensitivity.RESTRICTED,
        help_text=_("Given to every contact the batch creates."),
    )
    default_category = models.CharField(
        _("default category"),
        max_length=20,
        choices=Contact.Category.choices,
        blank=True,
        help_text=_(
            "Given to new contacts whose row names no category; none: such rows are invalid."
        ),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PREVIEWING
    )
    only_valid = models.BooleanField(
        _("only valid"),
        default=False,
        help_text=_("Import the valid rows and leave the invalid ones out."),
    )
    # The uploaded file (base64), kept encrypted until its preview has read it.
    file_data = EncryptedTextField(verbose_name=_("file data"), blank=True)
    row_count = models.PositiveIntegerField(_("row count"), default=0)
    invalid_count = models.PositiveIntegerField(_("invalid count"), default=0)
    new_count = models.PositiveIntegerField(_("new count"), default=0)
    update_count = models.PositiveIntegerField(_("update count"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicate count"), default=0)
    progress_done = models.PositiveIntegerField(_("progress done"), default=0)
    progress_total = models.PositiveIntegerField(_("progress total"), default=0)
    # What the file held (columns, unknown columns, file errors, notes) and what the
    # import and the revert did: counts and ids, never a row's values.
    report = models.JSONField(_("report"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    reverted_at = models.DateTimeField(_("reverted at"), null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            models.Index(fields=["importer", "-created_at"], name="import_batch_by_importer")
        ]

    def __str__(self):
        return f"Import #{self.pk}: {self.file_name}"

    @property
    def valid_count(self) -> int:
        return self.row_count - self.invalid_count

    @property
    def is_running(self) -> bool:
        """Whether a task is working on the batch (its page shows a progress bar)."""
        return self.status in (
            self.Status.PREVIEWING,
            self.Status.IMPORTING,
            self.Status.REVERTING,
        )


class ImportRow(ChoiceLabels, models.Model):
    """One row of an imported file (or one organization a contacts file names): what it
    holds, what importing it would do or did, and what it changed."""

    class Kind(models.TextChoices):
        CONTACT = "contact", _("Contact")
        ORGANIZATION = "organization", _("Organization")

    class Action(models.TextChoices):
        NEW = "new", pgettext_lazy("import row action", "New")
        UPDATE = "update", pgettext_lazy("import row action", "Updates")
        DUPLICATE = "duplicate", pgettext_lazy("import row action", "Possible duplicate")
        INVALID = "invalid", pgettext_lazy("import row action", "Invalid")

    class Result(models.TextChoices):
        PENDING = "", pgettext_lazy("import row result", "Not imported")
        CREATED = "created", pgettext_lazy("import row result", "Created")
        UPDATED = "updated", pgettext_lazy("import row result", "Updated")
        LINKED = "linked", pgettext_lazy("import row result", "Existing organization used")
        SKIPPED = "skipped", pgettext_lazy("import row result", "Skipped")
        REVERTED = "reverted", pgettext_lazy("import row result", "Reverted")
        LEFT = "left", pgettext_lazy("import row result", "Left (changed since)")

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="rows", verbose_name=_("batch")
    )
    number = models.PositiveIntegerField(_("number"), help_text=_("The row's number in the file."))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    # The contact or organization the row updates or resembles (preview), then the one it
    # created or updated (import); kept empty when that row is deleted.
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    affiliation = models.ForeignKey(
        Affiliation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("affiliation"),
    )
    # Personal data, encrypted: "cells" (the file's values by column), "values" (the
    # checked values to write), "errors" ([{"column", "message"}]), "reasons" of a
    # duplicate, and after the import "before"/"after" (the values it replaced and wrote).
    data = EncryptedJSONField(verbose_name=_("data"), default=dict)

    class Meta:
        verbose_name = _("import row")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "kind", "number"], name="import_row_unique_number"
            )
        ]
        indexes = [models.Index(fields=["batch", "action", "number"], name="import_row_by_action")]

    def __str__(self):
        return f"Row {self.number} of import #{self.batch_id}"

    @property
    def errors(self) -> list[dict]:
        return self.data.get("errors", [])

    @property
    def values(self) -> dict:
        return self.data.get("values", {})

    @property
    def cells(self) -> dict:
        return self.data.get("cells", {})
