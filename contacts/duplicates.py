"""Possible duplicates: people who may already be contacts, and pairs of contacts who may be
one person.

Set-based: records are filed under blocking keys (``contacts.matching.blocking_keys``: name
and skeleton word prefixes, pairs of skeleton words, the e-mail and the phone) and only
records sharing a key are scored, never all pairs. A key shared by more than
``DUPLICATE_BLOCK_LIMIT`` contacts (a common first name) pairs nobody; the pair is still
found through its other keys (the surname, the two names together, the e-mail).

- ``find_for(user, people)``: the contacts visible to ``user`` that each person (a form's
  input, an import's rows) may be. A hidden contact is never a candidate, so nothing about
  it shows, not even that a candidate was dropped.
- ``find_pairs(now=...)``: the nightly run over the whole mission, filling the review queue
  (``DuplicatePair``); what a user is offered is filtered by ``DuplicatePair.objects
  .offered_to(user)``.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy

from contacts import matching
from contacts.errors import DomainError
from contacts.matching import Record
from contacts.models import Contact, DuplicatePair, Organization
from contacts.names import fold, keys

# find_for: up to this many people, the candidates are read through the name, e-mail and
# phone indexes (a query per chunk); beyond, the visible contacts' keys are read in one pass.
INDEXED_PEOPLE = 200
INDEXED_CHUNK = 50
# Rows read and pairs written per round trip.
READ_CHUNK = 5000
WRITE_BATCH = 1000


@dataclass(frozen=True)
class Person:
    """What is known of someone, from a form or an import row."""

    full_name: str
    native_name: str = ""
    email: str = ""
    phone: str = ""
    organization_name: str = ""
    birth_year: int | None = None


# The rules' names as the pages show them; stored, and sent by the API, as the codes.
REASONS = {
    "name": pgettext_lazy("what two records are alike in", "name"),
    "skeleton": pgettext_lazy("what two records are alike in", "name without vowels"),
    "email": pgettext_lazy("what two records are alike in", "e-mail"),
    "phone": pgettext_lazy("what two records are alike in", "phone"),
    "organization": pgettext_lazy("what two records are alike in", "organization"),
    "birth_year": pgettext_lazy("what two records are alike in", "birth year"),
}


def reasons_shown(reasons: Iterable[str]) -> str:
    """The rules a pair or a match met, in the reader's language: "name, e-mail"."""
    return ", ".join(str(REASONS.get(reason, reason)) for reason in reasons)


@dataclass(frozen=True)
class Match:
    """A visible contact a person may be: its id, the score and the names of the rules met
    (``name``, ``skeleton``, ``email``, ``phone``, ``organization``, ``birth_year``)."""

    contact_id: int
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class FinderResult:
    """What one nightly run did: contacts read, candidate pairs scored, pairs at or above
    the threshold, blocking keys skipped as too common, and open pairs dropped."""

    contacts: int
    compared: int
    found: int
    skipped_keys: int
    dropped: int


# Outside people: the create form, the import


