"""The e-mail state of a guest on the guest list (from events.mail.MESSAGES_PREFETCH), and
whether a reader may act on an event's guests."""

from django import template

from contacts.access import may_manage_events as _may_manage_events
from events import mail

register = template.Library()


@register.filter
def latest_mail(invitation):
    """The newest e-mail about this invitation, if any."""
    return next(iter(invitation.mail_messages.all()), None)


@register.filter
def needs_invitation_mail(invitation) -> bool:
    """The guest has an address and no invitation e-mail sent or under way."""
    return mail.needs_invitation_mail(invitation)


@register.filter
def may_manage_events(user) -> bool:
    """Whether the user invites guests and sends them e-mail."""
    return _may_manage_events(user)
