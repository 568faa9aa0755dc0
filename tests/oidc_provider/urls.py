"""The test identity provider's URLs: django-oauth-toolkit under /o/ (the issuer), and a
plain sign-in form."""

from django.contrib.auth.views import LoginView
from django.urls import include, path

urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("accounts/login/", LoginView.as_view(template_name="oidc_provider/login.html")),
]
