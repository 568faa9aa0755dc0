"""Substring search over names, in any script and any case, that PostgreSQL answers from
trigram indexes.

- On PostgreSQL a search is a ``UNION ALL`` of one branch per column, each
  ``UPPER(column) LIKE UPPER('%term%')``: each branch reads its column's GIN trigram index
  (migration ``0012_search_trigram_indexes``), where one ``OR`` across the columns, or
  across a join to the organizations, reads every row. A term too short for a trigram is
  that one ``OR``.
- On SQLite (the embedded default) ``LIKE`` folds ASCII only, so "ирина" would not find
  "Ирина": both sides go through Python's ``str.casefold`` there, registered as an SQL
  function on every SQLite connection.
"""

from __future__ import annotations

import operator
import re
from functools import reduce

from django.db.backends.signals import connection_created
from django.db.models import F, Q
from django.db.models.lookups import IContains
from django.dispatch import receiver

from contacts.names import fold, skeleton_of_folded

SQLITE_CASEFOLD = "trackii_casefold"
# What a trigram index can look up: three letters or digits in a row.
INDEXABLE = re.compile(r"[^\W_]{3}")

# The columns searched, each with a trigram index on PostgreSQL (migration 0012).
CONTACT_NAMES = ("full_name", "native_name")
ORGANIZATION_NAMES = ("name", "native_name")
ORGANIZATION_NAMES_AND_PLACE = ("name", "native_name", "city")


def _casefold(value):
    return value.casefold() if isinstance(value, str) else value


@receiver(connection_created)
def fold_case_on_sqlite(sender, connection, **kwargs):
    """Give every SQLite connection ``trackii_casefold(text)``, Python's case folding."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_CASEFOLD, 1, _casefold, deterministic=True)


class FoldedContains(IContains):
    """``icontains`` folding case in every script: PostgreSQL's ``UPPER`` already does (in a
    UTF-8 ctype, and its trigram indexes are on ``UPPER(column)``); SQLite's ``LIKE`` does not,
    so both sides are case-folded there first."""

    def as_sqlite(self, compiler, connection):
        lhs_sql, params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        params = (*params, *rhs_params)
        rhs_sql = self.get_rhs_op(connection, f"{SQLITE_CASEFOLD}({rhs_sql})")
        return f"{SQLITE_CASEFOLD}({lhs_sql}) {rhs_sql}", params


def key_conditions(term: str) -> list[Q]:
    """The conditions that a row's name keys (``contacts/names.py``) hold ``term``: every word
    of the term folded to Latin is in ``search_key``, so "Ирина", "irina petrova" and
    "Petrova Irina" find "Irina Petrova"; and, when its consonant skeleton has a word of
    three letters or more, every skeleton word is in ``name_skeleton``, so "David Levi"
    finds "דוד לוי". Each is one trigram-indexed branch on PostgreSQL (migration 0015)."""
    folded = fold(term)
    if not folded:
        return []
    conditions = [reduce(operator.and_, (Q(search_key__contains=w) for w in folded.split()))]
    bones = skeleton_of_folded(folded).split()
    if any(len(bone) >= 3 for bone in bones):
        conditions.append(reduce(operator.and_, (Q(name_skeleton__contains=b) for b in bones)))
    return conditions


def any_contains(model, columns, term: str, *, also=()) -> Q:
    """The condition on ``model``'s rows that one of ``columns`` contains ``term`` in any
    case, or that one of the conditions ``also`` (a Q or a list of them) holds."""
    conditions = [Q(FoldedContains(F(column), term)) for column in columns]
    conditions += [also] if isinstance(also, Q) else list(also)
    if not INDEXABLE.search(term):
        # No three letters in a row: no trigram to look up, and the index would be read
        # whole (2 s for "i" at 100,000 contacts), where one pass over the table costs 0.1 s.
        return reduce(operator.or_, conditions)
    rows = model._base_manager.order_by()
    branches = [rows.filter(condition).values("pk") for condition in conditions]
    return Q(pk__in=branches[0].union(*branches[1:], all=True))
