"""The indicators app's pages: network health, the dashboard, its exports and report,
signals. Names are not namespaced (they predate the app)."""

from django.urls import path

from indicators import views

urlpatterns = [
    path("health/", views.network_health, name="network_health"),
    path("indicators/", views.dashboard, name="dashboard"),
    path("indicators/report/", views.indicator_report, name="indicator_report"),
    path(
        "indicators/export.csv",
        views.dashboard_export,
        {"file_format": "csv"},
        name="dashboard_export_csv",
    ),
    path(
        "indicators/export.xlsx",
        views.dashboard_export,
        {"file_format": "xlsx"},
        name="dashboard_export_xlsx",
    ),
    path(
        "indicators/<slug:name>/export.csv",
        views.indicator_export,
        {"file_format": "csv"},
        name="indicator_export_csv",
    ),
    path(
        "indicators/<slug:name>/export.xlsx",
        views.indicator_export,
        {"file_format": "xlsx"},
        name="indicator_export_xlsx",
    ),
    path("signals/", views.signal_list, name="signal_list"),
    path("signals/new/", views.signal_create, name="signal_create"),
    path("signals/upload/", views.signal_upload, name="signal_upload"),
]
