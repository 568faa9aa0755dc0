"""Reverting an import: delete what it created and restore what it updated, except what
was changed since, which is left as it is and reported.

"Changed since" is read from what the import recorded: a contact or organization saved
after it (its ``updated_at`` moved), tags changed, or, for what it created, anything that
now names it (an exchange, a channel, an invitation, a grant, another affiliation...).
Only rows the reverting user may see are deleted or restored: a deletion never touches
what its author cannot see.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import router, transaction
from django.db.models import F
from django.db.models.deletion import Collector
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_update_with_history

from contacts.imports.commit import claimed, save_rows
from contacts.models import (
    AccessLog,
    Affiliation,
    Contact,
    Exchange,
    ImportBatch,
    ImportRow,
)

CHUNK_SIZE = 500
Result = ImportRow.Result
# What names a contact without changing it: views of it, erasure records, import rows.
NOT_CHANGES = (AccessLog, ImportRow)


def revert(batch: ImportBatch, *, user, now) -> None:
    """Undo the batch for ``user``; ``batch.report["revert"]`` says what was left."""
    left: list[dict] = []
    reason = f"Revert of import #{batch.pk}"
    counts = defaultdict(int)
    for result, undo in ((Result.CREATED, _delete_contacts), (Result.UPDATED, _restore_contacts)):
        rows = batch.rows.filter(kind=ImportRow.Kind.CONTACT, result=result)
        while True:
            with transaction.atomic():
                chunk = list(claimed(rows)[:CHUNK_SIZE])
                if not chunk:
                    break
                undo(chunk, user=user, now=now, reason=reason, left=left, counts=counts)
                save_rows(chunk)
            ImportBatch.objects.filter(pk=batch.pk).update(
                progress_done=F("progress_done") + len(chunk)
            )
    with transaction.atomic():
        ImportBatch.objects.select_for_update().filter(pk=batch.pk).exists()
        _undo_organizations(batch, now=now, reason=reason, left=left, counts=counts)
    batch.report["revert"] = {**counts, "left": left}


def revertible_rows(batch: ImportBatch):
    """The rows a revert goes through (its progress counts them)."""
    return batch.rows.filter(
        kind=ImportRow.Kind.CONTACT, result__in=(Result.CREATED, Result.UPDATED)
    )


def _leave(row: ImportRow, left: list, why: str) -> None:
    # ``why`` is stored in English; the batch's page shows it in the reader's language.
    row.result = Result.LEFT
    row.data["left"] = why
    left.append({"row": row.number, "kind": row.kind, "id": _id_of(row), "reason": why})


def _id_of(row: ImportRow) -> int | None:
    return row.contact_id if row.kind == ImportRow.Kind.CONTACT else row.organization_id


def _delete_contacts(rows, *, user, now, reason, left, counts) -> None:
    """Delete the contacts these rows created, unless changed since or named by anything."""
    ids = [row.contact_id for row in rows if row.contact_id]
    current = {
        contact.pk: contact
        for contact in Contact.objects.visible_to(user).filter(pk__in=ids).prefetch_related("tags")
    }
    own_affiliations = {row.affiliation_id for row in rows if row.affiliation_id}
    named = _named_contacts(ids, own_affiliations)
    deletable = []
    for row in rows:
        contact = current.get(row.contact_id)
        if row.contact_id is None:
            row.result = Result.REVERTED  # deleted since: nothing is left of it
        elif contact is None:
            _leave(row, left, gettext_noop("It is no longer visible to you."))
        elif _changed(contact, row.data["after"]):
            _leave(row, left, gettext_noop("It was changed since the import."))
        elif contact.pk in named:
            _leave(
                row,
                left,
                gettext_noop("Something names it since the import (an exchange, a channel…)."),
            )
        else:
            deletable.append(contact.pk)
            row.result = Result.REVERTED
            row.contact, row.affiliation = None, None  # deleted below
    contacts = list(Contact.objects.filter(pk__in=deletable))
    for contact in contacts:
        contact._change_reason = reason  # the history of the deletion says why
    if contacts:
        # One collector for the chunk (as the admin deletes a selection): its queries are
        # per relation, not per contact; the receivers still see each contact.
        collector = Collector(using=router.db_for_write(Contact), origin=contacts)
        collector.collect(contacts)
        collector.delete()
    counts["contacts_deleted"] += len(deletable)


def _changed(instance, after: dict) -> bool:
    if instance.updated_at.isoformat() != after["updated_at"]:
        return True
    if "tags" in after and hasattr(instance, "tags"):
        return sorted(tag.name for tag in instance.tags.all()) != sorted(after["tags"])
    return False


def _named_contacts(ids: list[int], own_affiliations: set[int]) -> set[int]:
    """Those of ``ids`` that another row names (by any relation to contacts), the
    batch's own affiliations and what ``NOT_CHANGES`` lists apart."""
    named = set()
    for relation in Contact._meta.related_objects:
        model = relation.related_model
        if model in NOT_CHANGES:
            continue
        field = relation.field
        if relation.many_to_many:
            lookup = f"{field.name}__in"
            rows = model._base_manager.filter(**{lookup: ids}).values_list(field.name, flat=True)
        else:
            rows = model._base_manager.filter(**{f"{field.name}__in": ids})
            if model is Affiliation:
                rows = rows.exclude(pk__in=own_affiliations)
            rows = rows.values_list(field.attname, flat=True)
        named.update(rows)
    return named


