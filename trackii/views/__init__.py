"""Project-level pages: Today (it reads contacts and events) and the health check."""

from trackii.views.pages import healthz, today

__all__ = ["healthz", "today"]
