"""Today's rows (``contacts/_reminder_row.html``).

``{% may_log_exchange reminder as may_log %}``: whether a reminder's row, rendered on its
own (the answer to an htmx snooze), offers "Log exchange". Today's list decides for all its
rows at once (``trackii.today``).

``{% reminder_subject reminder as subject %}``: whom or what a reminder is about, for a
screen reader, once per row (each of the row's buttons repeats it).
"""

from django import template
from django.utils.html import format_html

from contacts import access
from trackii.today import Item, named_by

register = template.Library()


@register.simple_tag(takes_context=True)
def may_log_exchange(context, reminder) -> bool:
    request = context.get("request")
    if request is None or not reminder:
        return False
    named = named_by(Item(reminder.due_at, reminder=reminder))
    return bool(named) and access.may_log_exchange(request.user, named)


@register.simple_tag
def reminder_subject(reminder) -> str:
    """``: kind, names`` (or the event's title), hidden but to a screen reader; nothing
    for no reminder."""
    if not reminder:
        return ""
    if reminder.channel_id:
        about = reminder.channel.contact.full_name
    elif getattr(reminder, "exchange", None):
        about = ", ".join(contact.full_name for contact in reminder.exchange.contacts.all())
    elif getattr(reminder, "event_link", None):
        about = reminder.event_link.event.title
    else:
        about = ""
    kind = reminder.get_kind_display().lower()
    return format_html('<span class="visually-hidden">: {}, {}</span>', kind, about)
