"""``{% may_log_exchange reminder as may_log %}``: whether a reminder's row, rendered on its
own (the answer to an htmx snooze), offers "Log exchange". Today's list decides for all its
rows at once (``trackii.today``).
"""

from django import template

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
