"""An import end to end on a real Celery worker against the Redis broker: the upload queues
the preview, the confirmation the import, the revert its task; each runs on the worker and
moves the batch on."""

import time

import pytest
from django.utils import timezone

from contacts import imports
from contacts.models import Contact, ImportBatch, Organization
from tests.contacts.imports_support import upload_file
from tests.events.test_tasks import broker_url  # noqa: F401 (the fixture)
from tests.workers import running_worker, worker_environment

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
Status = ImportBatch.Status
WAIT_SECONDS = 60


def _until(batch: ImportBatch, status: str, worker) -> ImportBatch:
    """The batch once its task has moved it to ``status`` (the worker's log on failure)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status == status:
            return batch
        time.sleep(0.2)
    raise AssertionError(f"Import {batch.pk} is {batch.status}, not {status}:\n{worker.output}")


def test_a_worker_previews_imports_and_reverts(broker_url, owner):  # noqa: F811
    with running_worker(environment=worker_environment(broker_url=broker_url)) as worker:
        batch = imports.start_import(
            user=owner,
            file=upload_file("contacts-windows-1251.csv"),
            default_category="other",
            now=timezone.now(),
        )
        batch = _until(batch, Status.PREVIEW_READY, worker)
        assert (batch.row_count, batch.new_count, batch.encoding) == (4, 4, "Windows-1251")
        assert Contact.objects.exists() is False

        imports.confirm_import(batch, user=owner, only_valid=False, now=timezone.now())
        batch = _until(batch, Status.IMPORTED, worker)
        assert Contact.objects.filter(owner=owner, sensitivity="restricted").count() == 4
        assert batch.progress_done == batch.progress_total == 7

        imports.revert_import(batch, user=owner, now=timezone.now())
        batch = _until(batch, Status.REVERTED, worker)

    assert worker.output.count("succeeded") >= 3
    assert Contact.objects.exists() is False
    assert Organization.objects.exists() is False
    assert batch.report["revert"]["left"] == []