def find_for(
    user, people: Sequence[Person], *, limit: int = 3, exclude: Iterable[int] = ()
) -> list[list[Match]]:
    """For each person, the contacts **visible to user** scoring at or above the threshold,
    best first (at most ``limit``); set-based (blocking on key prefixes, e-mail, phone), a
    few queries per thousand people, never one per person."""
    people = list(people)
    if not people:
        return []
    records = [_person_record(person) for person in people]
    organizations = [fold(person.organization_name) for person in people]
    visible = (
        Contact.objects.visible_to(user)
        .filter(erased_at__isnull=True)
        .exclude(pk__in=list(exclude))
        .order_by()
    )
    if len(people) <= INDEXED_PEOPLE:
        rows = _indexed_candidates(visible, records)
    else:
        rows = _all_candidates(visible)
    contacts, organization_names = rows
    keys_of = [matching.blocking_keys(contact) for contact in contacts]
    blocks = _blocks(keys_of)
    threshold = settings.DUPLICATE_THRESHOLD
    limit_per_key = settings.DUPLICATE_BLOCK_LIMIT
    found = []
    for record, organization in zip(records, organizations, strict=True):
        record_keys = matching.blocking_keys(record)
        candidates = set()
        for key in record_keys:
            members = blocks.get(key, ())
            if len(members) <= limit_per_key:
                candidates.update(members)
        matches = []
        for index in candidates:
            contact = contacts[index]
            if not matching.worth_scoring(record_keys & keys_of[index], record, contact):
                continue
            same_organization = organization and organization in organization_names.get(
                contact.organization_id, ()
            )
            person = dataclasses.replace(
                record, organization_id=contact.organization_id if same_organization else None
            )
            value, reasons = matching.score(person, contact)
            if value >= threshold:
                matches.append(Match(contact_id=contact.pk, score=value, reasons=reasons))
        matches.sort(key=lambda match: (-match.score, match.contact_id))
        found.append(matches[:limit])
    return found


def _person_record(person: Person) -> Record:
    search_key, name_skeleton = keys(person.full_name, person.native_name)
    return Record(
        pk=None,
        search_key=search_key,
        name_skeleton=name_skeleton,
        email_key=matching.email_key(person.email),
        phone_key=matching.phone_key(person.phone),
        organization_id=None,
        birth_year=person.birth_year,
    )


def _indexed_candidates(visible, records: list[Record]) -> tuple[list[Record], dict]:
    """The visible contacts sharing a blocking key with any of ``records``, read through
    the indexes: the e-mail and phone keys' b-trees, the name keys' trigram indexes (a word
    prefix is ``LIKE 'abc%' OR LIKE '% abc%'``). A pair of skeleton words needs no
    condition of its own: both words' prefixes are asked for already."""
    found: dict[int, tuple] = {}
    for start in range(0, len(records), INDEXED_CHUNK):
        condition = _candidate_condition(records[start : start + INDEXED_CHUNK])
        if condition is None:
            continue
        for row in visible.filter(condition).values_list(*matching.COLUMNS):
            found[row[0]] = row
    return _records(found.values())


def _candidate_condition(records: list[Record]) -> Q | None:
    emails = {record.email_key for record in records if record.email_key}
    phones = {record.phone_key for record in records if record.phone_key}
    condition = Q(pk__in=[])
    if emails:
        condition |= Q(email_key__in=emails)
    if phones:
        condition |= Q(phone_key__in=phones)
    for record in records:
        folded, skeletal = matching.word_prefixes(record)
        for column, prefixes in (("search_key", folded), ("name_skeleton", skeletal)):
            for prefix in prefixes:
                condition |= Q(**{f"{column}__startswith": prefix})
                condition |= Q(**{f"{column}__contains": " " + prefix})
    return None if condition == Q(pk__in=[]) else condition


def _all_candidates(visible) -> tuple[list[Record], dict]:
    """Every visible contact's keys, in one pass."""
    rows = visible.values_list(*matching.COLUMNS).iterator(chunk_size=READ_CHUNK)
    return _records(rows)


def _records(rows) -> tuple[list[Record], dict[int, set[str]]]:
    """The records of these rows, and the folded names of their organizations."""
    contacts = [Record(*row) for row in rows]
    organization_ids = {contact.organization_id for contact in contacts} - {None}
    names: dict[int, set[str]] = {}
    if organization_ids:
        for pk, name, native_name in Organization.objects.filter(
            pk__in=organization_ids
        ).values_list("pk", "name", "native_name"):
            names[pk] = {fold(name), fold(native_name)} - {""}
    return contacts, names


