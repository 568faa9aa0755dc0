"""Roles (Django groups) and the checks built on them."""

from django.core.exceptions import PermissionDenied
from django.db import models


class Role(models.TextChoices):
    OFFICER = "officer", "Officer"
    PLANNER = "planner", "Event planner"
    LEAD = "lead", "Lead"
    ANALYST = "analyst", "Analyst"
    ADMIN = "admin", "Admin"


# Who writes what, for the web app and the API alike; everyone signed in reads.
EDITORS = (Role.OFFICER, Role.LEAD, Role.ADMIN)  # contacts, exchanges, grants, signals
ORGANIZATION_WRITERS = (Role.OFFICER, Role.PLANNER, Role.LEAD, Role.ADMIN)
# Network health and the strategy indicators: aggregates for leads, analysts and admins.
NETWORK_READERS = (Role.LEAD, Role.ANALYST, Role.ADMIN)


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
    return user.groups.filter(name=role).exists()
