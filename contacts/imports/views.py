"""Web pages of imports: the list of one's batches, the upload, the batch page (progress,
preview, confirmation, result) and the revert. Each calls one ``contacts.imports`` step.

A batch is visible to its importer (and superusers) only; anyone else gets a 404. The
preview names existing contacts only through ``visible_to``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from contacts import imports
from contacts.access import EDITORS, may_import, require_any_role
from contacts.imports.forms import ImportUploadForm
from contacts.models import Contact, ImportBatch, ImportRow, Organization
from contacts.views import record_web_views

BATCHES_PER_PAGE = 25
ROWS_PER_PAGE = 50
# The preview's filters: ?show=invalid lists the invalid rows only.
FILTERS = [
    ("all", pgettext_lazy("rows of an import shown", "All")),
    ("new", pgettext_lazy("rows of an import shown", "New")),
    ("update", pgettext_lazy("rows of an import shown", "Updates")),
    ("duplicate", pgettext_lazy("rows of an import shown", "Possible duplicates")),
    ("invalid", pgettext_lazy("rows of an import shown", "Invalid")),
]
# What a revert left, as its report names it.
LEFT_KINDS = {
    "contact": pgettext_lazy("what a revert left", "contact"),
    "organization": pgettext_lazy("what a revert left", "organization"),
    "affiliation": pgettext_lazy("what a revert left", "affiliation"),
}
SHOWN = {"all": None, **{action: action for action in ImportRow.Action.values}}


def get_batch_for_user(request, pk) -> ImportBatch:
    """The batch ``pk`` if the user may see it (theirs, or any for a superuser), else 404."""
    batches = ImportBatch.objects.visible_to(request.user).select_related("importer")
    return get_object_or_404(batches, pk=pk)


def _require_importer(user) -> None:
    require_any_role(user, EDITORS, gettext("Only officers, leads and admins import contacts."))


@login_required
def import_list(request):
    batches = ImportBatch.objects.visible_to(request.user).order_by("-created_at", "-pk")
    page = Paginator(batches.select_related("importer"), BATCHES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "may_import": may_import(request.user)}
    return render(request, "contacts/importbatch_list.html", context)


@login_required
def import_new(request):
    _require_importer(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = imports.start_import(user=request.user, now=timezone.now(), **form.cleaned_data)
        except imports.ImportRefused as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("contacts:import_detail", pk=batch.pk)
    return render(request, "contacts/importbatch_form.html", {"form": form})


@login_required
def import_detail(request, pk):
    batch = get_batch_for_user(request, pk)
    shown = request.GET.get("show") if request.GET.get("show") in SHOWN else "all"
    rows = (
        batch.rows.filter(kind=_file_kind(batch))
        .select_related("organization")
        .order_by("number", "pk")
    )
    if SHOWN[shown]:
        rows = rows.filter(action=SHOWN[shown])
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    named = _named_contacts(request, page.object_list)
    page.object_list = [_shown_row(row, named) for row in page.object_list]
    context = {
        "batch": batch,
        "page": page,
        "shown": shown,
        "filters": FILTERS,
        "result": result_counts(batch),
        "organizations": _new_organizations(batch),
        "error": imports.shown_text(batch.report.get("error", "")),
        "notes": [imports.shown_text(note) for note in batch.report.get("notes", [])],
        "unknown_columns": [
            imports.shown_column(column) for column in batch.report.get("unknown_columns", [])
        ],
        "revert_left": _left(batch),
        "may_act": may_import(request.user)
        and (request.user.is_superuser or batch.importer_id == request.user.pk),
        "may_confirm": imports.may_confirm(batch),
        "may_revert": imports.may_revert(batch),
    }
    return render(request, "contacts/importbatch_detail.html", context)


def _new_organizations(batch: ImportBatch) -> list[dict]:
    """The organizations a contacts file names that did not exist at its preview."""
    if batch.content != ImportBatch.Content.CONTACTS:
        return []
    kinds = dict(Organization.Kind.choices)
    rows = batch.rows.filter(kind=ImportRow.Kind.ORGANIZATION).order_by("number", "pk")
    return [
        {
            "name": row.values["organization"]["name"],
            "kind": kinds.get(row.values["organization"]["kind"], ""),
            "result": row.get_result_display() if row.result else "",
        }
        for row in rows
    ]


def _left(batch: ImportBatch) -> list[dict]:
    """What the revert left, and why, in the reader's language (stored in English)."""
    return [
        {
            **left,
            "kind": LEFT_KINDS.get(left["kind"], left["kind"]),
            "reason": imports.shown_text(left["reason"]),
        }
        for left in batch.report.get("revert", {}).get("left", [])
    ]


