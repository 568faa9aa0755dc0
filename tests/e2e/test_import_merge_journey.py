"""Issue 17's journey in Chromium, with a real Celery worker: an officer who already has
Irina Petrova uploads a Windows-1251 CSV with Russian headers, sees in the preview a row
refused for its e-mail (row and column named) and "Petrova, Irina" offered as a possible
duplicate of Irina, fixes the file and uploads it again, imports it, finds the pair under
"Possible duplicates" once the nightly finder has run on the worker, merges the two
keeping the imported phone, and undoes the merge from the contact's page.

At 1280 and 360 px wide, a screenshot per step (test-artifacts/screenshots/import-merge-*),
the database checked after the import, the merge and the undo, and the console clean
under the strict CSP at the end.
"""

import csv
import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from contacts.models import (
    Contact,
    ContactMerge,
    DuplicatePair,
    ImportBatch,
    ImportRow,
    Sensitivity,
)
from contacts.tasks import find_duplicates
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_accessibility import _console_errors, _signed_in_context
from tests.events.test_tasks import broker_url  # noqa: F401 (the fixture)
from tests.workers import running_worker, worker_environment

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
# The worker reads, imports and scores in the background; the page polls every second.
WAIT_MS = 60_000
WAIT_S = 60

HEADERS = ["ФИО", "Имя на родном языке", "Организация", "Эл. почта", "Телефон", "Категория"]
ANNA = ["Anna Smirnova", "Анна Смирнова", "Коммерсантъ", "a.smirnova@example.org", "", "журналист"]
OLEG = [
    "Oleg Sidorov",
    "Олег Сидоров",
    "",
    "oleg.sidorov(at)example.org",
    "+7 916 555-01-02",
    "аналитик",
]
OLEG_FIXED = [*OLEG[:3], "oleg.sidorov@example.org", *OLEG[4:]]
IRINA_AGAIN = ["Petrova, Irina", "Ирина Петрова", "", "", "+7 495 123-45-67", "журналист"]
IRINA_PHONE = "+972 50 123 4567"
IMPORTED_PHONE = IRINA_AGAIN[4]


def _csv(path, rows) -> str:
    """Write a CSV as a Russian Excel saves one: Windows-1251, ";" between cells."""
    with path.open("w", encoding="cp1251", newline="") as file:
        csv.writer(file, delimiter=";").writerows([HEADERS, *rows])
    return str(path)


def _shots(screenshot, viewport: dict):
    """Number the journey's screenshots; the phone's carry its width."""
    prefix = "import-merge" if viewport == DESKTOP else f"import-merge-{viewport['width']}"
    taken = []

    def shoot(page, step: str) -> None:
        taken.append(step)
        screenshot(page, f"{prefix}-{len(taken):02}-{step}")

    return shoot


def _upload(page, path: str, shoot=None) -> None:
    page.get_by_label("File").set_input_files(path)
    expect(page.get_by_label("Restricted (owner, team, grants)")).to_be_checked()
    if shoot:
        shoot(page, "upload")
    page.get_by_role("button", name="Upload and preview").click()