def _restore_contacts(rows, *, user, now, reason, left, counts) -> None:
    """Put back the values these rows replaced, where nothing changed since."""
    current = {
        contact.pk: contact
        for contact in Contact.objects.visible_to(user)
        .filter(pk__in=[row.contact_id for row in rows if row.contact_id])
        .select_for_update()
        .prefetch_related("tags")
    }
    restored, fields, category_changed = [], set(), []
    for row in rows:
        contact = current.get(row.contact_id)
        if contact is None:
            _leave(row, left, gettext_noop("It was deleted or is no longer visible to you."))
            continue
        if _changed(contact, row.data["after"]):
            _leave(row, left, gettext_noop("It was changed since the import."))
            continue
        _undo_affiliation(row, left)
        before = dict(row.data["before"])
        tags_before = before.pop("tags", None)
        for name, value in before.items():
            setattr(contact, "organization_id" if name == "organization" else name, value)
        fields.update(before)
        if tags_before is not None:
            added = set(row.data["after"]["tags"]) - set(tags_before)
            contact.tags.remove(*[tag for tag in contact.tags.all() if tag.name in added])
        if "category" in before:
            category_changed.append(contact.pk)
        contact.updated_at = now
        contact._change_reason = reason
        restored.append(contact)
        row.result = Result.REVERTED
    if restored:
        bulk_update_with_history(
            restored,
            Contact,
            [*sorted(fields), "updated_at"],
            default_user=user,
            default_change_reason=reason,
            default_date=now,
        )
    if category_changed:
        Exchange.objects.filter(contacts__in=category_changed).refresh_names_journalist()
    counts["contacts_restored"] += len(restored)


def _undo_affiliation(row: ImportRow, left: list) -> None:
    """Delete the affiliation an update added, unless its role changed since."""
    if row.affiliation_id is None:
        return
    remaining = Affiliation.objects.filter(pk=row.affiliation_id)
    deleted, _ = remaining.filter(role=row.values.get("role", "")).delete()
    if deleted or not remaining.exists():
        row.affiliation = None
    else:
        why = gettext_noop("Its role was changed since the import.")
        left.append(
            {"row": row.number, "kind": "affiliation", "id": row.affiliation_id, "reason": why}
        )


def _undo_organizations(batch, *, now, reason, left, counts) -> None:
    """Delete the organizations the batch created that nothing names any more and that
    did not change since; restore those it updated that did not change since."""
    rows = list(
        batch.rows.filter(
            kind=ImportRow.Kind.ORGANIZATION, result__in=(Result.CREATED, Result.UPDATED)
        )
        .select_related("organization")
        .order_by("number")
    )
    for row in rows:
        organization = row.organization
        if organization is None:
            row.result = Result.REVERTED
        elif _changed(organization, row.data["after"]):
            _leave(row, left, gettext_noop("It was changed since the import."))
        elif row.result == Result.UPDATED:
            for name, value in row.data["before"].items():
                setattr(organization, name, value)
            organization._change_reason = reason
            organization.save()
            row.result = Result.REVERTED
            counts["organizations_restored"] += 1
        elif organization.is_referenced():
            _leave(row, left, gettext_noop("Contacts or other records name it."))
        else:
            organization._change_reason = reason
            organization.delete()
            row.result = Result.REVERTED
            row.organization = None
            counts["organizations_deleted"] += 1
    save_rows(rows)
