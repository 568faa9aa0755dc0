"""The imports' admin: upload through the add page, the batches and rows scoped to their
importer, and the actions "import" and "revert" calling the same steps as the web app."""

from django.contrib.auth.models import Permission
from django.utils import timezone

from contacts import imports
from contacts.models import Contact, ImportBatch, ImportRow, Sensitivity
from tests import factories
from tests.admin_support import admin_url, make_staff
from tests.contacts.imports_support import previewed, upload_file
from tests.pages import messages_of

Status = ImportBatch.Status


def _staff_officer(username: str):
    officer = make_staff(factories.UserFactory(username=username, roles=["officer"]))
    codenames = ["view_importbatch", "add_importbatch", "view_importrow"]
    officer.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return officer


def test_upload_confirm_and_revert_in_the_admin(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        admin_url(ImportBatch, "add"),
        {
            "file": upload_file("phone-export-3.0.vcf"),
            "sensitivity": "protected",
            "default_category": "other",
        },
    )

    batch = ImportBatch.objects.get()
    assert response.url == admin_url(batch, "change", batch.pk)
    assert (batch.status, batch.sensitivity) == (Status.PREVIEWING, Sensitivity.PROTECTED)
    imports.preview_batch(batch_id=batch.pk)
    change = client.get(admin_url(batch, "change", batch.pk))
    assert "6 rows" in change.content.decode()  # three contacts, three organizations

    confirmed = client.post(
        admin_url(ImportBatch, "changelist"),
        {"action": "confirm_all", "_selected_action": [batch.pk]},
        follow=True,
    )
    assert messages_of(confirmed) == [f"{batch}: queued for import."]
    imports.commit_batch(batch_id=batch.pk, now=timezone.now())
    assert set(Contact.objects.values_list("sensitivity", flat=True)) == {"protected"}

    client.post(
        admin_url(ImportBatch, "changelist"),
        {"action": "revert", "_selected_action": [batch.pk]},
    )
    imports.revert_batch(batch_id=batch.pk, now=timezone.now())
    batch.refresh_from_db()
    assert batch.status == Status.REVERTED
    assert Contact.objects.exists() is False


def test_an_action_the_rules_refuse_says_why(client, admin_user, owner):
    batch = previewed(owner, "bad-rows.csv")
    client.force_login(admin_user)

    response = client.post(
        admin_url(ImportBatch, "changelist"),
        {"action": "confirm_all", "_selected_action": [batch.pk]},
        follow=True,
    )

    assert "6 rows are invalid" in messages_of(response)[0]
    batch.refresh_from_db()
    assert batch.status == Status.PREVIEW_READY


def test_staff_see_their_own_batches_and_rows_only(client, owner):
    mine = _staff_officer("importer")
    theirs = previewed(owner, "bad-rows.csv")
    own = previewed(mine, "phone-export-4.0.vcf")
    client.force_login(mine)

    batches = client.get(admin_url(ImportBatch, "changelist")).context["cl"].result_list
    rows = client.get(admin_url(ImportRow, "changelist")).context["cl"].result_list

    assert list(batches) == [own]
    assert {row.batch_id for row in rows} == {own.pk}
    assert client.get(admin_url(theirs, "change", theirs.pk)).status_code == 302  # not found
    assert client.get(admin_url(ImportBatch, "add")).status_code == 200


def test_a_row_names_a_contact_only_when_the_user_may_see_it(client, owner, teammate):
    irina = factories.ContactFactory(full_name="Irina Petrova", owner=owner, email="")
    importer = _staff_officer("importer")
    importer.teams.add(*owner.teams.all())
    batch = previewed(importer, "contacts-windows-1251.csv")
    duplicate = batch.rows.get(number=2, kind=ImportRow.Kind.CONTACT)
    client.force_login(importer)
    assert (
        f"#{irina.pk}" in client.get(admin_url(duplicate, "change", duplicate.pk)).content.decode()
    )

    irina.sensitivity = Sensitivity.PROTECTED
    irina.save()

    page = client.get(admin_url(duplicate, "change", duplicate.pk)).content.decode()
    assert f"#{irina.pk}" not in page
    assert "Irina Petrova" not in page


def test_a_planner_on_the_staff_may_not_upload(client, planner):
    make_staff(planner)
    planner.user_permissions.set(Permission.objects.filter(codename__in=["add_importbatch"]))
    client.force_login(planner)

    assert client.get(admin_url(ImportBatch, "add")).status_code == 403