def _preview_row(page, number: int):
    """The preview table's row of the file's row ``number``."""
    return page.locator("tbody tr").filter(
        has=page.locator("td[data-label='Row']", has_text=re.compile(rf"^\s*{number}\s*$"))
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "360"])
def test_an_officer_imports_finds_the_duplicate_merges_it_and_undoes_the_merge(
    viewport,
    new_context,
    live_server,
    screenshot,
    tmp_path,
    broker_url,  # noqa: F811
):
    officer = factories.UserFactory(username="officer", roles=["officer"])
    irina = factories.ContactFactory(
        full_name="Irina Petrova",
        native_name="Ирина Петрова",
        email="irina.petrova@example.org",
        phone=IRINA_PHONE,
        owner=officer,
        sensitivity=Sensitivity.STANDARD,
    )
    broken = _csv(tmp_path / "network.csv", [ANNA, OLEG, IRINA_AGAIN])
    fixed = _csv(tmp_path / "network-fixed.csv", [ANNA, OLEG_FIXED, IRINA_AGAIN])
    page = _signed_in_context(new_context, live_server, officer, viewport=viewport).new_page()
    errors = _console_errors(page)
    shoot = _shots(screenshot, viewport)

    with running_worker(environment=worker_environment(broker_url=broker_url)) as worker:
        # 1. Upload the file from the contacts list.
        page.goto("/contacts/")
        page.get_by_role("link", name="Import", exact=True).click()
        page.get_by_role("link", name="Import a file").click()
        _upload(page, broken, shoot)

        # 2. The preview (once the worker has read it): Oleg's e-mail refused, row and
        # column named; "Petrova, Irina" may be Irina; nothing stored.
        fix = page.get_by_role("link", name="Fix the file and upload it again")
        expect(fix).to_be_visible(timeout=WAIT_MS)
        expect(
            page.get_by_text("3 rows: 1 new, 0 updates, 1 possible duplicate, 1 invalid")
        ).to_be_visible()
        expect(page.get_by_text("1 row is invalid")).to_be_visible()
        oleg_row = _preview_row(page, 3)
        expect(oleg_row).to_contain_text("Oleg Sidorov")
        expect(oleg_row.locator("td[data-label='Problems']")).to_have_text(
            "Эл. почта: Enter a valid email address."
        )
        duplicate = ImportRow.objects.get(batch__file_name="network.csv", number=4)
        assert duplicate.action == ImportRow.Action.DUPLICATE
        assert duplicate.contact_id == irina.pk
        assert duplicate.score >= settings.DUPLICATE_THRESHOLD
        expect(_preview_row(page, 4).locator("td[data-label='What it does']")).to_have_text(
            f"possible duplicate of #{irina.pk} Irina Petrova ({duplicate.score})"
        )
        assert list(Contact.objects.values_list("pk", flat=True)) == [irina.pk]
        shoot(page, "preview-invalid")

        # 3. Fix the file and upload it again: a clean preview.
        fix.click()
        _upload(page, fixed)
        confirm = page.get_by_role("button", name="Import 3 rows")
        expect(confirm).to_be_visible(timeout=WAIT_MS)
        expect(
            page.get_by_text("3 rows: 2 new, 0 updates, 1 possible duplicate, 0 invalid")
        ).to_be_visible()
        expect(page.get_by_text("Fix the file and upload it again")).to_have_count(0)
        expect(_preview_row(page, 4).locator("td[data-label='What it does']")).to_have_text(
            f"possible duplicate of #{irina.pk} Irina Petrova ({duplicate.score})"
        )
        assert Contact.objects.count() == 1
        shoot(page, "preview-clean")

        # 4. Import, and wait for the worker to finish.
        confirm.click()
        expect(page.get_by_text("3 contacts created, 0 updated")).to_be_visible(timeout=WAIT_MS)
        shoot(page, "imported")
        batch = ImportBatch.objects.get(file_name="network-fixed.csv")
        assert batch.status == ImportBatch.Status.IMPORTED
        assert batch.encoding == "Windows-1251"
        created = Contact.objects.exclude(pk=irina.pk)
        assert sorted(created.values_list("full_name", "native_name", "email", "phone")) == [
            ("Anna Smirnova", "Анна Смирнова", "a.smirnova@example.org", ""),
            ("Oleg Sidorov", "Олег Сидоров", "oleg.sidorov@example.org", OLEG[4]),
            ("Petrova, Irina", "Ирина Петрова", "", IMPORTED_PHONE),
        ]
        assert set(created.values_list("owner", "sensitivity")) == {
            (officer.pk, Sensitivity.RESTRICTED)
        }
        assert ImportBatch.objects.get(file_name="network.csv").status == (
            ImportBatch.Status.PREVIEW_READY
        )
        other = created.get(full_name="Petrova, Irina")

        # 5. The nightly finder runs on the worker; the pair is under "Possible duplicates".
        run = find_duplicates.delay()
        worker.wait_for_task(find_duplicates.name, run.id, timeout=WAIT_S)
        pair = DuplicatePair.objects.get()
        assert (pair.contact_a_id, pair.contact_b_id, pair.status) == (irina.pk, other.pk, "open")
        page.goto("/contacts/")
        page.get_by_role("link", name="Possible duplicates").click()
        expect(page.get_by_role("heading", name="Possible duplicates")).to_be_visible()
        listed = page.locator("tbody tr")
        expect(listed).to_have_count(1)
        expect(listed).to_contain_text(f"#{irina.pk} Irina Petrova")
        expect(listed).to_contain_text(f"#{other.pk} Petrova, Irina")
        expect(listed.locator("td[data-label='Score']")).to_have_text(str(pair.score))
        shoot(page, "duplicates")

        # 6. Merge: the field-by-field preview, the imported phone chosen, confirmed.
        listed.get_by_role("link", name="Merge…").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Merge #{other.pk} Petrova, Irina into #{irina.pk} Irina Petrova"
        )
        expect(page.get_by_role("radio", name="Irina Petrova (Full name)")).to_be_checked()
        expect(page.get_by_role("radio", name="irina.petrova@example.org (Email)")).to_be_checked()
        expect(page.get_by_role("radio", name=f"{IRINA_PHONE} (Phone)")).to_be_checked()
        page.get_by_role("radio", name=f"{IMPORTED_PHONE} (Phone)").check()
        shoot(page, "merge-preview")
        page.get_by_role("button", name="Merge", exact=True).click()
        expect(page.get_by_text("Petrova, Irina was merged into Irina Petrova.")).to_be_visible()
        expect(page).to_have_url(f"{live_server.url}/contacts/{irina.pk}/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Irina Petrova")
        expect(page.get_by_role("link", name=IMPORTED_PHONE)).to_be_visible()
        expect(page.get_by_role("link", name=IRINA_PHONE)).to_have_count(0)
        shoot(page, "merged")
        irina.refresh_from_db()
        assert (irina.full_name, irina.email, irina.phone, irina.sensitivity) == (
            "Irina Petrova",
            "irina.petrova@example.org",
            IMPORTED_PHONE,
            Sensitivity.RESTRICTED,  # the stricter of the two
        )
        assert DuplicatePair.objects.get().status == "merged"
        assert Contact.objects.filter(native_name="Ирина Петрова").count() == 1
        assert not Contact.objects.filter(pk=other.pk).exists()
        merge = ContactMerge.objects.get()
        assert (merge.kept_id, merge.merged_contact_id, merge.undone_at) == (
            irina.pk,
            other.pk,
            None,
        )

        # 7. Undo it from the contact's page: both records are back as they were.
        merges = page.get_by_role("region", name="Merged into this contact")
        expect(merges).to_contain_text(f"#{other.pk} Petrova, Irina")
        page.on("dialog", lambda dialog: dialog.accept())  # should the button ask first
        merges.get_by_role("button", name=f"Undo the merge of #{other.pk}").click()
        expect(page.get_by_text("The merge was undone.")).to_be_visible()
        expect(page).to_have_url(f"{live_server.url}/contacts/{other.pk}/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Petrova, Irina")
        expect(page.get_by_role("link", name=IMPORTED_PHONE)).to_be_visible()
        shoot(page, "undone")
        page.goto(f"/contacts/{irina.pk}/")
        expect(page.get_by_role("link", name=IRINA_PHONE)).to_be_visible()
        expect(page.get_by_role("region", name="Merged into this contact")).to_have_count(0)
        shoot(page, "kept-restored")

    irina.refresh_from_db()
    other.refresh_from_db()
    assert (irina.full_name, irina.phone, irina.sensitivity) == (
        "Irina Petrova",
        IRINA_PHONE,
        Sensitivity.STANDARD,
    )
    assert (other.full_name, other.native_name, other.phone, other.owner_id) == (
        "Petrova, Irina",
        "Ирина Петрова",
        IMPORTED_PHONE,
        officer.pk,
    )
    assert Contact.objects.filter(native_name="Ирина Петрова").count() == 2
    merge.refresh_from_db()
    assert merge.undone_at is not None
    assert merge.undo_report == {"left": []}
    assert DuplicatePair.objects.get().status == "open"
    assert errors == []
