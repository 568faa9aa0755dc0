"""Project-level pages (they read both apps): one module per section."""

from trackii.views.indicators import (
    dashboard,
    dashboard_export,
    indicator_export,
    indicator_report,
)
from trackii.views.pages import healthz, network_health, today
from trackii.views.signals import signal_create, signal_list, signal_upload

__all__ = [
    "dashboard",
    "dashboard_export",
    "healthz",
    "indicator_export",
    "indicator_report",
    "network_health",
    "signal_create",
    "signal_list",
    "signal_upload",
    "today",
]
