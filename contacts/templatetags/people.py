"""``{{ user|person }}``: a user's full name, else their username;
``{{ pair.reasons|duplicate_reasons }}``: what two records are alike in;
``{{ contact.languages|language_names }}``: the languages a contact speaks, named in the
reader's language; ``{% sensitivity_badge contact %}``: its sensitivity as a badge."""

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from contacts.duplicates import reasons_shown
from contacts.models import Sensitivity
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


@register.filter
def language_names(codes) -> str:
    """Language codes ("he", "en") as names in the reader's language ("Hebrew, English";
    "иврит, английский"); a code Django does not know stays as it is."""
    names = []
    for code in codes or ():
        try:
            names.append(str(get_language_info(code)["name_translated"]))
        except KeyError:
            names.append(code)
    return ", ".join(names)


@register.simple_tag
def sensitivity_badge(contact) -> str:
    """A contact's sensitivity as a badge (its class styles protected and restricted apart):
    a tag rather than an included template, which cost as much as the rest of a row of
    the contacts list."""
    if contact.sensitivity == Sensitivity.PROTECTED:
        return format_html('<span class="badge protected">{}</span>', _("Protected"))
    if contact.sensitivity == Sensitivity.RESTRICTED:
        return format_html('<span class="badge restricted">{}</span>', _("Restricted"))
    return format_html('<span class="badge">{}</span>', _("Standard"))
