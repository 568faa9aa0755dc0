"""How Track II uses django-allauth (settings ACCOUNT_ADAPTER, MFA_ADAPTER): no sign-up,
wrong passwords counted by django-axes alone, the second factor (never the password alone)
to confirm one's identity when one has it, WebAuthn under the configured host name, and the
name django-axes counts failures against (AXES_USERNAME_CALLABLE); and the backend that
reads a signed-in user with their officer profile (AUTHENTICATION_BACKENDS)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

SITE_NAME = "Track II"
QUIET_MESSAGES = frozenset({"account/messages/logged_in.txt", "account/messages/logged_out.txt"})


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are made by admins (the admin's user pages), never by a visitor."""

    def is_open_for_signup(self, request):
        return False

    def add_message(self, request, level, message_template=None, *args, **kwargs):
        """No "Successfully signed in/out" notice: the page that follows says who is signed
        in (the header), or shows the sign-in form."""
        if message_template in QUIET_MESSAGES:
            return
        super().add_message(request, level, message_template, *args, **kwargs)

    def pre_authenticate(self, request, **credentials):
        """No allauth limit on wrong passwords: django-axes counts them and answers with the
        lockout page (AXES_FAILURE_LIMIT); allauth's limit would answer first, with a form
        error that axes never sees. allauth's limit on wrong second-factor codes stays."""

    def get_reauthentication_methods(self, user):
        """A user with a second factor confirms with it, never with the password alone:
        the password is what a thief is most likely to hold. allauth's confirmation pages
        offer only these (its password page sends such a user to the factor's)."""
        methods = super().get_reauthentication_methods(user)
        if user.is_authenticated and is_mfa_enabled(user):
            methods = [method for method in methods if method["id"] != "reauthenticate"]
        return methods

    def get_login_stages(self):
        """allauth's sign-in stages, its second-factor step replaced by trackii.sso's, which
        lets a single sign-on whose ``amr`` OIDC_AMR_SATISFIES_MFA accepts skip it."""
        return [
            "trackii.sso.AuthenticateStage"
            if stage == "allauth.mfa.stages.AuthenticateStage"
            else stage
            for stage in super().get_login_stages()
        ]


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self):
        return SITE_NAME

    def build_totp_svg(self, url):
        """The QR code as an inline <svg> element, without the XML declaration."""
        svg = super().build_totp_svg(url)
        return svg[svg.index("<svg") :]

    def get_public_key_credential_rp_entity(self):
        """WebAuthn's relying party: the configured host name (WEBAUTHN_RP_ID), not the
        Host header of the request."""
        return {"id": settings.WEBAUTHN_RP_ID, "name": SITE_NAME}


def axes_username(request, credentials=None):
    """The name django-axes counts sign-in failures against (AXES_USERNAME_CALLABLE).

    Django's authenticate() passes ``username`` (allauth's form, the API token endpoint);
    without credentials the posted field is allauth's ``login`` or the API's ``username``.
    """
    if credentials:
        return credentials.get("username") or credentials.get("login")
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    if not hasattr(data, "get"):
        return None
    return data.get("login") or data.get("username")


class UserBackend(ModelBackend):
    """Django's model backend, reading the session's user with their officer profile in one
    query: every page reads the profile's time zone and language (contacts.middleware)."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("profile")
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
