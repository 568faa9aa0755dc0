"""The admin's changelist filters never cross to rows a reader may not see.

Django's admin allows any filter that crosses one relation by id: ``?contacts=70`` on the
organizations, ``?participants=70`` on the programmes or ``?owned_contacts=70`` on the users
counted rows linked to a contact the reader may not see, and so told that it exists, its
organization, programmes, owner and tags. ``GuardedLookupsMixin`` refuses such a filter (a
400, whether the id names a hidden row or none) unless it is one of the admin's own
``list_filter``, which list only what the reader may see. Every admin of the site has it:
``tests/contacts/test_admin_lookups.py`` walks them all.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP

from contacts.models import Contact


def names_contacts(model) -> bool:
    """Whether ``model``'s rows may be hidden from a reader: a contact, a model with its own
    ``visible_to``, or one that names a contact (a foreign key or many-to-many to it)."""
    if model is Contact or hasattr(model._default_manager, "visible_to"):
        return True
    return any(
        field.related_model is Contact
        for field in model._meta.get_fields()
        if field.is_relation and not field.auto_created
    )


def reaches_hidden_rows(model, lookup: str) -> bool:
    """Whether the changelist filter ``lookup`` on ``model`` (``contacts__id__in``,
    ``participants``, ``invitations__contact``...) crosses a relation to rows that may be
    hidden (``names_contacts``)."""
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
        if names_contacts(model):
            return True
    return False


class GuardedLookupsMixin:
    """Refuse a changelist filter that crosses to rows a reader may not see, unless it is
    one of the admin's own ``list_filter``. Superusers see every row: theirs are not."""

    def lookup_allowed(self, lookup, value, request):
        if (
            not request.user.is_superuser
            and reaches_hidden_rows(self.model, lookup)
            and not self._is_own_filter(lookup)
        ):
            return False
        return super().lookup_allowed(lookup, value, request)

    def _is_own_filter(self, lookup: str) -> bool:
        for spec in self.list_filter:
            path = spec[0] if isinstance(spec, list | tuple) else spec
            if isinstance(path, str) and (lookup == path or lookup.startswith(path + LOOKUP_SEP)):
                return True
        return False
