"""Import contacts, organizations and affiliations from CSV, XLSX and vCard files.

One function per step, called alike by the web pages, the API, the admin and the tasks:

1. ``start_import``: the upload. The file is checked (size, kind) and kept, encrypted, on a
   new batch; the preview task is queued.
2. ``preview_batch`` (task ``contacts.preview_import``): the dry run (``preview``). Every row
   is read, checked and matched; only the batch and its rows are stored.
3. ``confirm_import``: the importer's "Import N rows" (or "only the N valid rows"); the
   import task is queued.
4. ``commit_batch`` (task ``contacts.commit_import``): the import (``commit``), in chunks.
5. ``revert_import`` then ``revert_batch`` (task ``contacts.revert_import``): the revert
   (``revert``).

A task works on its batch only in the status its step set, so a task delivered twice, or
after the batch moved on, does nothing.
"""

from __future__ import annotations

import base64
import functools
import logging
import re
from contextlib import contextmanager

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError, transaction
from django.utils.translation import gettext, gettext_noop, ngettext
from kombu.exceptions import OperationalError as BrokerError

from contacts.access import may_import
from contacts.errors import DomainError
from contacts.imports import columns, commit, preview, reading, revert, rows
from contacts.models import Contact, ImportBatch, Sensitivity
from contacts.signals import contacts_written_in_bulk

logger = logging.getLogger(__name__)

Status = ImportBatch.Status
PREVIEW_TASK = "contacts.preview_import"
COMMIT_TASK = "contacts.commit_import"
REVERT_TASK = "contacts.revert_import"
# Errors a task is retried on (the step runs again from where it stopped).
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


class ImportRefused(DomainError):
    """An upload, confirmation or revert the rules refuse."""


def _require_importer(user) -> None:
    if not may_import(user):
        raise PermissionDenied(gettext("Only officers, leads and admins import contacts."))


def start_import(
    *,
    user,
    file,
    sensitivity: str = Sensitivity.RESTRICTED,
    default_category: str = "",
    only_valid: bool = False,
    now,
) -> ImportBatch:
    """Keep an uploaded file on a new batch and queue its preview."""
    _require_importer(user)
    if sensitivity not in Sensitivity.values:
        raise ImportRefused(
            gettext("Choose standard, restricted or protected."), field="sensitivity"
        )
    if default_category and default_category not in Contact.Category.values:
        raise ImportRefused(
            gettext("Choose one of the categories, or none."), field="default_category"
        )
    raw = file.read(settings.IMPORT_MAX_BYTES + 1)
    if len(raw) > settings.IMPORT_MAX_BYTES:
        megabytes = settings.IMPORT_MAX_BYTES / 1024 / 1024
        raise ImportRefused(
            gettext("The file is larger than %(megabytes)s MB.") % {"megabytes": f"{megabytes:g}"},
            field="file",
        )
    name = (getattr(file, "name", "") or "upload").rsplit("/", 1)[-1][:255]
    try:
        file_format = reading.file_format(name, raw)
    except reading.ReadError as error:
        raise ImportRefused(shown_text(error.message), field="file") from error
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            importer=user,
            file_name=name,
            file_format=file_format,
            sensitivity=sensitivity,
            default_category=default_category,
            only_valid=only_valid,
            file_data=base64.b64encode(raw).decode(),
            created_at=now,
        )
        _queue_on_commit(batch, PREVIEW_TASK)
    return batch


