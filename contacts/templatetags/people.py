"""``{{ user|person }}``: a user's full name, else their username."""

from django import template

from contacts.people import display_name

register = template.Library()


@register.filter
def person(user) -> str:
    return display_name(user)
