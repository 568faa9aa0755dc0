"""Text of either direction inside the page's own: ``{{ name|bdi }}`` isolates a name or any
text a person typed (a Hebrew name in an English table, a Latin one in Hebrew text), so that
it never reorders the punctuation and numbers around it; ``{% back_arrow %}`` and
``{% forward_arrow %}`` point the way the page reads."""

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language_bidi

register = template.Library()


@register.filter
def bdi(value):
    """``value`` escaped, inside ``<bdi>``: its direction is its own, isolated from the
    text around it. Nothing for an empty value."""
    if value is None or value == "":
        return ""
    return format_html("<bdi>{}</bdi>", value)


@register.simple_tag
def back_arrow() -> str:
    """The arrow of a link to the previous page or month: ← left to right, → right to left."""
    return "→" if get_language_bidi() else "←"


@register.simple_tag
def forward_arrow() -> str:
    """The arrow of a link to the next page or month: → left to right, ← right to left."""
    return "←" if get_language_bidi() else "→"
