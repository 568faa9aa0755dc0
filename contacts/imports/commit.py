"""The import itself, once its importer confirmed the preview: organizations first, then
the contacts in chunks, each chunk one transaction (``bulk_create``/``bulk_update`` with
their history). Each row records what it created, and what it updated with the values
before and after, so that ``contacts.imports.revert`` can undo it and tell what changed
since. A chunk marks its rows done in its own transaction: a task run again (a retry, a
worker that died) goes on from the first row not done.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from contacts.imports.organizations import oldest_named
from contacts.imports.rows import KIND_BY_CATEGORY
from contacts.models import (
    Affiliation,
    Contact,
    Exchange,
    ImportBatch,
    ImportRow,
    Organization,
    Tag,
)

CHUNK_SIZE = 500

Action, Result = ImportRow.Action, ImportRow.Result
IMPORTED_ACTIONS = (Action.NEW, Action.UPDATE, Action.DUPLICATE)


def pending_rows(batch: ImportBatch):
    """The rows the import still has to write (an invalid row never is)."""
    return batch.rows.filter(result=Result.PENDING, action__in=IMPORTED_ACTIONS)


def commit(batch: ImportBatch, *, now) -> None:
    """Write every pending row of the batch, then record what was done."""
    reason = f"Import #{batch.pk}"
    if batch.content == ImportBatch.Content.ORGANIZATIONS:
        while True:
            with transaction.atomic():
                row = claimed(_pending(batch, ImportRow.Kind.ORGANIZATION)).first()
                if row is None:
                    break
                _write_organization(row, reason=reason)
            _advance(batch, 1)
    else:
        known = _contacts_organizations(batch, reason=reason)
        writer = _ContactWriter(batch, known=known, now=now, reason=reason)
        while True:
            with transaction.atomic():
                chunk = list(claimed(_pending(batch, ImportRow.Kind.CONTACT))[:CHUNK_SIZE])
                if not chunk:
                    break
                writer.write(chunk)
            _advance(batch, len(chunk))
    batch.report["result"] = _results(batch)


def claimed(rows):
    """These rows in file order, locked for the caller's transaction; rows another run
    holds are skipped (a task delivered twice never writes a row twice)."""
    return rows.order_by("number", "pk").select_for_update(skip_locked=True, of=("self",))


def _pending(batch: ImportBatch, kind: str):
    return pending_rows(batch).filter(kind=kind).select_related("contact", "organization")


def _advance(batch: ImportBatch, done: int) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(progress_done=F("progress_done") + done)


def _results(batch: ImportBatch) -> dict[str, int]:
    counts = defaultdict(int)
    for kind, result in batch.rows.exclude(result="").values_list("kind", "result").iterator():
        counts[f"{kind}_{result}"] += 1
    counts["affiliation_created"] = batch.rows.filter(affiliation__isnull=False).count()
    return dict(counts)


# Organizations


def _write_organization(row: ImportRow, *, reason: str) -> None:
    """Create or update one organization of an organizations file; a name taken since the
    preview (in that country) leaves the row skipped."""
    values = row.values["organization"]
    organization = row.organization if row.action == Action.UPDATE else Organization()
    if row.action == Action.UPDATE and organization is None:
        _skip(row, gettext_noop("The organization it updates was deleted since the preview."))
        return
    before = {name: _plain(organization, name) for name in values} if organization.pk else {}
    for name, value in values.items():
        setattr(organization, name, value)
    organization._change_reason = reason
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError:
        _skip(
            row,
            gettext_noop("An organization of this name and country was added since the preview."),
        )
        return
    row.organization = organization
    row.result = Result.UPDATED if before else Result.CREATED
    row.data["before"] = before
    row.data["after"] = {**values, "updated_at": organization.updated_at.isoformat()}
    row.save(update_fields=["organization", "result", "data"])


def _skip(row: ImportRow, why: str) -> None:
    row.result = Result.SKIPPED
    row.data["skipped"] = why
    row.save(update_fields=["result", "data"])


def _contacts_organizations(batch: ImportBatch, *, reason: str) -> dict[str, int]:
    """Create the organizations a contacts file names that did not exist at the preview
    (or use one of that name added since, the oldest); every organization of the batch's
    rows by lower-case name."""
    with transaction.atomic():
        # One run at a time creates the batch's organizations (the others find none left).
        ImportBatch.objects.select_for_update().filter(pk=batch.pk).exists()
        rows = list(_pending(batch, ImportRow.Kind.ORGANIZATION))
        existing = oldest_named(row.values["organization"]["name"] for row in rows)
        created = [
            Organization(name=values["name"], kind=values["kind"])
            for values in (row.values["organization"] for row in rows)
            if values["name"].lower() not in existing
        ]
        bulk_create_with_history(created, Organization, default_change_reason=reason)
        by_name = {organization.name.lower(): organization for organization in created}
        for row in rows:
            key = row.values["organization"]["name"].lower()
            row.result = Result.LINKED if key in existing else Result.CREATED
            row.organization_id = existing[key] if key in existing else by_name[key].pk
            if key in by_name:
                row.data["after"] = {"updated_at": by_name[key].updated_at.isoformat()}
        save_rows(rows)
    _advance(batch, len(rows))
    return {
        row.values["organization"]["name"].lower(): row.organization_id
        for row in batch.rows.filter(kind=ImportRow.Kind.ORGANIZATION, organization__isnull=False)
    }


def save_rows(rows: list[ImportRow]) -> None:
    """Write these rows whole (what they did, their data). Django's ``bulk_update`` builds
    a CASE per field and row, which took seconds per thousand rows: the rows are written
    again instead, in the caller's transaction (nothing refers to a row's id)."""
    ImportRow.objects.filter(pk__in=[row.pk for row in rows]).delete()
    for row in rows:
        row.pk = None
    ImportRow.objects.bulk_create(rows)


# Contacts


class _ContactWriter:
    """Writes chunks of a contacts file's rows for the batch's importer."""

    def __init__(self, batch: ImportBatch, *, known: dict[str, int], now, reason: str):
        self.batch = batch
        self.importer = batch.importer
        self.known = known
        self.now = now
        self.history = {"default_user": self.importer, "default_change_reason": reason}
        self.tags: dict[str, Tag] = {}
        self.tag_links: list[tuple[int, int]] = []  # (contact, tag) of the chunk written

    def write(self, rows: list[ImportRow]) -> None:
        self.tag_links = []
        self._resolve_organizations(rows)
        updates = [row for row in rows if row.action == Action.UPDATE]
        self._create([row for row in rows if row.action != Action.UPDATE])
        self._update(updates)
        through = Contact.tags.through
        through.objects.bulk_create(
            [through(contact_id=contact, tag_id=tag) for contact, tag in self.tag_links],
            ignore_conflicts=True,
        )
        self._add_affiliations([row for row in rows if row.result != Result.SKIPPED])
        save_rows(rows)

    def _resolve_organizations(self, rows: list[ImportRow]) -> None:
        """Each row's organization: the batch's, else an existing one of that name (the
        oldest), else one created now (deleted since the preview)."""
        names = {row.values.get("organization") or "" for row in rows} - {""}
        self.known.update(oldest_named(n for n in names if n.lower() not in self.known))
        for row in rows:
            name = row.values.get("organization")
            if name and name.lower() not in self.known:
                self.known[name.lower()] = self._new_organization(row).pk
            row.organization_id = self.known[name.lower()] if name else None

    def _new_organization(self, row: ImportRow) -> Organization:
        category = row.values["contact"].get("category", "")
        kind = row.values.get("organization_kind") or KIND_BY_CATEGORY.get(category, "company")
        organization = Organization(name=row.values["organization"], kind=kind)
        organization._change_reason = self.history["default_change_reason"]
        organization.save()
        ImportRow.objects.create(
            batch=self.batch,
            number=row.number,
            kind=ImportRow.Kind.ORGANIZATION,
            action=Action.NEW,
            result=Result.CREATED,
            organization=organization,
            data={
                "values": {"organization": {"name": organization.name, "kind": kind}},
                "after": {"updated_at": organization.updated_at.isoformat()},
            },
        )
        return organization

    def _create(self, rows: list[ImportRow]) -> None:
        contacts = []
        for row in rows:
            values = {k: v for k, v in row.values["contact"].items() if k != "tags"}
            contacts.append(
                Contact(
                    **values,
                    organization_id=row.organization_id,
                    owner=self.importer,
                    sensitivity=self.batch.sensitivity,
                )
            )
        bulk_create_with_history(contacts, Contact, default_date=self.now, **self.history)
        for row, contact in zip(rows, contacts, strict=True):
            tags = self._tag_names(row.values["contact"].get("tags", []))
            self._link_tags(contact, tags)
            if row.action == Action.DUPLICATE and row.contact_id:
                # The contact it resembled stays named beside the one it created.
                row.data["resembled"] = row.contact_id
            row.contact = contact
            row.result = Result.CREATED
            row.data["after"] = {"updated_at": contact.updated_at.isoformat(), "tags": tags}

    def _update(self, rows: list[ImportRow]) -> None:
        """Write each row's values over its contact, if the importer may still see it."""
        if not rows:
            return
        targets = {
            contact.pk: contact
            for contact in Contact.objects.visible_to(self.importer)
            .filter(erased_at__isnull=True, pk__in=[row.contact_id for row in rows])
            .select_for_update()
            .prefetch_related("tags")
        }
        changed_fields: set[str] = set()
        changed = []
        category_changed = []
        for row in rows:
            contact = targets.get(row.contact_id)
            if contact is None:
                row.result = Result.SKIPPED
                row.data["skipped"] = gettext_noop(
                    "The contact it updates is gone, or hidden from you."
                )
                continue
            before, after = self._apply(contact, row)
            changed_fields.update(name for name in after if name != "tags")
            row.result = Result.UPDATED
            contact.updated_at = self.now
            row.data["before"] = before
            row.data["after"] = {**after, "updated_at": self.now.isoformat()}
            changed.append(contact)
            if "category" in after:
                category_changed.append(contact.pk)
        if changed:
            bulk_update_with_history(
                changed,
                Contact,
                [*sorted(changed_fields), "updated_at"],
                default_date=self.now,
                **self.history,
            )
        if category_changed:
            Exchange.objects.filter(contacts__in=category_changed).refresh_names_journalist()

    def _apply(self, contact: Contact, row: ImportRow) -> tuple[dict, dict]:
        """Set the row's values on ``contact``; the changed ones before and after. Lists
        (languages, tags) gain the row's items and notes gain its text below theirs."""
        wanted = dict(row.values["contact"])
        if row.organization_id:
            wanted["organization"] = row.organization_id
        tags = wanted.pop("tags", [])
        if "languages" in wanted:
            wanted["languages"] = list(dict.fromkeys([*contact.languages, *wanted["languages"]]))
        if wanted.get("notes") and contact.notes and wanted["notes"] not in contact.notes:
            wanted["notes"] = f"{contact.notes}\n\n{wanted['notes']}"
        before, after = {}, {}
        for name, value in wanted.items():
            if _plain(contact, name) != value:
                before[name], after[name] = _plain(contact, name), value
                setattr(contact, "organization_id" if name == "organization" else name, value)
        current = sorted(tag.name for tag in contact.tags.all())
        added = [
            name
            for name in self._tag_names(tags)
            if name.casefold() not in {tag.casefold() for tag in current}
        ]
        if added:
            self._link_tags(contact, added)
            before["tags"], after["tags"] = current, sorted([*current, *added])
        return before, after

    def _tag_names(self, names: list[str]) -> list[str]:
        """The stored tags of these names (any case), created when missing."""
        found = []
        for name in names:
            key = name.casefold()
            if key not in self.tags:
                self.tags[key] = Tag.objects.named(name, user=self.importer)
            found.append(self.tags[key].name)
        return list(dict.fromkeys(found))

    def _link_tags(self, contact: Contact, names: list[str]) -> None:
        """Tag the contact (the links are written with the chunk's)."""
        self.tag_links += [(contact.pk, self.tags[name.casefold()].pk) for name in names]

    def _add_affiliations(self, rows: list[ImportRow]) -> None:
        """Each row's role at its organization, unless its contact holds it already (an
        update)."""
        rows = [row for row in rows if row.organization_id and row.contact is not None]
        held = set(
            Affiliation.objects.filter(
                contact__in=[row.contact for row in rows if row.result == Result.UPDATED]
            ).values_list("contact_id", "organization_id", "role")
        )
        affiliations = []
        for row in rows:
            role = row.values.get("role", "")
            if (row.contact.pk, row.organization_id, role) not in held:
                row.affiliation = Affiliation(
                    contact=row.contact, organization_id=row.organization_id, role=role
                )
                affiliations.append(row.affiliation)
        bulk_create_with_history(affiliations, Affiliation, default_date=self.now, **self.history)


def _plain(instance, name: str):
    """A field's value as rows record it (JSON): ids for relations, codes for countries."""
    if name == "organization":
        return instance.organization_id
    value = getattr(instance, name)
    if name == "country":
        return value.code or ""
    return value
