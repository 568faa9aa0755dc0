"""Roles (Django groups) and the checks built on them."""

from django.db import models


class Role(models.TextChoices):
    OFFICER = "officer", "Officer"
    PLANNER = "planner", "Event planner"
    LEAD = "lead", "Lead"
    ANALYST = "analyst", "Analyst"
    ADMIN = "admin", "Admin"


def has_role(user, role: str) -> bool:
    """Whether an active user holds a role; superusers hold every role."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=role).exists()