def _blocks(keys_of: list[set[str]]) -> dict[str, list[int]]:
    """Each blocking key and the indexes (into ``keys_of``) of the records filed under it."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, record_keys in enumerate(keys_of):
        for key in record_keys:
            blocks[key].append(index)
    return blocks


# The nightly run


def find_pairs(*, now) -> FinderResult:
    """Score every pair of contacts sharing a blocking key, over the whole mission, and
    keep those at or above ``DUPLICATE_THRESHOLD`` in the review queue: new pairs open,
    known ones rescored (a dismissed pair stays dismissed), open pairs no longer found
    dropped. Erased contacts are left out."""
    contacts = [
        Record(*row)
        for row in Contact.objects.filter(erased_at__isnull=True)
        .order_by("pk")
        .values_list(*matching.COLUMNS)
        .iterator(chunk_size=READ_CHUNK)
    ]
    found, compared, skipped = _score_blocks(contacts)
    with transaction.atomic():
        _save_pairs(found, now=now)
        dropped = _drop_stale(now=now)
    return FinderResult(
        contacts=len(contacts),
        compared=compared,
        found=len(found),
        skipped_keys=skipped,
        dropped=dropped,
    )


def _score_blocks(contacts: list[Record]) -> tuple[list[tuple], int, int]:
    """The pairs at or above the threshold as ``(a, b, score, reasons)`` (``a < b``), how
    many pairs were scored and how many keys were skipped as too common.

    A pair sharing several keys is scored once, in the block of the first key they share
    (in sorted order) that is not too common; no set of all pairs is built. A pair that
    cannot score (``matching.worth_scoring``: one shared word of their names) is not."""
    threshold, limit = settings.DUPLICATE_THRESHOLD, settings.DUPLICATE_BLOCK_LIMIT
    weights = settings.DUPLICATE_WEIGHTS
    keys_of = [matching.blocking_keys(contact) for contact in contacts]
    blocks = _blocks(keys_of)
    usable = {key for key, members in blocks.items() if 1 < len(members) <= limit}
    skipped = sum(1 for members in blocks.values() if len(members) > limit)
    found, compared = [], 0
    for key in usable:
        for first, second in itertools.combinations(blocks[key], 2):
            shared = keys_of[first] & keys_of[second]
            if min(shared & usable) != key:
                continue
            if not matching.worth_scoring(shared, contacts[first], contacts[second]):
                continue
            compared += 1
            one, other = contacts[first], contacts[second]
            value, reasons = matching.score(one, other, weights)
            if value >= threshold:
                low, high = sorted((one.pk, other.pk))
                found.append((low, high, value, list(reasons)))
    return found, compared, skipped


def _save_pairs(found: list[tuple], *, now) -> None:
    pairs = [
        DuplicatePair(contact_a_id=a, contact_b_id=b, score=value, reasons=reasons, found_at=now)
        for a, b, value, reasons in found
    ]
    # One statement per batch: new pairs are inserted open, known ones rescored in place
    # (their status, a dismissal included, is kept).
    DuplicatePair.objects.bulk_create(
        pairs,
        batch_size=WRITE_BATCH,
        update_conflicts=True,
        unique_fields=["contact_a", "contact_b"],
        update_fields=["score", "reasons", "found_at"],
    )


def _drop_stale(*, now) -> int:
    """Drop the open pairs this run did not find again, or missing a contact."""
    stale = Q(found_at__lt=now) | Q(contact_a__isnull=True) | Q(contact_b__isnull=True)
    deleted, _ = DuplicatePair.objects.filter(stale, status=DuplicatePair.Status.OPEN).delete()
    return deleted


# The review queue


@transaction.atomic
def dismiss_pair(*, pair: DuplicatePair, user, now) -> DuplicatePair:
    """Say the two contacts of an open pair are two people: the pair is never offered
    again, whatever later runs score it."""
    claimed = (
        DuplicatePair.objects.offered_to(user)
        .filter(pk=pair.pk)
        .update(status=DuplicatePair.Status.DISMISSED, decided_by=user, decided_at=now)
    )
    if not claimed:
        raise DomainError(gettext("This pair was decided already."))
    pair.refresh_from_db()
    return pair
