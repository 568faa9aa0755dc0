"""A deletion never touches what its author cannot see (DESIGN.md, "Access rules").

Deleting a row reaches further than the row: Django deletes what depends on it (an event's
invitations), empties what points at it (a contact's organization) and unlinks its
many-to-many rows (a contact from a programme). For anyone but a superuser, each of those
rows must be one the user may see; if one is not, the deletion is refused as "still in
use", the same words as for visible dependants, naming nothing. Web views, API and admin
all ask here, so no surface can differ.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.admin.utils import NestedObjects
from django.db import models, router
from django.utils.translation import gettext, gettext_noop

from contacts.errors import DomainError
from contacts.querysets import ContactQuerySet, ExchangeQuerySet, ExposesContactQuerySet

# Models whose visible_to is the need-to-know rule on the contacts they name. A reminder's
# own visible_to is also personal (whose reminder it is): that is not need-to-know, so a
# reminder is judged by the channel and exchange it names, like any other row.
NEED_TO_KNOW_QUERYSETS = (ContactQuerySet, ExposesContactQuerySet, ExchangeQuerySet)


class StillInUse(DomainError):
    """A deletion refused because other rows still depend on the object."""


# The models' own names (Django's, from the class name) of what a deletion may refuse, for
# the catalogues.
REFUSED_THINGS = (
    gettext_noop("contact"),
    gettext_noop("organization"),
    gettext_noop("event"),
    gettext_noop("programme"),
    gettext_noop("exchange"),
    gettext_noop("channel"),
    gettext_noop("invitation"),
    gettext_noop("tag"),
    gettext_noop("team"),
)


def still_in_use(obj: models.Model) -> StillInUse:
    """The refusal, worded alike whatever depends on ``obj`` and whoever may see it."""
    return StillInUse(
        gettext("This %(thing)s is still in use, so it is kept.")
        % {"thing": gettext(str(obj._meta.verbose_name))}
    )


def check_deletable(objs: Iterable[models.Model], *, user) -> None:
    """Raise ``StillInUse`` when deleting ``objs`` would delete or change a row ``user``
    may not see."""
    objs = list(objs)
    if objs and hidden_rows(collect(objs), user):
        raise still_in_use(objs[0])


def collect(objs: list[models.Model]) -> NestedObjects:
    """Every row that deleting ``objs`` would delete or change, as the admin collects it."""
    collector = NestedObjects(using=router.db_for_write(type(objs[0])), origin=objs)
    collector.collect(objs)
    return collector


def hidden_rows(collector: NestedObjects, user) -> set[tuple[type, object]]:
    """The (model, pk) of each collected row that ``user`` may not see."""
    if user.is_superuser:
        return set()
    rows: dict[type, set] = defaultdict(set)
    for model, instances in collector.data.items():
        rows[model].update(instance.pk for instance in instances)
    for instance in collector.protected:
        rows[type(instance)].add(instance.pk)
    for (field, _value), batches in collector.field_updates.items():
        for batch in batches:
            rows[field.model].update(
                batch.values_list("pk", flat=True)
                if isinstance(batch, models.QuerySet)
                else (instance.pk for instance in batch)
            )
    hidden = set()
    for model, pks in rows.items():
        if getattr(model, "DERIVED", False):
            # Derived from the contacts it names (a duplicate pair): it goes with them and
            # tells no one anything, so it never makes a deletion "still in use".
            continue
        hidden.update((model, pk) for pk in pks - _visible_pks(model, pks, user))
    return hidden


def _visible_pks(model, pks: set, user) -> set:
    """Those of ``pks`` naming only what ``user`` may see: the row itself for a
    need-to-know model, else every need-to-know row its foreign keys point at."""
    rows = model._default_manager.filter(pk__in=pks)
    if _is_need_to_know(model):
        rows = rows.visible_to(user)
    for field in model._meta.concrete_fields:
        if field.is_relation and _is_need_to_know(field.related_model):
            visible = field.related_model._default_manager.visible_to(user).values("pk")
            rows = rows.filter(
                models.Q(**{f"{field.name}__isnull": True})
                | models.Q(**{f"{field.name}__in": visible})
            )
    return set(rows.values_list("pk", flat=True))


def _is_need_to_know(model) -> bool:
    return isinstance(model._default_manager.all(), NEED_TO_KNOW_QUERYSETS)
