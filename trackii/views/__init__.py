"""Project-level pages: Today (it reads contacts and events) and My account; the operator's
health endpoints are in trackii.views.health."""

from trackii.views.account import account
from trackii.views.pages import today

__all__ = ["account", "today"]
