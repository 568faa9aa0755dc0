"""In a real browser, with a real Celery worker: an officer uploads a sheet from the
contacts list, watches the progress bar (htmx polling) turn into the preview, imports,
and reverts; the console stays clean under the strict CSP."""

import pytest
from playwright.sync_api import expect

from contacts.models import Contact, ImportBatch
from tests.contacts.imports_support import DATA
from tests.e2e.test_accessibility import _console_errors, _signed_in_context
from tests.events.test_tasks import broker_url  # noqa: F401 (the fixture)
from tests.workers import running_worker, worker_environment

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
# The worker reads and imports in the background; the page polls every second.
WAIT_MS = 60_000


def test_an_officer_imports_a_sheet_and_reverts_it(
    owner,
    new_context,
    live_server,
    screenshot,
    broker_url,  # noqa: F811
):
    page = _signed_in_context(new_context, live_server, owner).new_page()
    errors = _console_errors(page)

    with running_worker(environment=worker_environment(broker_url=broker_url)):
        page.goto("/contacts/")
        page.get_by_role("link", name="Import", exact=True).click()
        page.get_by_role("link", name="Import a file").click()
        page.get_by_label("File").set_input_files(str(DATA / "contacts-merged-header.xlsx"))
        expect(page.get_by_label("Restricted (owner, team, grants)")).to_be_checked()
        page.get_by_role("button", name="Upload and preview").click()

        # The progress bar polls until the preview is ready, then the page reloads.
        confirm = page.get_by_role("button", name="Import 3 rows")
        expect(confirm).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("(no header, column F)")).to_be_visible()
        screenshot(page, "import-preview")
        confirm.click()
        expect(page.get_by_text("3 contacts created")).to_be_visible(timeout=WAIT_MS)
        screenshot(page, "import-result")
        assert Contact.objects.filter(owner=owner, sensitivity="restricted").count() == 3

        page.get_by_role("link", name="Revert this import").click()
        page.get_by_role("button", name="Revert the import").click()
        expect(page.get_by_text("Nothing was left.")).to_be_visible(timeout=WAIT_MS)

    assert ImportBatch.objects.get().status == ImportBatch.Status.REVERTED
    assert Contact.objects.exists() is False
    assert errors == []
