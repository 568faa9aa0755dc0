"""How alike two people are: the keys that block candidate pairs and the weighted score.

Pure functions over a few stored values (no queries), shared by the nightly finder, the
create form's warning and the import's preview (``contacts/duplicates.py``):

- ``phone_key``: the number in E.164 (phonenumbers; numbers written without a country
  code are read in ``PHONE_DEFAULT_REGION``), empty when it is not a possible number.
- ``email_key``: the address, trimmed and lower-case.
- ``blocking_keys``: the keys a record is filed under; only records sharing a key are ever
  compared (never all pairs). Each word of the folded name gives its first four letters,
  each word of the consonant skeleton its first three (so "דוד לוי" and "David Levi" meet),
  each pair of those prefixes one key (two common words together are rare: "Anna" and
  "Levi" each block nothing, "Anna Levi" does), and the e-mail and phone keys one each.
- ``score``: CiviCRM-style weighted rules (``DUPLICATE_WEIGHTS``), see ``score``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from rapidfuzz import fuzz

# A name ratio (0-100) below this earns nothing: "Anna Levi" and "Hanna Lev" are others.
NAME_MIN_RATIO = 85
FOLDED_PREFIX = 4
SKELETON_PREFIX = 3
# Words of the folded name shorter than this ("v" of "Irina V.") file nothing.
FOLDED_MIN_WORD = 3
SKELETON_MIN_WORD = 2
# Only the first words pair up: a long name would file dozens of keys.
PAIRED_WORDS = 4
# The columns of a record that matching reads, in this order (``Record``).
COLUMNS = (
    "pk",
    "search_key",
    "name_skeleton",
    "email_key",
    "phone_key",
    "organization_id",
    "birth_year",
)


def phone_key(phone: str | None) -> str:
    """``phone`` in E.164 ("+972501234567"), or "" when it is no possible number."""
    if not phone or not phone.strip():
        return ""
    try:
        number = phonenumbers.parse(phone, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_key(email: str | None) -> str:
    """``email`` trimmed and in lower case ("" for none)."""
    return (email or "").strip().lower()


@dataclass(frozen=True, slots=True)
class Record:
    """What matching reads of a contact or of a person from outside (``COLUMNS``)."""

    pk: int | None
    search_key: str
    name_skeleton: str
    email_key: str
    phone_key: str
    organization_id: int | None
    birth_year: int | None


def blocking_keys(record: Record) -> set[str]:
    """The keys ``record`` is filed under (see the module's docstring)."""
    found = set()
    folded_words = []
    for word in record.search_key.split():
        if len(word) >= FOLDED_MIN_WORD:
            found.add("k:" + word[:FOLDED_PREFIX])
            folded_words.append(word[:FOLDED_PREFIX])
    skeleton_words = []
    for word in record.name_skeleton.split():
        if len(word) >= SKELETON_MIN_WORD:
            found.add("s:" + word[:SKELETON_PREFIX])
            skeleton_words.append(word[:SKELETON_PREFIX])
    for kind, words in (("f", folded_words), ("n", skeleton_words)):
        for first, second in itertools.combinations(sorted(set(words[:PAIRED_WORDS])), 2):
            found.add(f"{kind}:{first}|{second}")
    if record.email_key:
        found.add("e:" + record.email_key)
    if record.phone_key:
        found.add("p:" + record.phone_key)
    return found


def worth_scoring(shared: set[str], one: Record, other: Record) -> bool:
    """Whether two records sharing these blocking keys can reach a score at all: one of the
    e-mail, the phone or a pair of words, or two keys of their names (a single
    shared word, "Anna" of "Anna Levi" and "Anna Smith", is no name match), or a name of one
    word."""
    if len(shared) >= 2 or any(key[0] in "epfn" for key in shared):
        return True
    return len(one.search_key.split()) < 2 or len(other.search_key.split()) < 2


def word_prefixes(record: Record) -> tuple[set[str], set[str]]:
    """The folded-name and skeleton word prefixes ``blocking_keys`` files ``record`` under
    (what a query asks the name indexes for)."""
    keys = blocking_keys(record)
    return (
        {key[2:] for key in keys if key.startswith("k:")},
        {key[2:] for key in keys if key.startswith("s:")},
    )


def score(one: Record, other: Record, weights: dict[str, int] | None = None) -> tuple[int, tuple]:
    """How alike two records are, 0 to 100, and the rules they met (their names only).

    ``name``: the folded names' ``token_set_ratio`` (word order and extra words do not
    count: "Petrova, Irina V." is "Irina Petrova") when they share two words, else their
    ``token_sort_ratio`` ("Anna" is not "Anna Smith"); ``skeleton``: the same on the
    skeletons (Hebrew written without vowels). The better of the two counts, its weight
    times the ratio, when the ratio is at least ``NAME_MIN_RATIO``. ``email``, ``phone``,
    ``organization``: equal and not empty. ``birth_year``: equal, half for one year apart,
    and its weight taken off when both are known and further apart (another person of the
    same name)."""
    weights = weights or settings.DUPLICATE_WEIGHTS
    total, reasons = 0.0, []
    name = _ratio(one.search_key, other.search_key) * weights["name"]
    skeleton = _ratio(one.name_skeleton, other.name_skeleton) * weights["skeleton"]
    if max(name, skeleton) > 0:
        total += max(name, skeleton)
        reasons.append("name" if name >= skeleton else "skeleton")
    for rule, mine, theirs in (
        ("email", one.email_key, other.email_key),
        ("phone", one.phone_key, other.phone_key),
        ("organization", one.organization_id, other.organization_id),
    ):
        if mine and mine == theirs:
            total += weights[rule]
            reasons.append(rule)
    if one.birth_year and other.birth_year:
        apart = abs(one.birth_year - other.birth_year)
        if apart <= 1:
            total += weights["birth_year"] / (1 if apart == 0 else 2)
            reasons.append("birth_year")
        else:
            total -= weights["birth_year"]
    return max(0, min(100, round(total))), tuple(reasons)


def _ratio(one: str, other: str) -> float:
    """The token_set_ratio of two keys as a fraction, 0 below ``NAME_MIN_RATIO``."""
    if not one or not other:
        return 0.0
    words, other_words = set(one.split()), set(other.split())
    # token_set_ratio gives 100 whenever one name's words are among the other's: enough
    # when they share two words ("Petrova, Irina V."), not for "Anna" and "Anna Smith".
    if len(words & other_words) >= min(2, max(len(words), len(other_words))):
        ratio = fuzz.token_set_ratio(one, other)
    else:
        ratio = fuzz.token_sort_ratio(one, other)
    return ratio / 100 if ratio >= NAME_MIN_RATIO else 0.0
