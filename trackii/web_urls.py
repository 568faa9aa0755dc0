"""The web app's URL map: sign-in, Today and each app's pages."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from trackii import views
from trackii.views.session import keep_alive

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
    path("account/", views.account, name="account"),
    path("session/keep-alive/", keep_alive, name="session_keep_alive"),
    path("", include("indicators.urls")),
    path("", include("contacts.urls")),
    path("", include("events.urls")),
]
