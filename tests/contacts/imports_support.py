"""What the import tests share: the test files and the import's steps run in process (the
tasks' bodies, called directly; one test runs them on a real worker)."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contacts import imports
from contacts.models import ImportBatch, ImportRow

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"


def upload_file(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    """A test file from tests/data/imports (or ``content`` under that name)."""
    return SimpleUploadedFile(name, (DATA / name).read_bytes() if content is None else content)


def previewed(user, name: str, content: bytes | None = None, **options) -> ImportBatch:
    """Upload a file as ``user`` and run its preview."""
    options.setdefault("default_category", "other")
    batch = imports.start_import(
        user=user, file=upload_file(name, content), now=timezone.now(), **options
    )
    imports.preview_batch(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def imported(batch: ImportBatch, user, *, only_valid: bool = False) -> ImportBatch:
    """Confirm a previewed batch and run its import."""
    imports.confirm_import(batch, user=user, only_valid=only_valid, now=timezone.now())
    imports.commit_batch(batch_id=batch.pk, now=timezone.now())
    batch.refresh_from_db()
    return batch


def reverted(batch: ImportBatch, user) -> ImportBatch:
    """Ask for a batch's revert and run it."""
    imports.revert_import(batch, user=user, now=timezone.now())
    imports.revert_batch(batch_id=batch.pk, now=timezone.now())
    batch.refresh_from_db()
    return batch


def actions(batch: ImportBatch, kind: str = ImportRow.Kind.CONTACT) -> dict[int, str]:
    """Each row's number and action."""
    rows = batch.rows.filter(kind=kind).order_by("number")
    return dict(rows.values_list("number", "action"))


def row(batch: ImportBatch, number: int, kind: str = ImportRow.Kind.CONTACT) -> ImportRow:
    return batch.rows.get(kind=kind, number=number)
