"""Merge two contacts into one, and undo it: the one workflow behind the web page, the API's
``contacts/{id}/merge/`` and the admin (``contacts.services.merge_contacts``).

The user picks, field by field, which value the kept contact ends with; the rest follows
rules:

- Sensitivity: the stricter of the two (protected > restricted > standard). Owner: the owner
  of the stricter one (the kept one's on a tie), so no one who was not cleared for the more
  sensitive record sees it through the merge. Grants: the union, and on a tie above
  standard the other owner gets a grant, so both owners still see the person.
- Every row that names the merged contact moves to the kept one (``RELATIONS``): channels
  (two of one officer become one: the latest touch, recomputed from the exchanges, the
  shorter cadence, the higher priority, the livelier status; their reminders move and a
  second pending due reminder is resolved), exchanges, affiliations, grants, tags,
  programmes, the access log, earlier merges into it, and the apps' own relations
  registered with ``register`` (events: invitations, one per event). A row of a kind no one
  registered moves as it is (a foreign key) or is added (a many-to-many).
- An exchange that, once it names the kept contact, more users could read than before
  (the kept contact's team, grantees) is sealed to its readers of before
  (``Exchange.is_sealed``): a merge never widens who reads a summary.
- The merged contact is deleted: a hidden record would have to be left out of every list,
  count, export and aggregate. ``ContactMerge`` keeps what undoes the merge: both contacts'
  fields (the notes encrypted), and the id of every row moved, dropped or changed.

``undo_merge`` restores the merged contact (same id), the kept contact's fields and grants,
and moves back what the merge moved; a row changed since (moved elsewhere, deleted, a field
edited) is left as it is and named in ``ContactMerge.undo_report``. It cannot unseal an
exchange (a seal is never lifted), bring back the e-mail records of an invitation dropped as
a duplicate, or undo what a later merge into the kept contact did.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.http import Http404
from django.utils.translation import gettext, ngettext, ngettext_lazy
from simple_history.models import HistoricalChanges

from contacts import services
from contacts.access import may_merge
from contacts.errors import DomainError
from contacts.models import (
    AccessLog,
    Affiliation,
    Channel,
    Contact,
    ContactMerge,
    DuplicatePair,
    Exchange,
    Grant,
    Reminder,
    Sensitivity,
)

STRICTNESS = {Sensitivity.STANDARD: 0, Sensitivity.RESTRICTED: 1, Sensitivity.PROTECTED: 2}
# The fields the user picks between, in the preview's order.
CHOSEN_FIELDS = (
    "full_name",
    "native_name",
    "category",
    "organization",
    "email",
    "phone",
    "birth_year",
    "country",
    "languages",
    "layer",
    "notes",
)
# Stored and restored by undo as the merge left them, or reported when changed since.
DECIDED_FIELDS = (*CHOSEN_FIELDS, "owner", "sensitivity")
PRIORITY_RANK = {
    Channel.Priority.PERIPHERAL: 0,
    Channel.Priority.NORMAL: 1,
    Channel.Priority.KEY: 2,
}
STATUS_RANK = {Channel.Status.CLOSED: 0, Channel.Status.PAUSED: 1, Channel.Status.ACTIVE: 2}
CHANNEL_FIELDS = ("kind", "priority", "cadence_days", "status", "created_at", "count_restarted_at")


def stricter(one: str, other: str) -> str:
    """The stricter of two sensitivities."""
    return max(one, other, key=STRICTNESS.__getitem__)


# The registry of relations


@dataclass(frozen=True)
class Relation:
    """How the rows of one model that name a contact follow a merge.

    ``count(contact)``: how many the preview says will move (only rows the user could see
    anyway: the caller passes a queryset of them); ``move(keep, other, now)`` returns a
    JSON-able record that ``undo(keep, other, record, now)`` reverses, returning what it
    left (sentences, in the language of the user who undoes, or ``left_rows``' entries).
    ``title`` names the kind in the API's preview (English); ``moving`` is the web
    preview's line for it, ``ngettext_lazy(..., "count")``."""

    label: str
    title: str
    count: Callable
    move: Callable
    undo: Callable
    moving: object = None


RELATIONS: dict[str, Relation] = {}

# Undo's lines for rows it left that a reader may not see (the relation's label and the
# line's name): (its message or None, whether the rows were unlinked).
LEFT: dict[tuple[str, str], tuple] = {}


def register(relation: Relation) -> Relation:
    """Declare how a model's rows follow a merge (apps register theirs in ``ready()``)."""
    RELATIONS[relation.label] = relation
    return relation


def contact_relations() -> list[tuple[str, models.Field]]:
    """Every relation to Contact that a merge must handle: ``(label, field)``, the field
    being the one on the related model (the many-to-many field for those), historical
    copies and auto-created through tables left out."""
    found = []
    for relation in Contact._meta.get_fields(include_hidden=True):
        if not relation.is_relation or relation.concrete:
            if relation.many_to_many and relation.concrete:  # Contact.tags
                found.append(("contacts.Contact.tags", relation))
            continue
        model = relation.related_model
        if issubclass(model, HistoricalChanges) or model._meta.auto_created:
            continue
        found.append((f"{model._meta.label}.{relation.field.name}", relation.field))
    return found


# Preview


@dataclass(frozen=True)
class FieldChoice:
    name: str
    label: str
    kept: object
    merged: object
    chosen: str  # "kept" or "merged"

    @property
    def differs(self) -> bool:
        return self.kept != self.merged


@dataclass(frozen=True)
class Preview:
    """What a merge of ``other`` into ``keep`` would do, before anything changes."""

    keep: Contact
    other: Contact
    fields: list[FieldChoice]
    sensitivity: str
    owner: object
    moves: list[tuple[str, int]] = field(default_factory=list)
    # The same counts as sentences in the user's language ("3 channels"), for the pages.
    lines: list[str] = field(default_factory=list)


def preview(user, keep: Contact, other: Contact, *, choices: dict | None = None) -> Preview:
    """The side-by-side fields with the value each would take (``choices``, else the kept
    one's unless it is empty), the resulting sensitivity and owner, and how many rows of
    each kind move from ``other`` (those the user may see)."""
    keep, other = _check(user, keep, other)
    chosen = _chosen(keep, other, choices or {})
    fields = [
        FieldChoice(
            name=name,
            label=str(Contact._meta.get_field(name).verbose_name).capitalize(),
            kept=getattr(keep, name),
            merged=getattr(other, name),
            chosen=chosen[name],
        )
        for name in CHOSEN_FIELDS
    ]
    sensitivity, owner = _access_after(keep, other)
    shown = [relation for relation in _relations() if relation.title]
    counts = [relation.count(other, user) for relation in shown]
    moves = [(relation.title, n) for relation, n in zip(shown, counts, strict=True)]
    lines = [_moving_line(relation, n) for relation, n in zip(shown, counts, strict=True)]
    reminders = _count_reminders(other)
    moves.append(("pending reminders", reminders))
    lines.append(
        ngettext("%(count)d pending reminder", "%(count)d pending reminders", reminders)
        % {"count": reminders}
    )
    return Preview(keep, other, fields, sensitivity, owner, moves, lines)


def _moving_line(relation: Relation, count: int) -> str:
    if relation.moving is not None:
        return relation.moving % {"count": count}
    return ngettext("%(count)d row of %(kind)s", "%(count)d rows of %(kind)s", count) % {
        "count": count,
        "kind": relation.title,
    }


def _check(user, keep: Contact, other: Contact, *, lock: bool = False) -> tuple[Contact, Contact]:
    """Both contacts as stored (locked with ``lock``), when the user may merge them: 404 for
    one they may not see (as if it did not exist), 403 when they may not change contacts."""
    if keep.pk == other.pk:
        raise DomainError(gettext("A contact cannot be merged with itself."), field="other")
    visible = Contact.objects.visible_to(user).select_related("owner", "organization")
    if lock:
        visible = visible.select_for_update(of=("self",))
    found = visible.in_bulk([keep.pk, other.pk])
    if len(found) != 2:
        raise Http404("No such contact.")
    if not may_merge(user):
        raise PermissionDenied(gettext("Only officers, leads and admins merge contacts."))
    keep, other = found[keep.pk], found[other.pk]
    if keep.erased_at or other.erased_at:
        raise DomainError(gettext("An erased contact cannot be merged."), field="other")
    return keep, other


def _chosen(keep: Contact, other: Contact, choices: dict) -> dict[str, str]:
    unknown = set(choices) - set(CHOSEN_FIELDS)
    wrong = {name for name, side in choices.items() if side not in ("kept", "merged")}
    if unknown or wrong:
        names = ", ".join(sorted(unknown | wrong))
        raise DomainError(
            gettext("Choose 'kept' or 'merged' for fields of the contact only (%(names)s).")
            % {"names": names},
            field="choices",
        )
    chosen = {}
    for name in CHOSEN_FIELDS:
        only_merged = _empty(getattr(keep, name)) and not _empty(getattr(other, name))
        chosen[name] = choices.get(name, "merged" if only_merged else "kept")
    return chosen


def _empty(value) -> bool:
    return value is None or value == "" or value == []


def _access_after(keep: Contact, other: Contact) -> tuple[str, object]:
    """The merged contact's sensitivity and owner."""
    sensitivity = stricter(keep.sensitivity, other.sensitivity)
    owner = keep.owner if keep.sensitivity == sensitivity else other.owner
    return sensitivity, owner


# Merge


@transaction.atomic
def merge(user, keep: Contact, other: Contact, *, choices: dict, surface: str, now) -> ContactMerge:
    """Merge ``other`` into ``keep`` (see the module's docstring); returns the record."""
    keep, other = _check(user, keep, other, lock=True)
    chosen = _chosen(keep, other, choices)
    # Shown, and so logged, like any page naming them; the merged contact's rows of the
    # access log then move with the rest.
    AccessLog.objects.record(user=user, contacts=[keep, other], surface=surface, now=now)
    exchange_ids = _exchange_ids(keep, other)
    readers_before = _readers(exchange_ids)
    record = ContactMerge(
        kept=keep,
        merged_contact_id=other.pk,
        merged_by=user,
        merged_at=now,
        kept_notes=keep.notes,
        merged_notes=other.notes,
    )
    snapshot = {
        "kept_before": _values(keep, DECIDED_FIELDS),
        "merged": row_values(other, ("notes",)),
    }
    sensitivity, owner = _access_after(keep, other)
    for name in CHOSEN_FIELDS:
        if chosen[name] == "merged":
            setattr(keep, name, getattr(other, name))
    keep.sensitivity, keep.owner = sensitivity, owner
    moves = {label: relation.move(keep, other, now) for label, relation in _relations_by_label()}
    moves["grants_added"] = _grant_the_other_owner(keep, other, user, now)
    snapshot["pair"] = _close_pair(keep, other, user, now)
    other._history_user = user
    other.delete()
    keep._history_user = user
    keep._seals_decided = True  # _seal_widened below, over both contacts' exchanges
    keep.save()
    _after_moves(keep, now)
    snapshot["kept_after"] = _values(keep, DECIDED_FIELDS)
    snapshot["notes_after"] = _digest(keep.notes)
    snapshot["moves"] = moves
    snapshot["sealed"] = _seal_widened(readers_before, _readers(exchange_ids))
    record.snapshot = _json(snapshot)
    record.save()
    return record


def _grant_the_other_owner(keep: Contact, other: Contact, user, now) -> list[int]:
    """On a tie above standard, the owner who is no longer one keeps seeing the person."""
    if (
        keep.sensitivity == Sensitivity.STANDARD
        or other.sensitivity != keep.sensitivity
        or other.owner_id == keep.owner_id
    ):
        return []
    grant, created = Grant.objects.get_or_create(
        contact=keep, user_id=other.owner_id, defaults={"granted_by": user}
    )
    return [grant.pk] if created else []


def _close_pair(keep: Contact, other: Contact, user, now) -> dict | None:
    pair = DuplicatePair.objects.between(keep.pk, other.pk).first()
    if pair is None:
        return None
    before = {"id": pair.pk, "status": pair.status}
    pair.status, pair.decided_by, pair.decided_at = DuplicatePair.Status.MERGED, user, now
    pair.save(update_fields=["status", "decided_by", "decided_at"])
    return before


def _after_moves(contact: Contact, now) -> None:
    """What follows rows moving onto (or back to) a contact: the channels' touches and
    recorded states, and each exchange's journalist flag."""
    officer_ids = list(contact.channels.values_list("officer_id", flat=True))
    if officer_ids:
        services.record_touches(contact_ids=[contact.pk], officer_ids=officer_ids, now=now)
    Exchange.objects.filter(contacts=contact).refresh_names_journalist()


def _exchange_ids(*contacts: Contact) -> set[int]:
    through = Exchange.contacts.through.objects
    return set(through.filter(contact__in=contacts).values_list("exchange_id", flat=True))


def _readers(exchange_ids: set[int]) -> dict[int, set[int]]:
    """Who (active users other than superusers) may read each of these exchanges now."""
    readers: dict[int, set[int]] = {pk: set() for pk in exchange_ids}
    if not exchange_ids:
        return readers
    for user in get_user_model().objects.filter(is_active=True, is_superuser=False):
        readable = Exchange.objects.visible_to(user).filter(pk__in=exchange_ids)
        for exchange_id in readable.values_list("pk", flat=True):
            readers[exchange_id].add(user.pk)
    return readers


def _seal_widened(before: dict[int, set[int]], after: dict[int, set[int]]) -> list[int]:
    """Seal, to their readers of before, the exchanges that more users read after."""
    widened = [pk for pk, users in after.items() if users - before.get(pk, set())]
    if not widened:
        return []
    Exchange.objects.filter(pk__in=widened).update(is_sealed=True)
    through = Exchange.readers.through
    through.objects.filter(exchange_id__in=widened).delete()
    through.objects.bulk_create(
        through(exchange_id=pk, user_id=user_id) for pk in widened for user_id in before[pk]
    )
    return widened


# Undo


@transaction.atomic
def undo(user, merge_record: ContactMerge, *, surface: str, now) -> ContactMerge:
    """Undo a merge: the merged contact comes back with its id, fields, notes and rows;
    the kept contact's decided fields go back to what they were unless edited since. What
    was left, and why, is in the record's ``undo_report``."""
    record = (
        ContactMerge.objects.visible_to(user)
        .select_for_update(of=("self",))
        .filter(pk=merge_record.pk)
        .first()
    )
    if record is None:
        raise Http404("No such merge.")
    if not may_merge(user):
        raise PermissionDenied(gettext("Only officers, leads and admins undo a merge."))
    if record.undone_at:
        raise DomainError(gettext("This merge was undone already."))
    if not record.snapshot:
        raise DomainError(gettext("This merge can no longer be undone: its contact was erased."))
    if Contact.objects.filter(pk=record.merged_contact_id).exists():
        raise DomainError(gettext("The merged contact's id is in use again; it cannot come back."))
    snapshot = record.snapshot
    keep = Contact.objects.select_for_update().get(pk=record.kept_id)
    # The kept contact's access goes back to what it was: its exchanges from before the
    # merge are read as they were then; those logged since by no one more than now.
    since = set(
        Exchange.objects.filter(contacts=keep, created_at__gt=record.merged_at).values_list(
            "pk", flat=True
        )
    )
    readers_since = _readers(since)
    other, left = _restore_contact(snapshot["merged"], record.merged_notes, user)
    left += _restore_kept_fields(keep, snapshot, record.kept_notes)
    keep._history_user = user
    keep._seals_decided = True
    keep.save()
    moves = snapshot["moves"]
    for label, relation in reversed(_relations_by_label()):
        if label in moves:
            left += relation.undo(keep, other, moves[label], now)
    Grant.objects.filter(pk__in=moves.get("grants_added", []), contact=keep).delete()
    if snapshot.get("pair"):
        DuplicatePair.objects.filter(pk=snapshot["pair"]["id"]).update(
            status=snapshot["pair"]["status"], decided_by=None, decided_at=None
        )
    _after_moves(keep, now)
    _after_moves(other, now)
    _seal_widened(readers_since, _readers(since))
    AccessLog.objects.record(user=user, contacts=[keep, other], surface=surface, now=now)
    record.undone_at, record.undone_by = now, user
    record.undo_report = {"left": left}
    record.save(update_fields=["undone_at", "undone_by", "undo_report"])
    return record


def _restore_contact(values: dict, notes: str, user) -> tuple[Contact, list[str]]:
    organization_id = values.get("organization_id")
    values = restorable(Contact, values)
    left = []
    if organization_id and values["organization_id"] is None:
        left.append(gettext("The merged contact's organization was deleted since: it has none."))
    other = Contact(**values, notes=notes)
    other._history_user = user
    other.save(force_insert=True)
    # auto_now_add set the creation time to now: the contact keeps its own.
    Contact.objects.filter(pk=other.pk).update(created_at=values["created_at"])
    other.refresh_from_db()
    return other, left


def _restore_kept_fields(keep: Contact, snapshot: dict, notes_before: str) -> list[str]:
    before = from_json(Contact, snapshot["kept_before"])
    after = from_json(Contact, snapshot["kept_after"])
    now_values = from_json(Contact, _json(_values(keep, DECIDED_FIELDS)))
    left = []
    for name in DECIDED_FIELDS:
        attname = Contact._meta.get_field(name).attname
        if name == "notes":
            if _digest(keep.notes) == snapshot["notes_after"]:
                keep.notes = notes_before
            else:
                left.append(
                    gettext("The kept contact's notes were changed since: left as they are.")
                )
        elif now_values[attname] != after[attname]:
            label = Contact._meta.get_field(name).verbose_name
            left.append(
                gettext("The kept contact's %(field)s was changed since: left as it is.")
                % {"field": label}
            )
        else:
            setattr(keep, attname, before[attname])
    return left


def _digest(text: str) -> str:
    """A digest of a note, to tell whether it changed without keeping it in clear."""
    return hashlib.sha256((text or "").encode()).hexdigest()


# Erasure


def erase_merges_into(contact: Contact) -> int:
    """What the merges into ``contact`` keep of the contacts merged into it (their fields,
    notes and change history): erased with it. Such a merge can no longer be undone.
    Returns how many merges."""
    merges = ContactMerge.objects.filter(kept=contact)
    merged_ids = list(merges.values_list("merged_contact_id", flat=True))
    Contact.history.filter(id__in=merged_ids).update(
        full_name=f"Erased contact {contact.pk}",
        native_name="",
        email="",
        phone="",
        notes="",
        languages=[],
        birth_year=None,
    )
    return merges.update(snapshot={}, kept_notes="", merged_notes="")


# Rows as JSON


def _values(obj, names) -> dict:
    """The prepared values of ``names`` on ``obj``, by attname (notes as they read)."""
    values = {}
    for name in names:
        model_field = obj._meta.get_field(name)
        if name == "notes":
            continue
        values[model_field.attname] = _prepared(model_field, obj)
    return values


def row_values(obj, skip=()) -> dict:
    """Every concrete field of ``obj`` (its id included) but ``skip``, by attname."""
    return {
        model_field.attname: _prepared(model_field, obj)
        for model_field in obj._meta.concrete_fields
        if model_field.name not in skip
    }


def _prepared(model_field, obj):
    value = model_field.value_from_object(obj)
    if isinstance(value, str | int | float | bool | list | dict | type(None)):
        return value
    if isinstance(value, dt.date):
        return value
    return model_field.get_prep_value(value)


def _json(data):
    """``data`` made JSON-able (dates as ISO strings), as the snapshot stores it."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def from_json(model, values: dict) -> dict:
    """Values stored by ``row_values``/``_values`` back to Python, by attname."""
    by_attname = {model_field.attname: model_field for model_field in model._meta.concrete_fields}
    return {name: by_attname[name].to_python(value) for name, value in values.items()}


def restorable(model, values: dict) -> dict | None:
    """``from_json(model, values)`` with each nullable foreign key to a row deleted since
    emptied; None when a required one is gone (the row cannot come back)."""
    values = from_json(model, values)
    for model_field in model._meta.concrete_fields:
        target = values.get(model_field.attname)
        if not model_field.is_relation or target is None:
            continue
        if not model_field.related_model._base_manager.filter(pk=target).exists():
            if not model_field.null:
                return None
            values[model_field.attname] = None
    return values


# The relations, contacts' own


def _relations() -> list[Relation]:
    return [relation for _, relation in _relations_by_label()]


def _relations_by_label() -> list[tuple[str, Relation]]:
    """The relation of every model naming a contact: registered, or a plain move (foreign
    key) or union (many-to-many) for those no one registered, in a stable order."""
    found = []
    for label, relation_field in contact_relations():
        relation = RELATIONS.get(label)
        if relation is None:
            relation = _default_relation(label, relation_field)
        if relation is not None:
            found.append((label, relation))
    return found


def _default_relation(label: str, relation_field) -> Relation | None:
    if relation_field.many_to_many:
        return many_to_many_union(label, relation_field)
    if relation_field.remote_field.on_delete is models.SET_NULL:
        return remembered_link(label, relation_field)
    return moved_rows(label, relation_field)


def moved_rows(
    label: str,
    relation_field,
    *,
    title: str | None = None,
    count=None,
    moving=None,
    changed=None,
) -> Relation:
    """Rows with a foreign key to the contact: re-pointed at the kept one, and back.
    ``moving``: the preview's line; ``changed``: undo's line for rows changed since (both
    ``ngettext_lazy(..., "count")``)."""
    model, name = relation_field.model, relation_field.name

    def default_count(contact, user):
        rows = model._default_manager.filter(**{name: contact})
        return rows.visible_to(user).count() if hasattr(rows, "visible_to") else rows.count()

    def move(keep, other, now):
        rows = model._default_manager.filter(**{name: other})
        ids = list(rows.values_list("pk", flat=True))
        rows.update(**{name: keep})
        return ids

    LEFT[(label, "changed")] = (changed, False)

    def undo(keep, other, ids, now):
        rows = model._default_manager.filter(pk__in=ids, **{name: keep})
        back = set(rows.values_list("pk", flat=True))
        rows.update(**{name: other})
        return left_rows(label, "changed", model, set(ids) - back)

    return Relation(
        label,
        title or str(model._meta.verbose_name_plural),
        count or default_count,
        move,
        undo,
        moving,
    )


def remembered_link(label: str, relation_field) -> Relation:
    """Rows whose link to a deleted contact is emptied (``SET_NULL``: an import's row, a
    duplicate pair): the merge leaves them to that, and undo links them again."""
    model, name = relation_field.model, relation_field.name

    def move(keep, other, now):
        return list(model._default_manager.filter(**{name: other}).values_list("pk", flat=True))

    def undo(keep, other, ids, now):
        model._default_manager.filter(pk__in=ids, **{f"{name}__isnull": True}).update(
            **{name: other}
        )
        return []

    return Relation(label, "", lambda contact, user: 0, move, undo)


def many_to_many_union(
    label: str,
    relation_field,
    *,
    title: str | None = None,
    count=None,
    moving=None,
    unlinked=None,
) -> Relation:
    """A many-to-many (tags, programmes): the kept contact gets the merged one's links it
    lacked; undo gives the merged contact all its links back and takes from the kept one
    those it had only through the merge. ``moving``: the preview's line; ``unlinked``:
    undo's line for rows no longer linked to the kept contact (``ngettext_lazy``)."""
    if relation_field.model is Contact:  # Contact.tags: the contact is the source side
        through = relation_field.remote_field.through
        mine, theirs = relation_field.m2m_field_name(), relation_field.m2m_reverse_field_name()
        model_title = str(relation_field.related_model._meta.verbose_name_plural)
    else:  # Exchange.contacts, Programme.participants: the contact is the target side
        through = relation_field.remote_field.through
        mine, theirs = relation_field.m2m_reverse_field_name(), relation_field.m2m_field_name()
        model_title = str(relation_field.model._meta.verbose_name_plural)
    mine_id, theirs_id = f"{mine}_id", f"{theirs}_id"

    def default_count(contact, user):
        linked = through.objects.filter(**{mine: contact}).values(theirs_id)
        target = through._meta.get_field(theirs).related_model
        rows = target._default_manager.filter(pk__in=linked)
        return rows.visible_to(user).count() if hasattr(rows, "visible_to") else rows.count()

    def move(keep, other, now):
        links = through.objects.filter(**{mine: other})
        theirs_ids = set(links.values_list(theirs_id, flat=True))
        already = set(
            through.objects.filter(**{mine: keep, f"{theirs_id}__in": theirs_ids}).values_list(
                theirs_id, flat=True
            )
        )
        links.filter(**{f"{theirs_id}__in": already}).delete()
        links.update(**{mine: keep})
        return {"moved": sorted(theirs_ids - already), "both": sorted(already)}

    LEFT[(label, "unlinked")] = (unlinked, True)

    def undo(keep, other, record, now):
        moved = through.objects.filter(**{mine: keep, f"{theirs_id}__in": record["moved"]})
        back = set(moved.values_list(theirs_id, flat=True))
        moved.update(**{mine: other})
        target = through._meta.get_field(theirs).related_model
        existing = set(
            target._default_manager.filter(pk__in=record["both"]).values_list("pk", flat=True)
        )
        through.objects.bulk_create(
            [through(**{mine_id: other.pk, theirs_id: pk}) for pk in sorted(existing)],
            ignore_conflicts=True,
        )
        missing = (set(record["moved"]) - back) | (set(record["both"]) - existing)
        return left_rows(label, "unlinked", target, missing)

    return Relation(label, title or model_title, count or default_count, move, undo, moving)


def left_rows(label: str, line: str, model, ids) -> list:
    """Undo's record of the rows of ``model`` it left (``ids``), for ``undo_report``: as a
    sentence, or, for rows a reader may not see (a queryset with ``visible_to``: exchanges
    naming another contact, tags, merges), as their ids, which ``undo_report_lines``
    counts for each reader: a count made once would tell every reader of the merge of rows
    hidden from them (an attacker's finding)."""
    if not ids:
        return []
    if hasattr(model._default_manager.none(), "visible_to"):
        return [
            {"relation": label, "line": line, "model": model._meta.label_lower, "ids": sorted(ids)}
        ]
    message, unlinked = LEFT[(label, line)]
    return left_as_is(len(ids), message, model=model, unlinked=unlinked)


def undo_report_lines(record: ContactMerge, user) -> list[str]:
    """What an undo left, in ``user``'s language, counting only the rows ``user`` may see
    (rows since deleted are not counted)."""
    lines = []
    for entry in record.undo_report.get("left", []):
        if isinstance(entry, str):  # a sentence, stored in the undoer's language
            lines.append(entry)
            continue
        model = apps.get_model(entry["model"])
        seen = model._default_manager.filter(pk__in=entry["ids"]).visible_to(user).count()
        key = (entry["relation"], entry["line"])
        if key not in LEFT:  # a relation no one registered notes its lines when it is made
            _relations_by_label()
        message, unlinked = LEFT.get(key, (None, entry["line"] == "unlinked"))
        lines += left_as_is(seen, message, model=model, unlinked=unlinked)
    return lines


def left_as_is(how_many: int, message=None, *, model=None, unlinked: bool = False) -> list[str]:
    """Undo's line for ``how_many`` rows it left as they are: ``message``
    (``ngettext_lazy(..., "count")``), else one naming ``model``'s rows, changed since or
    (``unlinked``) no longer linked to the kept contact."""
    if how_many <= 0:
        return []
    if message is not None:
        return [message % {"count": how_many}]
    values = {"count": how_many, "kind": model._meta.verbose_name_plural}
    if unlinked:
        return [
            ngettext(
                "%(count)d row of %(kind)s no longer linked to the kept contact: left as it is.",
                "%(count)d rows of %(kind)s no longer linked to the kept contact: left as they "
                "are.",
                how_many,
            )
            % values
        ]
    return [
        ngettext(
            "%(count)d row of %(kind)s changed since: left as it is.",
            "%(count)d rows of %(kind)s changed since: left as they are.",
            how_many,
        )
        % values
    ]


# Channels: one per officer

CHANNELS = "contacts.Channel.contact"
CHANNELS_CHANGED = ngettext_lazy(
    "%(count)d channel changed since: left as it is.",
    "%(count)d channels changed since: left as they are.",
    "count",
)
LEFT[(CHANNELS, "changed")] = (CHANNELS_CHANGED, False)


def _count_channels(contact, user):
    return Channel.objects.filter(contact=contact).count()


def _move_channels(keep, other, now) -> dict:
    held = {channel.officer_id: channel for channel in Channel.objects.filter(contact=keep)}
    record = {"moved": [], "merged": []}
    for channel in Channel.objects.filter(contact=other).order_by("pk"):
        kept_channel = held.get(channel.officer_id)
        if kept_channel is None:
            Channel.objects.filter(pk=channel.pk).update(contact=keep)
            record["moved"].append(channel.pk)
        else:
            record["merged"].append(_merge_channel(kept_channel, channel, now))
    return record


def _merge_channel(kept: Channel, merged: Channel, now) -> dict:
    """Fold ``merged`` (the same officer's channel with the merged contact) into ``kept``:
    the shorter cadence, the higher priority, the livelier status, the earlier start and
    the later restart of the count; the latest touch is recomputed afterwards."""
    before = row_values(kept)
    kept.cadence_days = min(kept.cadence_days, merged.cadence_days)
    kept.priority = max(kept.priority, merged.priority, key=PRIORITY_RANK.__getitem__)
    kept.status = max(kept.status, merged.status, key=STATUS_RANK.__getitem__)
    kept.created_at = min(kept.created_at, merged.created_at)
    restarts = [at for at in (kept.count_restarted_at, merged.count_restarted_at) if at]
    kept.count_restarted_at = max(restarts) if restarts else None
    kept.save(update_fields=[*CHANNEL_FIELDS, "updated_at"])
    reminders = Reminder.objects.filter(channel=merged)
    reminder_ids = list(reminders.values_list("pk", flat=True))
    resolved = _resolve_second_due(kept, merged, now)
    reminders.update(channel=kept)
    record = {
        "kept": kept.pk,
        "before": before,
        "after": row_values(kept),
        "merged": row_values(merged),
        "reminders": reminder_ids,
        "resolved": resolved,
    }
    merged.delete()
    return record


def _resolve_second_due(kept: Channel, merged: Channel, now) -> list[dict]:
    """One pending due reminder per channel (a database constraint): when both channels
    have one, the later due one is resolved."""
    pending = list(
        Reminder.objects.filter(channel__in=[kept, merged], kind=Reminder.Kind.CHANNEL_DUE)
        .pending()
        .order_by("due_at", "pk")
    )
    resolved = []
    for reminder in pending[1:]:
        resolved.append(
            {"id": reminder.pk, "status": reminder.status, "snoozed_until": reminder.snoozed_until}
        )
        Reminder.objects.filter(pk=reminder.pk).update(
            status=Reminder.Status.RESOLVED, snoozed_until=None, closed_at=now
        )
    return resolved


def _undo_channels(keep, other, record, now) -> list[str]:
    left = []
    rows = Channel.objects.filter(pk__in=record["moved"], contact=keep)
    back = set(rows.values_list("pk", flat=True))
    rows.update(contact=other)
    left += left_rows(CHANNELS, "changed", Channel, set(record["moved"]) - back)
    for merged in record["merged"]:
        left += _unmerge_channel(keep, other, merged)
    return left


def _unmerge_channel(keep, other, record) -> list[str]:
    kept = Channel.objects.filter(pk=record["kept"], contact=keep).first()
    values = restorable(Channel, {**record["merged"], "contact_id": other.pk})
    if kept is None or values is None or Channel.objects.filter(pk=values["id"]).exists():
        return [gettext("A channel merged into another was changed since: left as it is.")]
    restored = Channel(**values)
    restored.save(force_insert=True)
    left = []
    after, before = from_json(Channel, record["after"]), from_json(Channel, record["before"])
    current = from_json(Channel, _json(row_values(kept)))
    if all(current[name] == after[name] for name in CHANNEL_FIELDS):
        Channel.objects.filter(pk=kept.pk).update(**{name: before[name] for name in CHANNEL_FIELDS})
    else:
        left.append(
            gettext("A channel's cadence, priority or status was changed since: left as it is.")
        )
    Reminder.objects.filter(pk__in=record["reminders"], channel=kept).update(channel=restored)
    for reminder in record["resolved"]:
        Reminder.objects.filter(pk=reminder["id"], status=Reminder.Status.RESOLVED).update(
            status=reminder["status"],
            snoozed_until=from_json(Reminder, {"snoozed_until": reminder["snoozed_until"]})[
                "snoozed_until"
            ],
            closed_at=None,
        )
    return left


# Grants: the union


def _move_grants(keep, other, now) -> dict:
    """The merged contact's grants move to the kept one, but for a user who holds one
    there already or who owns it now (who sees it anyway)."""
    record = {"moved": [], "dropped": []}
    held = set(Grant.objects.filter(contact=keep).values_list("user_id", flat=True))
    for grant in Grant.objects.filter(contact=other).order_by("pk"):
        if grant.user_id in held or grant.user_id == keep.owner_id:
            record["dropped"].append(row_values(grant))
            grant.delete()
        else:
            Grant.objects.filter(pk=grant.pk).update(contact=keep)
            record["moved"].append(grant.pk)
    return record


def _undo_grants(keep, other, record, now) -> list[str]:
    back = Grant.objects.filter(pk__in=record["moved"], contact=keep).update(contact=other)
    for values in record["dropped"]:
        values = restorable(Grant, {**values, "contact_id": other.pk})
        if values and not Grant.objects.filter(contact=other, user_id=values["user_id"]).exists():
            Grant(**values).save(force_insert=True)
    return left_as_is(
        len(record["moved"]) - back,
        ngettext_lazy(
            "%(count)d grant changed since: left as it is.",
            "%(count)d grants changed since: left as they are.",
            "count",
        ),
    )


def _count_grants(contact, user):
    return Grant.objects.filter(contact=contact).count()


# Exchanges: the contact links move; whoever reads them is checked after (_seal_widened)


def _count_exchanges(contact, user):
    return Exchange.objects.visible_to(user).filter(contacts=contact).count()


def _count_reminders(contact):
    return Reminder.objects.filter(channel__contact=contact).pending().count()


register(
    Relation(
        CHANNELS,
        "channels",
        _count_channels,
        _move_channels,
        _undo_channels,
        ngettext_lazy("%(count)d channel", "%(count)d channels", "count"),
    )
)
register(
    Relation(
        "contacts.Grant.contact",
        "grants",
        _count_grants,
        _move_grants,
        _undo_grants,
        ngettext_lazy("%(count)d grant", "%(count)d grants", "count"),
    )
)
register(
    many_to_many_union(
        "contacts.Exchange.contacts",
        Exchange._meta.get_field("contacts"),
        title="exchanges",
        count=_count_exchanges,
        moving=ngettext_lazy("%(count)d exchange", "%(count)d exchanges", "count"),
        unlinked=ngettext_lazy(
            "%(count)d exchange no longer linked to the kept contact: left as it is.",
            "%(count)d exchanges no longer linked to the kept contact: left as they are.",
            "count",
        ),
    )
)
register(
    many_to_many_union(
        "contacts.Contact.tags",
        Contact._meta.get_field("tags"),
        title="tags",
        moving=ngettext_lazy("%(count)d tag", "%(count)d tags", "count"),
        unlinked=ngettext_lazy(
            "%(count)d tag no longer linked to the kept contact: left as it is.",
            "%(count)d tags no longer linked to the kept contact: left as they are.",
            "count",
        ),
    )
)
register(
    moved_rows(
        "contacts.Affiliation.contact",
        Affiliation._meta.get_field("contact"),
        title="affiliations",
        moving=ngettext_lazy("%(count)d affiliation", "%(count)d affiliations", "count"),
        changed=ngettext_lazy(
            "%(count)d affiliation changed since: left as it is.",
            "%(count)d affiliations changed since: left as they are.",
            "count",
        ),
    )
)
# Earlier merges into the merged contact: they follow it to the kept one.
register(
    moved_rows(
        "contacts.ContactMerge.kept",
        ContactMerge._meta.get_field("kept"),
        title="contact merges",
        moving=ngettext_lazy("%(count)d contact merge", "%(count)d contact merges", "count"),
        changed=ngettext_lazy(
            "%(count)d contact merge changed since: left as it is.",
            "%(count)d contact merges changed since: left as they are.",
            "count",
        ),
    )
)
# Kept, re-pointed at the kept contact: who viewed the person.
register(
    moved_rows(
        "contacts.AccessLog.contact",
        AccessLog._meta.get_field("contact"),
        title="access log",
        moving=ngettext_lazy("%(count)d access log entry", "%(count)d access log entries", "count"),
        changed=ngettext_lazy(
            "%(count)d access log entry changed since: left as it is.",
            "%(count)d access log entries changed since: left as they are.",
            "count",
        ),
    )
)
