"""``{{ user|person }}``: a user's full name, else their username;
``{{ pair.reasons|duplicate_reasons }}``: what two records are alike in."""

from django import template

from contacts.duplicates import reasons_shown
from contacts.people import display_name

register = template.Library()


@register.filter
def person(user) -> str:
    return display_name(user)


@register.filter
def duplicate_reasons(reasons) -> str:
    """``{{ pair.reasons|duplicate_reasons }}``: the rules a possible duplicate met, in the
    reader's language."""
    return reasons_shown(reasons or ())
