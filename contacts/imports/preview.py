"""The dry run: read the batch's file, check every row and say what importing it would do
("new", "updates #id", "possible duplicate of #id (score)", "invalid"), storing only the
batch's own rows. Nothing else is written.

A row updates an existing contact when it names one its importer may see (by the ``ID``
column, else by the same e-mail); one they may not see is never matched, so the preview
reveals nothing of it and the row is new. Possible duplicates come from the duplicate
finder, which only ever answers with contacts the importer may see.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext_noop

from contacts.duplicates import Person, find_for
from contacts.imports import reading
from contacts.imports.organizations import named
from contacts.imports.rows import (
    KIND_BY_CATEGORY,
    Checked,
    ContactRowChecker,
    OrganizationRowChecker,
    country_code,
    latin_and_native,
    year_of,
)
from contacts.matching import email_key
from contacts.models import Contact, ImportBatch, ImportRow, Organization

# Stored in English, shown in the reader's language (see contacts.imports.reading).
SAME_CONTACT = gettext_noop("Row %(first)s updates the same contact: keep one row per person.")
SAME_EMAIL = gettext_noop("Row %(first)s has the same e-mail: keep one row per person.")
SAME_ORGANIZATION = gettext_noop("Row %(first)s names the same organization: keep one row.")
UNSTORED = gettext_noop("Not stored, contacts have no such field: %(columns)s.")
TRANSLITERATED = gettext_noop(
    "Full names transliterated: %(count)s. Each is kept as the native name, and its Latin "
    "transliteration becomes the full name."
)
# The same note as imports before it stored it (still shown in the reader's language).
TRANSLITERATED_BEFORE = gettext_noop(
    "%(count)s full name(s) are not in Latin letters: each is kept as the native name, and its "
    "Latin transliteration becomes the full name."
)
NOT_AN_ID = gettext_noop("An ID is a whole number.")
PATTERNS = (
    SAME_CONTACT,
    SAME_EMAIL,
    SAME_ORGANIZATION,
    UNSTORED,
    TRANSLITERATED,
    TRANSLITERATED_BEFORE,
)

# Rows checked, matched and stored per round: a few queries each, and one pass of the
# duplicate finder over the contacts the importer sees.
CHUNK_SIZE = 5000

Action = ImportRow.Action
# The batch's fields a preview sets besides its status.
COUNTED = (
    "report",
    "invalid_count",
    "new_count",
    "update_count",
    "duplicate_count",
)


def preview(batch: ImportBatch) -> None:
    """Read and check the batch's file, store one row record per row, and the report."""
    raw = base64.b64decode(batch.file_data)
    batch.rows.all().delete()  # a preview run again (a retried task) starts over
    table = reading.read(raw, file_format=batch.file_format, max_rows=settings.IMPORT_MAX_ROWS)
    batch.content = table.mapping.content
    batch.encoding = table.encoding
    batch.report = {
        "columns": table.mapping.described(),
        "unknown_columns": table.mapping.unknown,
        "notes": list(table.notes),
    }
    batch.row_count = batch.progress_total = len(table.rows)
    batch.save(update_fields=["content", "encoding", "report", "row_count", "progress_total"])
    if table.mapping.content == ImportBatch.Content.ORGANIZATIONS:
        _preview_organizations(batch, table)
    else:
        _preview_contacts(batch, table)
    _count(batch)


def _has_contacts(batch: ImportBatch) -> bool:
    return batch.content == ImportBatch.Content.CONTACTS


def _count(batch: ImportBatch) -> None:
    """The batch's counts of its file's rows by action."""
    kind = ImportRow.Kind.CONTACT if _has_contacts(batch) else ImportRow.Kind.ORGANIZATION
    by_action = defaultdict(int)
    for action in batch.rows.filter(kind=kind).values_list("action", flat=True).iterator():
        by_action[action] += 1
    batch.invalid_count = by_action[Action.INVALID]
    batch.new_count = by_action[Action.NEW]
    batch.update_count = by_action[Action.UPDATE]
    batch.duplicate_count = by_action[Action.DUPLICATE]
    if _has_contacts(batch):
        batch.report["new_organizations"] = batch.rows.filter(
            kind=ImportRow.Kind.ORGANIZATION
        ).count()


# Contacts files