def preview_batch(*, batch_id: int) -> None:
    """Run the preview of a batch waiting for it; a file that cannot be read fails it."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=Status.PREVIEWING).first()
    if batch is None:
        return
    with _failing(batch):
        preview.preview(batch)
        batch.status = Status.PREVIEW_READY
        batch.file_data = ""  # the rows hold what the import needs
        batch.save(update_fields=["status", "file_data", *preview.COUNTED])


def confirm_import(batch: ImportBatch, *, user, only_valid: bool, now) -> ImportBatch:
    """The importer's go: queue the import of every row, or of the valid ones only. A
    preview with an invalid row imports nothing unless ``only_valid``."""
    _require_owner(batch, user)
    only_valid = only_valid or batch.only_valid
    if batch.status == Status.PREVIEW_READY and batch.invalid_count and not only_valid:
        refusal = ngettext(
            "%(invalid)s row is invalid: fix the file and upload it again, or import only "
            "the valid rows (%(valid)s).",
            "%(invalid)s rows are invalid: fix the file and upload it again, or import only "
            "the valid rows (%(valid)s).",
            batch.invalid_count,
        )
        raise ImportRefused(
            refusal % {"invalid": batch.invalid_count, "valid": batch.valid_count},
            field="only_valid",
        )
    if batch.status == Status.PREVIEW_READY and not commit.pending_rows(batch).exists():
        raise ImportRefused(gettext("No row of this file can be imported."))
    with transaction.atomic():
        claimed = ImportBatch.objects.filter(pk=batch.pk, status=Status.PREVIEW_READY).update(
            status=Status.IMPORTING,
            only_valid=only_valid,
            confirmed_at=now,
            progress_done=0,
            progress_total=commit.pending_rows(batch).count(),
        )
        if not claimed:
            raise ImportRefused(gettext("This import is not waiting for confirmation."))
        batch.refresh_from_db()
        _queue_on_commit(batch, COMMIT_TASK)
    return batch


def commit_batch(*, batch_id: int, now) -> None:
    """Import a confirmed batch (again from its first row not done, after a failure)."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=Status.IMPORTING).first()
    if batch is None:
        return
    with _failing(batch):
        commit.commit(batch, now=now)
        batch.status = Status.IMPORTED
        batch.imported_at = now
        batch.save(update_fields=["status", "imported_at", "report"])
    # Also after a failure midway: the chunks before it are committed.
    contacts_written_in_bulk.send(sender=ImportBatch, batch=batch)


def revert_import(batch: ImportBatch, *, user, now) -> ImportBatch:
    """Queue the revert of an imported batch (or of one whose import failed midway)."""
    _require_owner(batch, user)
    with transaction.atomic():
        claimed = (
            ImportBatch.objects.filter(pk=batch.pk, confirmed_at__isnull=False)
            .filter(status__in=(Status.IMPORTED, Status.FAILED))
            .update(
                status=Status.REVERTING,
                progress_done=0,
                progress_total=revert.revertible_rows(batch).count(),
                report={**batch.report, "reverted_by": user.pk},
            )
        )
        if not claimed:
            raise ImportRefused(
                gettext("Only an import that wrote something can be reverted, once.")
            )
        batch.refresh_from_db()
        _queue_on_commit(batch, REVERT_TASK)
    return batch


