"""Duplicates and merge (issue 17): a contact's birth year, the phone (E.164) and e-mail keys
the duplicate finder blocks on (filled for existing rows in batches), the review queue
(``DuplicatePair``), the record of each merge (``ContactMerge``) and the nightly run of
``contacts.find_duplicates`` in django-celery-beat (editable in the admin)."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import contacts.fields
import contacts.models.network
from contacts.matching import email_key, phone_key

BATCH = 2000
# Hour and minute, UTC: after the backup (02:00) and before the retention prune (03:00).
NIGHTLY = ("2", "30")
TASK_NAME = "Find duplicate contacts"


def fill_keys(apps, schema_editor):
    contact_model = apps.get_model("contacts", "Contact")
    last = 0
    while True:
        rows = list(
            contact_model.objects.filter(pk__gt=last).order_by("pk").only("phone", "email")[:BATCH]
        )
        if not rows:
            break
        changed = []
        for row in rows:
            keys = (phone_key(row.phone), email_key(row.email))
            if keys != ("", ""):
                row.phone_key, row.email_key = keys
                changed.append(row)
        contact_model.objects.bulk_update(changed, ["phone_key", "email_key"])
        last = rows[-1].pk


def install_schedule(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    hour, minute = NIGHTLY
    nightly, _ = crontab_model.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    task_model.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "contacts.find_duplicates", "crontab": nightly, "enabled": True},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


def _birth_year():
    return models.PositiveSmallIntegerField(
        blank=True,
        help_text="Helps tell apart people of the same name.",
        null=True,
        validators=[
            django.core.validators.MinValueValidator(1900),
            contacts.models.network.validate_birth_year_not_future,
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0016_imports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField("contact", "birth_year", _birth_year()),
        migrations.AddField("historicalcontact", "birth_year", _birth_year()),
        migrations.AddField(
            "contact",
            "email_key",
            models.CharField(blank=True, db_default="", editable=False, max_length=254),
        ),
        migrations.AddField(
            "contact",
            "phone_key",
            models.CharField(blank=True, db_default="", editable=False, max_length=32),
        ),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.CheckConstraint(
                condition=models.Q(birth_year__isnull=True)
                | models.Q(birth_year__gte=1900, birth_year__lte=2100),
                name="contact_birth_year_sane",
            ),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["email_key"], name="contact_email_key"),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["phone_key"], name="contact_phone_key"),
        ),
        migrations.CreateModel(
            name="DuplicatePair",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("score", models.PositiveSmallIntegerField()),
                (
                    "reasons",
                    models.JSONField(
                        default=list, help_text="The rules the pair met, e.g. name, email."
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("dismissed", "Not the same person"),
                            ("merged", "Merged"),
                        ],
                        default="open",
                        max_length=10,
                    ),
                ),
                (
                    "found_at",
                    models.DateTimeField(help_text="When the finder last scored the pair."),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "contact_a",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="contacts.contact",
                    ),
                ),
                (
                    "contact_b",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="contacts.contact",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["status", "-score"], name="duplicate_pair_queue"),
                    models.Index(fields=["contact_b"], name="duplicate_pair_contact_b"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("contact_a", "contact_b"), name="duplicate_pair_once"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(contact_a__lt=models.F("contact_b")),
                        name="duplicate_pair_ordered",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(score__lte=100), name="duplicate_pair_score_in_scale"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ContactMerge",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "merged_contact_id",
                    models.PositiveBigIntegerField(
                        help_text=(
                            "The id of the contact merged into the kept one (deleted by the merge)."
                        )
                    ),
                ),
                ("merged_at", models.DateTimeField()),
                ("snapshot", models.JSONField(default=dict)),
                ("kept_notes", contacts.fields.EncryptedTextField(blank=True)),
                ("merged_notes", contacts.fields.EncryptedTextField(blank=True)),
                ("undone_at", models.DateTimeField(blank=True, null=True)),
                (
                    "undo_report",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        help_text="What the undo left as it was, and why.",
                    ),
                ),
                (
                    "kept",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="merges",
                        to="contacts.contact",
                    ),
                ),
                (
                    "merged_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "undone_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["kept", "-merged_at"], name="contact_merge_kept")],
            },
        ),
        migrations.RunPython(install_schedule, remove_schedule),
    ]
