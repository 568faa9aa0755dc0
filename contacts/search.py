"""Substring search over names, in any script and any case, that PostgreSQL answers from
trigram indexes.

- On PostgreSQL a search is one ``OR`` of conditions that each read an index of the table
  searched: ``UPPER(column) LIKE UPPER('%term%')`` on the names (GIN trigram indexes,
  migration ``0012_search_trigram_indexes``), the folded keys (migration 0015), and, for a
  contact's organization, ``organization_id = ANY(ARRAY(the organizations found))``, an
  array computed once before the scan that the foreign key's index looks up. PostgreSQL
  combines them in one ``BitmapOr`` and visits each matching row once, where it then tests
  who may see it. (``organization_id IN (subquery)`` would be a test per row of the whole
  table, and a ``UNION`` of the branches visits a matching row once per branch and joins
  the union back to the table.) A term too short for a trigram reads the table once.
- On SQLite (the embedded default) ``LIKE`` folds ASCII only, so "ирина" would not find
  "Ирина": both sides go through Python's ``str.casefold`` there, registered as an SQL
  function on every SQLite connection.
"""

from __future__ import annotations

import operator
import re
from functools import reduce

from django.db.backends.signals import connection_created
from django.db.models import BooleanField, Expression, F, Q, Subquery
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


class InRows(Expression):
    """``column IN (rows)``: on PostgreSQL ``column = ANY(ARRAY(rows))``, which an index on
    the column answers (in a ``BitmapOr`` beside the other branches of a search), where
    ``IN (rows)`` is a hashed test of every row of the table."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, rows):
        super().__init__()
        self.column = F(column)
        self.rows = Subquery(rows)

    def get_source_expressions(self):
        return [self.column, self.rows]

    def set_source_expressions(self, exprs):
        self.column, self.rows = exprs

    def as_sql(self, compiler, connection):
        column_sql, column_params = compiler.compile(self.column)
        rows_sql, rows_params = compiler.compile(self.rows)
        return f"{column_sql} IN {rows_sql}", (*column_params, *rows_params)

    def as_postgresql(self, compiler, connection):
        column_sql, column_params = compiler.compile(self.column)
        rows_sql, rows_params = compiler.compile(self.rows)  # "(SELECT ...)"
        return f"{column_sql} = ANY(ARRAY{rows_sql})", (*column_params, *rows_params)


def indexable(term: str) -> bool:
    """Whether ``term`` holds a trigram an index can look up (three letters or digits)."""
    return bool(INDEXABLE.search(term))


def names_unless_keyed(columns: tuple[str, ...], keys: list[Q]) -> tuple[str, ...]:
    """The name columns to search beside the name keys' conditions ``keys``: none when
    there are such conditions, since a name that contains a term holds every word of the
    term, folded, in its key (the key is each name folded, and folding goes character by
    character); all for a term that folds to nothing (punctuation alone)."""
    return () if keys else columns


def any_contains(model, columns, term: str, *, also=()) -> Q:
    """The condition on ``model``'s rows that one of ``columns`` contains ``term`` in any
    case, or that one of the conditions ``also`` (a Q or a list of them) holds."""
    conditions = [Q(FoldedContains(F(column), term)) for column in columns]
    conditions += [also] if isinstance(also, Q) else list(also)
    return reduce(operator.or_, conditions)