class _Repeats:
    """Rows of one file that name the same person twice (the same e-mail, or the same
    contact to update): the later ones are invalid, so nobody is created or updated twice."""

    def __init__(self):
        self.seen: dict[tuple, int] = {}

    def errors(self, number: int, *, email: str, target: int | None, column) -> list[dict]:
        errors = []
        for key, message, field_name in (
            (("contact", target), SAME_CONTACT, "id"),
            (("email", email), SAME_EMAIL, "email"),
        ):
            if not key[1]:
                continue
            first = self.seen.setdefault(key, number)
            if first != number:
                errors.append(
                    {
                        "column": column(field_name),
                        "message": message % {"first": first},
                    }
                )
        return errors


def _preview_contacts(batch: ImportBatch, table: reading.Table) -> None:
    checker = ContactRowChecker(
        user=batch.importer, mapping=table.mapping, default_category=batch.default_category
    )
    _note_contact_columns(batch, table, checker)
    repeats = _Repeats()
    organizations: dict[str, dict] = {}
    for chunk in _chunks(table.rows, CHUNK_SIZE):
        # A cell holding a spreadsheet's error is the row's problem, never a value: not
        # matched, compared nor checked (each row stored with its cells as read).
        cleaned = {number: checker.without_failed_cells(cells) for number, cells in chunk}
        targets = _update_targets(batch.importer, [(n, kept) for n, (kept, _) in cleaned.items()])
        rows, people = [], []
        for number, cells in chunk:
            kept, failed = cleaned[number]
            target = targets.get(number)
            checked = checker.check(kept, updating=target is not None)
            errors = checked.errors + _id_errors(kept, checker)
            errors += repeats.errors(
                number, email=email_key(kept.get("email")), target=target, column=checker.column
            )
            errors = checker.first_said(failed, errors)
            row = _contact_row(batch, number, cells, checked, errors, target)
            rows.append(row)
            if row.action == Action.NEW:
                people.append((row, _person(checked.values, cells)))
            if row.action != Action.INVALID and checked.values.get("organization"):
                _note_organization(organizations, number, checked.values)
        _mark_duplicates(batch.importer, people)
        ImportRow.objects.bulk_create(rows)
        _advance(batch, len(chunk))
    _organization_rows(batch, organizations)


def _note_contact_columns(batch, table, checker: ContactRowChecker) -> None:
    notes = batch.report["notes"]
    unstored = checker.unstored_columns()
    if unstored:
        notes.append(UNSTORED % {"columns": ", ".join(unstored)})
    # A Hebrew or Arabic name stays as written (contacts.imports.rows.latin_and_native).
    transliterated = sum(
        1
        for _, cells in table.rows
        if cells.get("full_name")
        and latin_and_native(cells["full_name"], "")[0] != cells["full_name"]
    )
    if transliterated:
        notes.append(TRANSLITERATED % {"count": transliterated})


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _update_targets(user, chunk) -> dict[int, int]:
    """Row number → the contact it updates: the one its ``ID`` names, else the one with its
    e-mail (when exactly one has it), among the contacts ``user`` may see."""
    visible = Contact.objects.visible_to(user).filter(erased_at__isnull=True)
    named = {number: int(cells["id"]) for number, cells in chunk if cells.get("id", "").isdigit()}
    found = set(visible.filter(pk__in=set(named.values())).values_list("pk", flat=True))
    targets = {number: pk for number, pk in named.items() if pk in found}
    emails = {
        number: email_key(cells.get("email"))
        for number, cells in chunk
        if number not in targets and cells.get("email")
    }
    holders = defaultdict(list)
    for key, pk in visible.filter(email_key__in=set(emails.values())).values_list(
        "email_key", "pk"
    ):
        holders[key].append(pk)
    for number, key in emails.items():
        if len(holders[key]) == 1:
            targets[number] = holders[key][0]
    return targets


def _id_errors(cells: dict, checker: ContactRowChecker) -> list[dict]:
    value = cells.get("id", "")
    if value and not value.isdigit():
        return [{"column": checker.column("id"), "message": NOT_AN_ID}]
    return []


def _contact_row(batch, number, cells, checked: Checked, errors, target) -> ImportRow:
    if errors:
        action = Action.INVALID
    elif target is not None:
        action = Action.UPDATE
    else:
        action = Action.NEW
    return ImportRow(
        batch=batch,
        number=number,
        kind=ImportRow.Kind.CONTACT,
        action=action,
        contact_id=target if action == Action.UPDATE else None,
        data={"cells": cells, "values": checked.values if not errors else {}, "errors": errors},
    )


