"""Imports of contacts, organizations and affiliations from a file: one batch per upload,
one record per row of the file. The logic lives in ``contacts.imports``."""

from django.conf import settings
from django.db import models

from contacts.fields import EncryptedJSONField, EncryptedTextField
from contacts.models.choices import Sensitivity
from contacts.models.network import Affiliation, Contact, Organization


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Batches the user may see: their own; every batch to superusers."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(importer=user)


class ImportBatch(models.Model):
    """One uploaded file: previewed first (its rows checked and matched), then imported
    when its importer confirms, and revertible whole."""

    class Status(models.TextChoices):
        PREVIEWING = "previewing", "Reading the file"
        PREVIEW_READY = "preview_ready", "Preview ready"
        IMPORTING = "importing", "Importing"
        IMPORTED = "imported", "Imported"
        FAILED = "failed", "Failed"
        REVERTING = "reverting", "Reverting"
        REVERTED = "reverted", "Reverted"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        VCARD = "vcard", "vCard"

    class Content(models.TextChoices):
        CONTACTS = "contacts", "Contacts"
        ORGANIZATIONS = "organizations", "Organizations"

    importer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_batches"
    )
    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=8, choices=Format.choices)
    content = models.CharField(max_length=16, choices=Content.choices, blank=True)
    encoding = models.CharField(max_length=32, blank=True)
    sensitivity = models.CharField(
        max_length=12,
        choices=Sensitivity.choices,
        default=Sensitivity.RESTRICTED,
        help_text="Given to every contact the batch creates.",
    )
    default_category = models.CharField(
        max_length=20,
        choices=Contact.Category.choices,
        blank=True,
        help_text="Given to new contacts whose row names no category; none: such rows are invalid.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEWING)
    only_valid = models.BooleanField(
        default=False, help_text="Import the valid rows and leave the invalid ones out."
    )
    # The uploaded file (base64), kept encrypted until its preview has read it.
    file_data = EncryptedTextField(blank=True)
    row_count = models.PositiveIntegerField(default=0)
    invalid_count = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    update_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    # What the file held (columns, unknown columns, file errors, notes) and what the
    # import and the revert did: counts and ids, never a row's values.
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    reverted_at = models.DateTimeField(null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = "import"
        verbose_name_plural = "imports"
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


class ImportRow(models.Model):
    """One row of an imported file (or one organization a contacts file names): what it
    holds, what importing it would do or did, and what it changed."""

    class Kind(models.TextChoices):
        CONTACT = "contact", "Contact"
        ORGANIZATION = "organization", "Organization"

    class Action(models.TextChoices):
        NEW = "new", "New"
        UPDATE = "update", "Updates"
        DUPLICATE = "duplicate", "Possible duplicate"
        INVALID = "invalid", "Invalid"

    class Result(models.TextChoices):
        PENDING = "", "Not imported"
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        LINKED = "linked", "Existing organization used"
        SKIPPED = "skipped", "Skipped"
        REVERTED = "reverted", "Reverted"
        LEFT = "left", "Left (changed since)"

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(help_text="The row's number in the file.")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    action = models.CharField(max_length=10, choices=Action.choices)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    result = models.CharField(max_length=10, choices=Result.choices, blank=True)
    # The contact or organization the row updates or resembles (preview), then the one it
    # created or updated (import); kept empty when that row is deleted.
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    affiliation = models.ForeignKey(
        Affiliation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Personal data, encrypted: "cells" (the file's values by column), "values" (the
    # checked values to write), "errors" ([{"column", "message"}]), "reasons" of a
    # duplicate, and after the import "before"/"after" (the values it replaced and wrote).
    data = EncryptedJSONField(default=dict)

    class Meta:
        verbose_name = "import row"
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
