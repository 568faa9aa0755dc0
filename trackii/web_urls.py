"""The web app's URL map: sign-in, Today and each app's pages."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from trackii import views
from trackii.views import security
from trackii.views.language import set_language
from trackii.views.session import keep_alive

urlpatterns = [
    # Sign-in is allauth's (/accounts/login/, then the second factor); the old address,
    # bookmarked or in a link, goes there with its ?next=.
    path(
        "login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="login",
    ),
    # Admins set users' e-mail addresses (the admin's user page): allauth's page to manage
    # them, and its second password-change page, lead to the account page and ours.
    path("accounts/email/", RedirectView.as_view(pattern_name="account")),
    path("accounts/password/change/", RedirectView.as_view(pattern_name="password_change")),
    # allauth's list of sessions is the Security page's (with API tokens and team sign-out).
    path("accounts/sessions/", RedirectView.as_view(pattern_name="security")),
    path("accounts/", include("allauth.urls")),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("", views.today, name="today"),
    path("account/", views.account, name="account"),
    path("account/security/", security.security, name="security"),
    path("account/security/sessions/end/", security.session_end, name="security_session_end"),
    path(
        "account/security/sessions/end-others/",
        security.sessions_end_others,
        name="security_sessions_end_others",
    ),
    path("account/security/tokens/new/", security.token_new, name="security_token_new"),
    path("account/security/tokens/revoke/", security.token_revoke, name="security_token_revoke"),
    path("account/security/team/", security.team, name="security_team"),
    path("account/security/team/sign-out/", security.sign_out_user, name="security_sign_out_user"),
    path("session/keep-alive/", keep_alive, name="session_keep_alive"),
    # The language switcher (Django's django.conf.urls.i18n path, with the user's choice kept).
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("indicators.urls")),
    path("", include("contacts.urls")),
    path("", include("events.urls")),
]
