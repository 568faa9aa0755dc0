"""Roles (Django groups) and every permission rule built on them, one predicate each."""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("Officer")
    PLANNER = "planner", _("Event planner")
    LEAD = "lead", _("Lead")
    ANALYST = "analyst", _("Analyst")
    ADMIN = "admin", _("Admin")


# Who writes what, for the web app and the API alike; everyone signed in reads.
EDITORS = (Role.OFFICER, Role.LEAD, Role.ADMIN)  # contacts, exchanges, grants, signals
ORGANIZATION_WRITERS = (Role.OFFICER, Role.PLANNER, Role.LEAD, Role.ADMIN)
# Network health and the strategy indicators: aggregates for leads, analysts and admins.
NETWORK_READERS = (Role.LEAD, Role.ANALYST, Role.ADMIN)
# Events, invitations, check-in and guests' RSVP links.
PROGRAMME_MANAGERS = (Role.PLANNER, Role.LEAD, Role.ADMIN)  # write programmes
EVENT_MANAGERS = (Role.PLANNER, Role.ADMIN)


# The attribute of a user object that keeps its group names (roles_of, forget_roles).
ROLES_CACHE = "_trackii_roles"


# The role groups: holding one is what makes a user staff (DESIGN.md, access rules).
ROLES = frozenset(Role.values)


def is_staff_member(user) -> bool:
    """Signed in, active, and a superuser or holding a role: who may see anything at all
    (``visible_to``) or keep a calendar feed. An account without a role (made by an admin,
    or by single sign-on's auto-provisioning) is not staff until an admin gives it one."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or bool(roles_of(user) & ROLES)


def has_any_role(user, roles) -> bool:
    """Whether an active user holds one of ``roles``."""
    return any(has_role(user, role) for role in roles)


def require_any_role(user, roles, why: str) -> None:
    """403 (``PermissionDenied``, saying ``why``) unless the user holds one of ``roles``."""
    if not has_any_role(user, roles):
        raise PermissionDenied(why)


def has_role(user, role: str) -> bool:
    """Whether an active user holds a role; superusers hold every role."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return role in roles_of(user)


def roles_of(user) -> frozenset[str]:
    """The names of the user's groups, read by one query and then kept on this user object
    for its lifetime (a request's user, a task's): each permission check asks again."""
    roles = getattr(user, ROLES_CACHE, None)
    if roles is None:
        roles = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, ROLES_CACHE, roles)
    return roles


def forget_roles(user) -> None:
    """Drop the roles kept on this user object, so that the next check reads them again.
    Changing the groups through the object itself (``user.groups.add(...)``) does this
    (contacts.receivers); call it after changing them any other way."""
    if hasattr(user, ROLES_CACHE):
        delattr(user, ROLES_CACHE)


def is_owner(user, contact) -> bool:
    """Whether the user owns the contact (a superuser acts as every contact's owner)."""
    return user.is_superuser or contact.owner_id == user.pk


def may_manage_grants(user, contact) -> bool:
    """Whether the user grants and revokes access to a restricted or protected contact."""
    return contact.sensitivity != "standard" and is_owner(user, contact)


def may_change_exchange(user, exchange) -> bool:
    """Whether the user changes or deletes the exchange: its author, its officers, superusers."""
    return type(exchange).objects.changeable_by(user).filter(pk=exchange.pk).exists()


def may_manage_channel(user, channel) -> bool:
    """Whether the user changes, pauses, closes or deletes the channel: its officer, superusers."""
    return user.is_superuser or channel.officer_id == user.pk


def may_open_channel(user) -> bool:
    """Whether the user opens a channel for themself: officers, leads and admins, as for
    every write of the API's channels/."""
    return has_any_role(user, EDITORS)


def may_log_exchange(user, contacts=None) -> bool:
    """Whether the user logs an exchange with these (visible) contacts: officers, leads
    and admins with anyone; anyone else with contacts they each hold a channel with.
    Without contacts: whether the user may log an exchange with someone at all."""
    if has_any_role(user, EDITORS):
        return True
    if not (user and user.is_authenticated and user.is_active):
        return False
    held = user.channels.model.objects.visible_to(user).filter(officer=user)
    if contacts is None:
        return held.exists()
    wanted = {getattr(contact, "pk", contact) for contact in contacts}
    return bool(wanted) and wanted <= set(
        held.filter(contact__in=wanted).values_list("contact_id", flat=True)
    )


def may_import(user) -> bool:
    """Whether the user imports contacts and organizations from a file: officers, leads
    and admins (who write contacts)."""
    return has_any_role(user, EDITORS)


def may_read_notes(user) -> bool:
    """Whether the user reads private notes: all but analysts who hold no editor's role."""
    if user.is_superuser:
        return True
    roles = roles_of(user)
    return not (Role.ANALYST in roles and not roles & set(EDITORS))


def may_manage_events(user) -> bool:
    """Whether the user creates and edits events, invites guests and checks them in."""
    return has_any_role(user, EVENT_MANAGERS)


def may_act_on_reminder(user, reminder) -> bool:
    """Whether the user snoozes or dismisses the reminder: its recipient, superusers."""
    return user.is_superuser or reminder.recipient_id == user.pk


def may_export(user, contact) -> bool:
    """Whether the user answers a contact's data-subject request: leads, admins and the
    contact's owner (analysts never)."""
    return has_any_role(user, (Role.ADMIN, Role.LEAD)) or contact.owner_id == user.pk


def may_erase(user) -> bool:
    """Whether the user erases a contact's personal data: admins only."""
    return has_role(user, Role.ADMIN)


def may_merge(user) -> bool:
    """Whether the user merges two contacts they may both see, and undoes a merge: officers,
    leads and admins, who change contacts (a hidden contact is a 404 before this is asked)."""
    return has_any_role(user, EDITORS)
