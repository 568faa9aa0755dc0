"""The import pages: upload, the batch page while a task works (an htmx-polled progress
bar), the preview, the confirmation, the result and the revert; who sees what."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from contacts import imports
from contacts.models import Contact, ImportBatch, Sensitivity
from tests import factories
from tests.contacts.imports_support import imported, previewed, upload_file
from tests.pages import messages_of, page_text

Status = ImportBatch.Status


def _upload(client, name, content=None, **data):
    data = {"sensitivity": "restricted", "default_category": "other", **data}
    return client.post(reverse("contacts:import_new"), {"file": upload_file(name, content), **data})


def test_upload_preview_import_and_revert_on_the_web(client, owner):
    client.force_login(owner)

    response = _upload(client, "contacts-windows-1251.csv")

    batch = ImportBatch.objects.get()
    assert response.url == reverse("contacts:import_detail", args=[batch.pk])
    page = page_text(client.get(response.url))
    assert 'hx-trigger="every 1s"' in page  # the progress bar polls while the task reads
    assert Contact.objects.exists() is False

    imports.preview_batch(batch_id=batch.pk)  # what the worker does
    refresh = client.get(
        reverse("contacts:import_progress", args=[batch.pk]), HTTP_HX_REQUEST="true"
    )
    assert refresh["HX-Refresh"] == "true"  # done: the page reloads to show the preview
    page = page_text(client.get(response.url))
    assert "Import 4 rows" in page
    assert "Семейное положение" in page  # the unknown column, reported
    assert "Ирина Петрова" in page  # each row as the file has it

    client.post(reverse("contacts:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == Status.IMPORTING
    progress = client.get(reverse("contacts:import_progress", args=[batch.pk]))
    assert "0 of 7 rows" in page_text(progress)  # four contacts and three organizations
    imports.commit_batch(batch_id=batch.pk, now=timezone.now())
    page = page_text(client.get(response.url))
    assert "4 contacts created, 0 updated" in page
    assert Contact.objects.count() == 4

    confirmation = client.get(reverse("contacts:import_revert", args=[batch.pk]))
    assert "deletes the 4 contacts and the 3 organizations" in page_text(confirmation)
    client.post(reverse("contacts:import_revert", args=[batch.pk]))
    imports.revert_batch(batch_id=batch.pk, now=timezone.now())
    page = page_text(client.get(response.url))
    assert "Nothing was left." in page
    assert Contact.objects.exists() is False


def test_a_preview_with_invalid_rows_offers_a_new_upload_or_the_valid_rows(client, owner):
    batch = previewed(owner, "bad-rows.csv")
    client.force_login(owner)

    page = page_text(client.get(reverse("contacts:import_detail", args=[batch.pk])))

    assert "Import only the 1 valid row" in page
    assert "Fix the file and upload it again" in page
    assert "Import 7 rows" not in page
    assert "<bdi>E-mail</bdi>: Enter a valid email address." in page
    invalid = client.get(reverse("contacts:import_detail", args=[batch.pk]), {"show": "invalid"})
    assert [shown["row"].number for shown in invalid.context["page"].object_list] == [
        3,
        4,
        5,
        6,
        7,
        8,
    ]
    refused = client.post(reverse("contacts:import_confirm", args=[batch.pk]), follow=True)
    assert "6 rows are invalid" in messages_of(refused)[0]
    batch.refresh_from_db()
    assert batch.status == Status.PREVIEW_READY
    client.post(reverse("contacts:import_confirm", args=[batch.pk]), {"only_valid": "1"})
    batch.refresh_from_db()
    assert (batch.status, batch.only_valid) == (Status.IMPORTING, True)


def test_the_sensitivity_is_a_choice_with_restricted_chosen(client, owner):
    client.force_login(owner)

    page = page_text(client.get(reverse("contacts:import_new")))

    assert 'type="radio" name="sensitivity" value="restricted"' in page
    assert 'value="restricted" required id="id_sensitivity_1" checked' in page
    _upload(client, "phone-export-4.0.vcf", sensitivity="protected")
    assert ImportBatch.objects.get().sensitivity == Sensitivity.PROTECTED


def test_a_file_that_is_no_import_is_a_form_error(client, owner):
    client.force_login(owner)

    response = _upload(client, "report.csv", b"%PDF-1.4\n%\xe2\xe3")

    assert response.status_code == 200
    assert "This is a PDF file" in page_text(response)
    assert ImportBatch.objects.exists() is False


def test_the_preview_names_only_contacts_the_user_may_see(client, owner, teammate):
    irina = factories.ContactFactory(full_name="Irina Petrova", owner=owner, email="")
    batch = previewed(teammate, "contacts-windows-1251.csv")
    client.force_login(teammate)
    page = page_text(client.get(reverse("contacts:import_detail", args=[batch.pk])))
    assert (
        f'possible duplicate of <a href="/contacts/{irina.pk}/">#{irina.pk} Irina Petrova</a>'
        in page
    )

    # Once Irina is protected, the teammate no longer sees her: the row names nobody.
    irina.sensitivity = Sensitivity.PROTECTED
    irina.save()
    page = page_text(client.get(reverse("contacts:import_detail", args=[batch.pk])))
    assert "Irina Petrova</a>" not in page
    assert f"#{irina.pk}" not in page


@pytest.mark.parametrize("persona", ["planner", "analyst"])
def test_planners_and_analysts_get_no_import_button_and_a_403(client, request, persona, standard):
    client.force_login(request.getfixturevalue(persona))

    contacts_page = page_text(client.get(reverse("contacts:list")))
    imports_page = page_text(client.get(reverse("contacts:import_list")))

    assert reverse("contacts:import_list") not in contacts_page
    assert reverse("contacts:import_new") not in imports_page
    assert client.get(reverse("contacts:import_new")).status_code == 403
    assert _upload(client, "bad-rows.csv").status_code == 403
    assert ImportBatch.objects.exists() is False


@pytest.mark.parametrize("persona", ["officer", "lead"])
def test_officers_and_leads_find_import_on_the_contacts_list(client, request, persona, lead):
    user = factories.UserFactory(roles=["officer"]) if persona == "officer" else lead
    client.force_login(user)

    contacts_page = page_text(client.get(reverse("contacts:list")))

    assert f'href="{reverse("contacts:import_list")}">Import</a>' in contacts_page
    assert client.get(reverse("contacts:import_new")).status_code == 200


def test_a_batch_is_seen_by_its_importer_and_admins_only(client, owner, lead, admin_user):
    batch = imported(previewed(owner, "phone-export-4.0.vcf"), owner)
    detail = reverse("contacts:import_detail", args=[batch.pk])

    for user, status in ((lead, 404), (admin_user, 200), (owner, 200)):
        client.force_login(user)
        assert client.get(detail).status_code == status
        listed = client.get(reverse("contacts:import_list")).context["page"].object_list
        assert (batch in listed) is (status == 200)
    client.force_login(lead)
    assert client.post(reverse("contacts:import_revert", args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.status == Status.IMPORTED


@pytest.mark.parametrize(
    ("language", "second", "unnamed"),
    [
        ("en", "Full name (a second column for full name)", "(no header, column D)"),
        ("ru", "Full name (второй столбец для поля «полное имя»)", "(без заголовка, столбец D)"),
        ("he", "Full name (עמודה שנייה לשדה „שם מלא”)", "(ללא כותרת, עמודה D)"),
    ],
)
def test_the_columns_left_out_are_named_in_the_readers_language(
    client, owner, language, second, unnamed
):
    """The file's own headers as they are; the import's words about them translated."""
    content = "ФИО,Full name,Семейное положение,\nИрина Петрова,Irina Petrova,замужем,x\n"
    batch = previewed(owner, "columns.csv", content.encode())
    client.force_login(owner)

    page = page_text(
        client.get(
            reverse("contacts:import_detail", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE=language
        )
    )

    assert batch.report["unknown_columns"] == [
        "Full name (a second column for full name)",
        "Семейное положение",
        "(no header, column D)",
    ]
    assert f"{second}, Семейное положение, {unnamed}." in page


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "Full names transliterated: 1. Each is kept as the native name"),
        ("ru", "Транслитерировано полных имён: 1. Каждое сохраняется как имя в оригинале"),
        ("he", "שמות מלאים שתועתקו: 1. כל אחד נשמר כשם בשפת המקור"),
    ],
)
def test_the_note_counts_the_names_transliterated_in_the_readers_language(
    client, owner, language, shown
):
    """A user's finding: "2 full name(s) are not in Latin letters" counted the Hebrew name,
    which is kept as written, and its "(s)" read badly in every language."""
    content = "Full name,Category\nИрина Петрова,academic\nדנה לוי,academic\n"
    batch = previewed(owner, "names.csv", content.encode())
    client.force_login(owner)

    page = page_text(
        client.get(
            reverse("contacts:import_detail", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE=language
        )
    )

    assert batch.report["notes"] == [
        "Full names transliterated: 1. Each is kept as the native name, and its Latin "
        "transliteration becomes the full name."
    ]
    assert shown in page


def test_a_name_in_another_direction_keeps_its_cells_label_in_the_pages_direction(client, owner):
    """A user's finding: at 360 px a Hebrew name's cell (dir="auto") turned right to left,
    its label ("Name:") with it, on an English page."""
    content = "Full name,Category,Organization\nדנה לוי,academic,האוניברסיטה העברית\n"
    batch = previewed(owner, "names.csv", content.encode())
    client.force_login(owner)

    html = client.get(reverse("contacts:import_detail", args=[batch.pk])).content.decode()

    assert '<td data-label="Name"><bdi>דנה לוי</bdi></td>' in html
    assert '<td data-label="Organization"><bdi>האוניברסיטה העברית</bdi></td>' in html
    assert re.search(r'<td[^>]*dir="auto"', html) is None


@pytest.mark.parametrize(
    "stored",
    [
        "2 full name(s) are not in Latin letters: each is kept as the native name, and its "
        "Latin transliteration becomes the full name.",
        "3 card(s) hold more than one e-mail address or phone number: the first of each is "
        "imported.",
    ],
)
def test_a_note_stored_in_the_earlier_wording_is_still_translated(stored):
    with translation.override("ru"):
        shown = imports.shown_text(stored)

    assert shown != stored
    assert shown.startswith(("Полных имён не латиницей: 2.", "Карточек с несколькими"))


def test_a_possible_duplicate_imported_anyway_still_names_the_contact_it_resembled(client, owner):
    """A user's finding: after the import, the row named the contact it had just created as
    the one it resembled, and the original was gone from the page."""
    irina = factories.ContactFactory(full_name="Irina Petrova", owner=owner, email="")
    batch = imported(previewed(owner, "contacts-windows-1251.csv"), owner)
    client.force_login(owner)

    page = page_text(client.get(reverse("contacts:import_detail", args=[batch.pk])))

    created = Contact.objects.exclude(pk=irina.pk).get(native_name="Ирина Петрова")
    assert (
        f'possible duplicate of <a href="/contacts/{irina.pk}/">#{irina.pk} Irina Petrova</a>'
        in page
    )
    assert f'Created <a href="/contacts/{created.pk}/">#{created.pk}</a>' in page


def test_the_organizations_heading_and_the_name_column_say_what_they_hold(client, owner):
    """A user walk's findings: after the import the heading still said the organizations
    "do not exist yet"; in Russian the person's name column read "Название" (a thing's)."""
    batch = previewed(owner, "contacts-windows-1251.csv")
    client.force_login(owner)
    url = reverse("contacts:import_detail", args=[batch.pk])

    before = page_text(client.get(url))
    imported(batch, owner)
    after = page_text(client.get(url))
    with translation.override("ru"):
        russian = page_text(client.get(url, HTTP_ACCEPT_LANGUAGE="ru"))

    assert "Organizations the file names that do not exist yet" in before
    assert "Organizations the file named that did not exist" in after
    assert "do not exist yet" not in after
    assert 'data-label="Имя"' in russian
