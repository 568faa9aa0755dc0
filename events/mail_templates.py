"""The per-event text of invitation e-mails: its placeholders, checked when it is saved and
filled when a message is composed.

An event keeps the default subject and text (English) until a planner changes them; an
event that keeps them is written to each guest in the guest's language (``subject_for``,
``text_for``). A text a planner wrote is sent as written.
"""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy, gettext_noop

PLACEHOLDERS = {
    "name": gettext_lazy("the guest's name"),
    "event": gettext_lazy("the event's title"),
    "when": gettext_lazy("the date and time, in the event's own zone"),
    "venue": gettext_lazy("the venue (or the online link)"),
    "rsvp_link": gettext_lazy("the guest's own link to answer"),
}
DEFAULT_SUBJECT = gettext_noop("Invitation: {event}")
DEFAULT_TEXT = gettext_noop(
    "Dear {name},\n\n"
    "We would be delighted to welcome you to {event}.\n\n"
    "When: {when}\n"
    "Where: {venue}\n\n"
    "Please let us know whether you can attend (no account needed):\n"
    "{rsvp_link}\n\n"
    "With kind regards"
)


def subject_for(event) -> str:
    """The event's invitation subject; the default one in the active language."""
    subject = event.invitation_subject
    return gettext(DEFAULT_SUBJECT) if subject in ("", DEFAULT_SUBJECT) else subject


def text_for(event) -> str:
    """The event's invitation text; the default one in the active language."""
    text = event.invitation_text
    # Line ends as a browser posts them, so that a default saved again from the form counts.
    return gettext(DEFAULT_TEXT) if text.replace("\r\n", "\n") in ("", DEFAULT_TEXT) else text


def placeholders_in(text: str) -> list[str]:
    """The placeholder names a text uses, in order; ValueError when a brace is unmatched."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def validate_mail_template(text: str) -> None:
    """Refuse unmatched braces and any placeholder but PLACEHOLDERS (bare names only:
    ``{name.attribute}`` or ``{name!r}`` would reach into Python objects)."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise ValidationError(
            gettext("A brace is not closed. Write {{ or }} for a literal brace."), code="braces"
        ) from error
    known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise ValidationError(
                gettext("Unknown placeholder {%(placeholder)s}. Use %(known)s."),
                code="placeholder",
                params={
                    "placeholder": name + (f"!{conversion}" if conversion else ""),
                    "known": known,
                },
            )


def fill(text: str, values: dict[str, str]) -> str:
    """The text with each placeholder replaced (the text is valid: see validate_mail_template)."""
    return text.format_map({name: values[name] for name in PLACEHOLDERS})