def result_counts(batch: ImportBatch) -> dict[str, int]:
    """What the import wrote, by kind (``report["result"]``, see contacts.imports.commit)."""
    result = batch.report.get("result", {})
    counts = {
        "contacts_created": result.get("contact_created", 0),
        "contacts_updated": result.get("contact_updated", 0),
        "organizations_created": result.get("organization_created", 0),
        "organizations_updated": result.get("organization_updated", 0),
        "affiliations_created": result.get("affiliation_created", 0),
        "skipped": result.get("contact_skipped", 0) + result.get("organization_skipped", 0),
    }
    counts["updated"] = counts["contacts_updated"] + counts["organizations_updated"]
    return counts


def _file_kind(batch: ImportBatch) -> str:
    if batch.content == ImportBatch.Content.ORGANIZATIONS:
        return ImportRow.Kind.ORGANIZATION
    return ImportRow.Kind.CONTACT


def _shown_row(row: ImportRow, named: dict[int, Contact]) -> dict:
    """A row as the preview lists it: its name as the file gives it, and the existing
    contact it names when the user may see that one."""
    cells = row.cells or row.values.get("organization", {})
    name = (
        cells.get("full_name")
        or cells.get("name")
        or " ".join(
            cells[part] for part in ("first_name", "middle_name", "last_name") if cells.get(part)
        )
    )
    return {
        "row": row,
        "name": name,
        "cells": cells,
        "contact": named.get(row.contact_id),
        # A possible duplicate imported anyway names the contact it resembled, beside the
        # one it created (its result).
        "resembled": named.get(row.data.get("resembled", row.contact_id)),
        # Stored in English: the problems and why the row was left or skipped.
        "errors": [
            {
                "column": imports.shown_column(error["column"]),
                "message": imports.shown_text(error["message"]),
            }
            for error in row.errors
        ],
        "left": imports.shown_text(row.data.get("left", "")),
        "skipped": imports.shown_text(row.data.get("skipped", "")),
    }


def _named_contacts(request, rows) -> dict[int, Contact]:
    """The existing contacts these rows name (updates, possible duplicates, results),
    read through visible_to: one the user may no longer see is not named at all."""
    ids = {row.contact_id for row in rows if row.contact_id}
    ids |= {row.data["resembled"] for row in rows if row.data.get("resembled")}
    contacts = list(Contact.objects.visible_to(request.user).filter(pk__in=ids))
    record_web_views(request, contacts)
    return {contact.pk: contact for contact in contacts}


@login_required
def import_progress(request, pk):
    """The progress bar, polled by htmx while a task works; once it is done, the page
    reloads to show the preview or the result."""
    batch = get_batch_for_user(request, pk)
    if not batch.is_running:
        if request.htmx:
            return HttpResponseClientRefresh()
        return redirect("contacts:import_detail", pk=batch.pk)
    return render(request, "contacts/_importbatch_progress.html", {"batch": batch})


@login_required
@require_POST
def import_confirm(request, pk):
    batch = get_batch_for_user(request, pk)
    only_valid = request.POST.get("only_valid") == "1"
    try:
        imports.confirm_import(batch, user=request.user, only_valid=only_valid, now=timezone.now())
    except imports.ImportRefused as error:
        messages.error(request, error.message)
    return redirect("contacts:import_detail", pk=batch.pk)


@login_required
def import_revert(request, pk):
    batch = get_batch_for_user(request, pk)
    _require_importer(request.user)
    if request.method == "POST":
        try:
            imports.revert_import(batch, user=request.user, now=timezone.now())
        except imports.ImportRefused as error:
            messages.error(request, error.message)
        return redirect("contacts:import_detail", pk=batch.pk)
    context = {
        "batch": batch,
        "may_revert": imports.may_revert(batch),
        "result": result_counts(batch),
    }
    return render(request, "contacts/importbatch_confirm_revert.html", context)
