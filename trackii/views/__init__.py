"""Project-level pages: Today (it reads contacts and events), My account and the health
check."""

from trackii.views.account import account
from trackii.views.pages import healthz, today

__all__ = ["account", "healthz", "today"]
