"""REST API v1 imports/: upload (multipart), the report, confirm, revert; 400 with field
messages on bad input, 403 for roles that do not import, 404 for others' batches."""

import pytest
from django.utils import timezone

from contacts import imports
from contacts.models import Contact, ImportBatch, Sensitivity
from tests import factories
from tests.conftest import api
from tests.contacts.api_support import API, assert_error
from tests.contacts.imports_support import imported, previewed, upload_file
from tests.trackii.test_api_schema import (  # noqa: F401 (wsgi_app and rows are fixtures)
    CONFORMANCE,
    _live_schema,
    _run,
    rows,
    wsgi_app,
)

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")
Status = ImportBatch.Status


def _post(user, name, content=None, **data):
    body = {"file": upload_file(name, content), **data}
    return api(user).post(f"{API}/imports/", body, format="multipart")


def test_upload_report_confirm_and_revert_through_the_api(owner):
    created = _post(owner, "bad-rows.csv", default_category="other")

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["sensitivity"], body["file_format"]) == (
        "previewing",
        "restricted",
        "csv",
    )
    batch_id = body["id"]
    imports.preview_batch(batch_id=batch_id)  # what the worker does

    report = api(owner).get(f"{API}/imports/{batch_id}/").json()
    assert report["status"] == "preview_ready"
    assert report["rows"]["total"] == 7
    assert report["rows"]["invalid"] == 6
    assert report["report"]["unknown_columns"] == ["Favourite colour"]
    assert report["report"]["errors"][0] == {
        "row": 3,
        "column": "Category",
        "message": '"astronaut" is not a valid choice.',
    }
    refused = api(owner).post(f"{API}/imports/{batch_id}/confirm/", {}, format="json")
    body = assert_error(refused, 400)
    assert "6 rows are invalid" in body["fields"]["only_valid"][0]

    confirmed = api(owner).post(
        f"{API}/imports/{batch_id}/confirm/", {"only_valid": True}, format="json"
    )
    assert confirmed.status_code == 202
    assert confirmed.json()["status"] == "importing"
    imports.commit_batch(batch_id=batch_id, now=timezone.now())
    done = api(owner).get(f"{API}/imports/{batch_id}/").json()
    assert done["status"] == "imported"
    assert done["report"]["result"]["contact_created"] == 1
    assert list(Contact.objects.values_list("full_name", flat=True)) == ["Sarah Klein"]

    reverting = api(owner).post(f"{API}/imports/{batch_id}/revert/")
    assert reverting.status_code == 202
    imports.revert_batch(batch_id=batch_id, now=timezone.now())
    assert api(owner).get(f"{API}/imports/{batch_id}/").json()["status"] == "reverted"
    assert Contact.objects.exists() is False


def test_the_rows_list_names_only_contacts_the_caller_may_see(owner, teammate):
    irina = factories.ContactFactory(full_name="Irina Petrova", owner=owner, email="")
    batch = previewed(teammate, "contacts-windows-1251.csv")

    found = api(teammate).get(f"{API}/imports/{batch.pk}/rows/").json()["results"]
    assert (found[0]["number"], found[0]["action"], found[0]["contact"]) == (
        2,
        "duplicate",
        irina.pk,
    )
    assert found[0]["cells"]["full_name"] == "Ирина Петрова"

    irina.sensitivity = Sensitivity.PROTECTED
    irina.save()
    duplicates = api(teammate).get(f"{API}/imports/{batch.pk}/rows/?action=duplicate").json()
    assert [(row["number"], row["contact"]) for row in duplicates["results"]] == [(2, None)]


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({}, {"file": ["No file was submitted."]}),
        (
            {"file": "garbage.pdf", "sensitivity": "secret"},
            {"sensitivity": ['"secret" is not a valid choice.']},
        ),
        (
            {"file": "report.pdf"},
            {"file": ["This is a PDF file: upload a CSV, XLSX or vCard (.vcf) file."]},
        ),
        ({"file": "empty.csv"}, {"file": ["The submitted file is empty."]}),
    ],
)
def test_bad_input_is_a_400_with_field_messages(owner, data, fields):
    if "file" in data:
        contents = {"report.pdf": b"%PDF-1.7\n", "empty.csv": b"", "garbage.pdf": b"%PDF"}
        data = {**data, "file": upload_file(data["file"], contents[data["file"]])}

    response = api(owner).post(f"{API}/imports/", data, format="multipart")

    assert_error(response, 400, fields=fields)
    assert ImportBatch.objects.exists() is False


@pytest.mark.parametrize("persona", ["planner", "analyst"])
def test_planners_and_analysts_get_a_403(request, persona):
    response = _post(request.getfixturevalue(persona), "bad-rows.csv")

    assert_error(response, 403)
    assert ImportBatch.objects.exists() is False


def test_another_users_batch_is_a_404(owner, teammate, admin_user):
    batch = imported(previewed(owner, "phone-export-4.0.vcf"), owner)

    assert_error(api(teammate).get(f"{API}/imports/{batch.pk}/"), 404)
    assert_error(api(teammate).post(f"{API}/imports/{batch.pk}/revert/"), 404)
    assert api(teammate).get(f"{API}/imports/").json()["results"] == []
    assert [b["id"] for b in api(admin_user).get(f"{API}/imports/").json()["results"]] == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == Status.IMPORTED


# Generated input (schemathesis, from the live schema): never a server error


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/imports/"),
        ("GET", "/imports/"),
        ("GET", "/imports/{id}/"),
        ("GET", "/imports/{id}/rows/"),
        ("POST", "/imports/{id}/confirm/"),
    ],
)
def test_generated_requests_get_no_server_error(wsgi_app, rows, admin_user, method, path):  # noqa: F811
    batch = previewed(admin_user, "bad-rows.csv")
    schema = _live_schema(wsgi_app, rows)
    path_parameters = {"id": batch.pk} if "{id}" in path else {}

    _run(
        schema[f"{API}{path}"][method],
        token=rows["token"],
        path_parameters=path_parameters,
        checks=CONFORMANCE,
    )
