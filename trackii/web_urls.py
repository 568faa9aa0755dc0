"""The web app's URL map: sign-in, Today, network health, the indicators, signals and each
app's pages."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from trackii import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("", views.today, name="today"),
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
    path("", include("contacts.urls")),
    path("", include("events.urls")),
]
