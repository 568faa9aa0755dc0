"""The indicators app's pages: the dashboard, its exports and report, network health and
signals; one module per section."""

from indicators.views.dashboard import (
    dashboard,
    dashboard_export,
    indicator_export,
    indicator_report,
)
from indicators.views.health import network_health
from indicators.views.signals import signal_create, signal_list, signal_upload

__all__ = [
    "dashboard",
    "dashboard_export",
    "indicator_export",
    "indicator_report",
    "network_health",
    "signal_create",
    "signal_list",
    "signal_upload",
]
