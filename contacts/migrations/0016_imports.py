"""Imports from CSV, XLSX and vCard files (issue 17): a batch per uploaded file and a row
record per row of it (``contacts/models/imports.py``); the rows' values are encrypted."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import contacts.fields
from contacts.models.choices import Sensitivity

CATEGORIES = [
    ("academic", "Academic"),
    ("journalist", "Journalist"),
    ("think_tank", "Think-tank analyst"),
    ("cultural", "Cultural figure"),
    ("civil_society", "Civil-society activist"),
    ("community", "Community leader"),
    ("technology", "Technology"),
    ("religious", "Religious figure"),
    ("other", "Other"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0015_search_keys"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportBatch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("file_name", models.CharField(max_length=255)),
                (
                    "file_format",
                    models.CharField(
                        choices=[("csv", "CSV"), ("xlsx", "XLSX"), ("vcard", "vCard")], max_length=8
                    ),
                ),
                (
                    "content",
                    models.CharField(
                        blank=True,
                        choices=[("contacts", "Contacts"), ("organizations", "Organizations")],
                        max_length=16,
                    ),
                ),
                ("encoding", models.CharField(blank=True, max_length=32)),
                (
                    "sensitivity",
                    models.CharField(
                        choices=Sensitivity.choices,
                        default="restricted",
                        help_text="Given to every contact the batch creates.",
                        max_length=12,
                    ),
                ),
                (
                    "default_category",
                    models.CharField(
                        blank=True,
                        choices=CATEGORIES,
                        help_text="Given to new contacts whose row names no category; none: such rows are invalid.",
                        max_length=20,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("previewing", "Reading the file"),
                            ("preview_ready", "Preview ready"),
                            ("importing", "Importing"),
                            ("imported", "Imported"),
                            ("failed", "Failed"),
                            ("reverting", "Reverting"),
                            ("reverted", "Reverted"),
                        ],
                        default="previewing",
                        max_length=16,
                    ),
                ),
                (
                    "only_valid",
                    models.BooleanField(
                        default=False,
                        help_text="Import the valid rows and leave the invalid ones out.",
                    ),
                ),
                ("file_data", contacts.fields.EncryptedTextField(blank=True)),
                ("row_count", models.PositiveIntegerField(default=0)),
                ("invalid_count", models.PositiveIntegerField(default=0)),
                ("new_count", models.PositiveIntegerField(default=0)),
                ("update_count", models.PositiveIntegerField(default=0)),
                ("duplicate_count", models.PositiveIntegerField(default=0)),
                ("progress_done", models.PositiveIntegerField(default=0)),
                ("progress_total", models.PositiveIntegerField(default=0)),
                ("report", models.JSONField(blank=True, default=dict)),
                ("created_at", models.DateTimeField()),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                ("imported_at", models.DateTimeField(blank=True, null=True)),
                ("reverted_at", models.DateTimeField(blank=True, null=True)),
                (
                    "importer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="import_batches",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"verbose_name": "import", "verbose_name_plural": "imports"},
        ),
        migrations.CreateModel(
            name="ImportRow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField(help_text="The row's number in the file.")),
                (
                    "kind",
                    models.CharField(
                        choices=[("contact", "Contact"), ("organization", "Organization")],
                        max_length=12,
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("new", "New"),
                            ("update", "Updates"),
                            ("duplicate", "Possible duplicate"),
                            ("invalid", "Invalid"),
                        ],
                        max_length=10,
                    ),
                ),
                ("score", models.PositiveSmallIntegerField(blank=True, null=True)),
                (
                    "result",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Not imported"),
                            ("created", "Created"),
                            ("updated", "Updated"),
                            ("linked", "Existing organization used"),
                            ("skipped", "Skipped"),
                            ("reverted", "Reverted"),
                            ("left", "Left (changed since)"),
                        ],
                        max_length=10,
                    ),
                ),
                ("data", contacts.fields.EncryptedJSONField(default=dict)),
                (
                    "affiliation",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="contacts.affiliation",
                    ),
                ),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rows",
                        to="contacts.importbatch",
                    ),
                ),
                (
                    "contact",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="contacts.contact",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="contacts.organization",
                    ),
                ),
            ],
            options={"verbose_name": "import row"},
        ),
        migrations.AddIndex(
            model_name="importbatch",
            index=models.Index(fields=["importer", "-created_at"], name="import_batch_by_importer"),
        ),
        migrations.AddIndex(
            model_name="importrow",
            index=models.Index(fields=["batch", "action", "number"], name="import_row_by_action"),
        ),
        migrations.AddConstraint(
            model_name="importrow",
            constraint=models.UniqueConstraint(
                fields=("batch", "kind", "number"), name="import_row_unique_number"
            ),
        ),
    ]