def _person(values: dict, cells: dict) -> Person:
    contact = values["contact"]
    birth_year = contact.get("birth_year") or year_of(cells.get("birth_year", ""))
    return Person(
        full_name=contact.get("full_name", ""),
        native_name=contact.get("native_name", ""),
        email=contact.get("email", ""),
        phone=contact.get("phone", ""),
        organization_name=values.get("organization", ""),
        birth_year=birth_year if isinstance(birth_year, int) else None,
    )


def _mark_duplicates(user, people: list[tuple[ImportRow, Person]]) -> None:
    """Mark the new rows that resemble a contact ``user`` may see (the best match)."""
    if not people:
        return
    matches = find_for(user, [person for _, person in people], limit=1)
    for (row, _), found in zip(people, matches, strict=True):
        if found:
            row.action = Action.DUPLICATE
            row.contact_id = found[0].contact_id
            row.score = found[0].score
            row.data["reasons"] = list(found[0].reasons)


def _note_organization(organizations: dict, number: int, values: dict) -> None:
    name = values["organization"]
    category = values["contact"].get("category", "")
    kind = values.get("organization_kind") or KIND_BY_CATEGORY.get(category, "company")
    organizations.setdefault(name.lower(), {"name": name, "kind": kind, "number": number})


def _organization_rows(batch: ImportBatch, organizations: dict[str, dict]) -> None:
    """The organizations the contacts name that do not exist yet: created with the batch."""
    existing = named(found["name"] for found in organizations.values())
    ImportRow.objects.bulk_create(
        ImportRow(
            batch=batch,
            number=found["number"],
            kind=ImportRow.Kind.ORGANIZATION,
            action=Action.NEW,
            data={"values": {"organization": {"name": found["name"], "kind": found["kind"]}}},
        )
        for key, found in organizations.items()
        if key not in existing
    )


def _advance(batch: ImportBatch, done: int) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(progress_done=F("progress_done") + done)


# Organizations files


def _preview_organizations(batch: ImportBatch, table: reading.Table) -> None:
    checker = OrganizationRowChecker(user=batch.importer, mapping=table.mapping)
    seen: dict[tuple, int] = {}
    for chunk in _chunks(table.rows, CHUNK_SIZE):
        cleaned = {number: checker.without_failed_cells(cells) for number, cells in chunk}
        existing = _existing_organizations([(n, kept) for n, (kept, _) in cleaned.items()])
        rows = []
        for number, cells in chunk:
            kept, failed = cleaned[number]
            target = existing.get(number)
            checked = checker.check(kept, existing=target)
            errors = list(checked.errors)
            key = (kept.get("name", "").casefold(), country_code(kept.get("country", "")))
            first = seen.setdefault(key, number)
            if first != number:
                errors.append(
                    {
                        "column": checker.column("name"),
                        "message": SAME_ORGANIZATION % {"first": first},
                    }
                )
            errors = checker.first_said(failed, errors)
            action = Action.INVALID if errors else Action.UPDATE if target else Action.NEW
            rows.append(
                ImportRow(
                    batch=batch,
                    number=number,
                    kind=ImportRow.Kind.ORGANIZATION,
                    action=action,
                    organization=target if action == Action.UPDATE else None,
                    data={"cells": cells, "values": checked.values, "errors": errors},
                )
            )
        ImportRow.objects.bulk_create(rows)
        _advance(batch, len(chunk))


def _existing_organizations(chunk) -> dict[int, Organization]:
    """Row number → the organization it updates: by its ``ID``, else the one of its name
    (any case) in its country, or the only one of its name when it gives no country."""
    by_id = {n: int(cells["id"]) for n, cells in chunk if cells.get("id", "").isdigit()}
    by_pk = Organization.objects.in_bulk(set(by_id.values()))
    by_name = named(cells.get("name", "") for _, cells in chunk)
    targets = {}
    for number, cells in chunk:
        if by_id.get(number) in by_pk:
            targets[number] = by_pk[by_id[number]]
            continue
        same_name = by_name.get(cells.get("name", "").lower(), [])
        country = country_code(cells.get("country", ""))
        in_country = [o for o in same_name if str(o.country) == country] if country else []
        if in_country or (len(same_name) == 1 and not country):
            targets[number] = (in_country or same_name)[0]
    return targets