def revert_batch(*, batch_id: int, now) -> None:
    """Revert a batch waiting for it, for the user who asked."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=Status.REVERTING).first()
    if batch is None:
        return
    with _failing(batch):
        user = get_user_model().objects.get(pk=batch.report["reverted_by"])
        revert.revert(batch, user=user, now=now)
        batch.status = Status.REVERTED
        batch.reverted_at = now
        batch.save(update_fields=["status", "reverted_at", "report"])
    contacts_written_in_bulk.send(sender=ImportBatch, batch=batch)


def may_confirm(batch: ImportBatch) -> bool:
    return batch.status == Status.PREVIEW_READY


def may_revert(batch: ImportBatch) -> bool:
    return batch.confirmed_at is not None and batch.status in (Status.IMPORTED, Status.FAILED)


def _require_owner(batch: ImportBatch, user) -> None:
    """Only the batch's importer (or a superuser), still holding an importer's role."""
    _require_importer(user)
    if not (user.is_superuser or batch.importer_id == user.pk):
        raise PermissionDenied(gettext("Only the importer confirms or reverts an import."))


def _queue_on_commit(batch: ImportBatch, task: str) -> None:
    transaction.on_commit(lambda: _queue(batch.pk, task))


def _queue(batch_id: int, task: str) -> None:
    try:
        current_app.send_task(task, kwargs={"batch_id": batch_id})
    except (BrokerError, OSError):
        logger.exception("Could not queue %s for import %s", task, batch_id)
        _fail(batch_id, gettext_noop("The task queue did not answer. Try again in a few minutes."))


@contextmanager
def _failing(batch: ImportBatch):
    """Within it, a ``ReadError`` or any other error fails the batch with a sentence for
    its importer; a transient database error is raised for the task to retry."""
    try:
        yield
    except TRANSIENT_ERRORS:
        raise
    except reading.ReadError as error:
        _fail(batch.pk, error.message)
    except Exception:
        # The task's time limit too: the step goes on from where it stopped when run again.
        logger.exception("Import %s failed", batch.pk)
        _fail(batch.pk, gettext_noop("Something went wrong while working on this file."))


# DRF's messages with a value (its own catalogues translate them), as a row's problems
# hold them; the rest are read back from the patterns of contacts.imports.
DRF_PATTERNS = (
    '"{input}" is not a valid choice.',
    "Ensure this field has no more than {max_length} characters.",
    "Ensure this value is less than or equal to {max_value}.",
    "Ensure this value is greater than or equal to {min_value}.",
)
PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


@functools.cache
def _patterns() -> list[tuple[re.Pattern, str]]:
    found = []
    for message in (
        *reading.PATTERNS,
        *preview.PATTERNS,
        *rows.PATTERNS,
        columns.UNNAMED,
        columns.SECOND_COLUMN,
        *DRF_PATTERNS,
    ):
        pattern, start = [], 0
        for match in PLACEHOLDER.finditer(message):
            pattern.append(re.escape(message[start : match.start()]))
            pattern.append(f"(?P<{match.group(1) or match.group(2)}>.+?)")
            start = match.end()
        pattern.append(re.escape(message[start:]))
        found.append((re.compile("".join(pattern), re.DOTALL), message))
    return found


def shown_text(text: str) -> str:
    """A message an import stored in English (the file's error, a note, a row's problem, why
    a row was skipped or left), in the reader's language where the catalogues have it."""
    if not text:
        return text
    translated = gettext(text)
    if translated != text:
        return translated
    for pattern, message in _patterns():
        match = pattern.fullmatch(text)
        if match:
            return _translated(message, match.groupdict(), isolated=True)
    return text


def shown_column(label: str) -> str:
    """A column the preview did not import, as it stored it: the file's own header as it
    is, the import's words about it ("(no header, column F)", "… (a second column for
    full name)") in the reader's language."""
    for pattern, message in _patterns():
        if message in (columns.UNNAMED, columns.SECOND_COLUMN):
            match = pattern.fullmatch(label)
            if match:
                return _translated(message, match.groupdict())
    return label


# A value read back into a translated message keeps its own direction: "#VALUE!" or an
# English sheet name inside a Hebrew sentence (a first-strong isolate; numbers need none).
_NUMBER = re.compile(r"[\d,.\s]+")


def _isolated(value: str) -> str:
    return value if _NUMBER.fullmatch(value) else f"\u2068{value}\u2069"


def _translated(message: str, values: dict, *, isolated: bool = False) -> str:
    if "field" in values and values["field"] in columns.FIELD_NAMES:
        values = {**values, "field": gettext(values["field"])}
    if isolated:
        values = {name: _isolated(value) for name, value in values.items()}
    translated = gettext(message)
    if "%(" in message:
        return translated % values
    return translated.format(**values)


def _fail(batch_id: int, message: str) -> None:
    batch = ImportBatch.objects.get(pk=batch_id)
    batch.status = Status.FAILED
    batch.file_data = ""
    batch.report = {**batch.report, "error": message}
    batch.save(update_fields=["status", "file_data", "report"])


__all__ = [
    "ImportRefused",
    "commit_batch",
    "confirm_import",
    "may_confirm",
    "may_revert",
    "preview_batch",
    "revert_batch",
    "revert_import",
    "shown_column",
    "shown_text",
    "start_import",
]
