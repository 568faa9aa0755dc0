"""Which language a person is written to in: an officer's own choice, a guest's.

The interface's languages are ``settings.LANGUAGES`` (English, Russian, Hebrew). An officer
picks theirs (the switcher, the account page: ``OfficerProfile.language``); blank follows
the browser. A contact's ``language`` is the one their invitations and answer page use;
blank takes the first of the interface's languages among the contact's ``languages``, in
the contact's own order, else the site's default (``settings.LANGUAGE_CODE``).
"""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from contacts.models import OfficerProfile

# Old or regional spellings of the interface's languages met in contacts' language lists.
ALIASES = {"iw": "he", "heb": "he", "rus": "ru", "eng": "en"}


def language_choices() -> list[tuple[str, str]]:
    """The interface's languages, each named in its own language, after a blank choice."""
    return [("", _("Automatic")), *settings.LANGUAGES]


def supported(code: str | None) -> str | None:
    """The interface language ``code`` names ("ru", "RU", "ru-RU", "ru_RU", "iw"...), or
    None."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-", 1)[0]
    base = ALIASES.get(base, base)
    return base if base in dict(settings.LANGUAGES) else None


def guest_language(contact) -> str:
    """The language of a contact's invitations and answer page."""
    chosen = supported(contact.language)
    if chosen:
        return chosen
    for code in contact.languages or []:
        found = supported(code) if isinstance(code, str) else None
        if found:
            return found
    return settings.LANGUAGE_CODE


# The script each interface language other than English is written in.
SCRIPTS = {"ru": "CYRILLIC", "he": "HEBREW"}


def guest_name(contact) -> str:
    """A guest's name as the active language writes it: their native name when it is in
    that language's script (Ирина Петрова in Russian, רות כהן in Hebrew), else their full
    name (in English, or a native name in another script)."""
    script = SCRIPTS.get(supported(get_language()) or "")
    native = contact.native_name.strip()
    if script and any(unicodedata.name(letter, "").startswith(script) for letter in native):
        return native
    return contact.full_name


def officer_language(user) -> str:
    """The language of a user's e-mails: their profile's choice, else the site's default."""
    # Without a profile the accessor raises a subclass of AttributeError.
    profile = getattr(user, "profile", None)
    return supported(profile.language if profile else "") or settings.LANGUAGE_CODE


def set_officer_language(user, code: str) -> None:
    """Store ``code`` as the user's own language (a profile is made when they have none,
    in the server's zone, as the account page shows them)."""
    OfficerProfile.objects.update_or_create(
        user=user,
        defaults={"language": code},
        create_defaults={"language": code, "timezone": settings.TIME_ZONE},
    )
