"""Finding the organizations a file names, by name in any case.

The comparison is made in Python (``str.lower``): SQLite's ``LOWER`` folds ASCII letters
only, and so does PostgreSQL's in a database whose ctype is ``C``, so "Институт" would not
meet "институт" there. The candidates are read through the folded name key
(``Organization.search_key`` starts with the folded name), which the trigram index serves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db.models import Q

from contacts.models import Organization
from contacts.names import fold

# Names asked for per query.
CHUNK_SIZE = 500


def named(names: Iterable[str]) -> dict[str, list[Organization]]:
    """The organizations of each of these names, any case, oldest first, by lower-case
    name."""
    wanted = {name.lower() for name in names if name}
    found: dict[str, list[Organization]] = defaultdict(list)
    keys = sorted(wanted)
    for start in range(0, len(keys), CHUNK_SIZE):
        conditions = [_condition(key) for key in keys[start : start + CHUNK_SIZE]]
        rows = Organization.objects.filter(reduce(or_, conditions))
        for organization in rows.order_by("pk"):
            if organization.name.lower() in wanted:
                found[organization.name.lower()].append(organization)
    return found


def _condition(key: str) -> Q:
    folded = fold(key)
    return Q(search_key__startswith=folded) if folded else Q(name=key)


def oldest_named(names: Iterable[str]) -> dict[str, int]:
    """The id of the oldest organization of each of these names, by lower-case name."""
    return {key: organizations[0].pk for key, organizations in named(names).items()}
