"""Single sign-on through an OpenID Connect identity provider (allauth's openid_connect
provider, configured by the OIDC_* settings).

Who may come in (``SocialAccountAdapter.pre_social_login``):
- an identity already linked to a user (by the provider's ``sub``) signs in as that user;
- otherwise the provider must say the e-mail is verified (``email_verified`` true), and the
  one user with that e-mail (any case) is linked and signed in;
- no such user: refused, unless OIDC_AUTO_PROVISION, which creates one with no role (an
  admin gives roles; until then the user sees what a user without a role sees);
- refused as well: no e-mail, an unverified one, two users with the same e-mail, an
  inactive user, linking a provider identity to the signed-in user from their account.
Each refusal is recorded (``sso_refused``, with the reason), each sign-in (``sso_sign_in``,
trackii.signin_audit).

The second factor: when the ID token's ``amr`` (authentication methods) holds a value of
OIDC_AMR_SATISFIES_MFA, the provider's multi-factor sign-in stands for Track II's: allauth's
second-factor step is skipped (``AuthenticateStage``) and the session is marked
(``mark_session``) so that the enrolment policy (trackii.mfa_policy.needs_enrolment) lets a
user without a factor of their own in. Otherwise a user with a factor enters it after the
provider, as after a password."""

from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa import stages as mfa_stages
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import render

from trackii import security_events
from trackii.models import SecurityEvent

REFUSALS = {
    "no_email": "The identity provider did not send an e-mail address.",
    "email_not_verified": "The identity provider has not verified this e-mail address.",
    "unknown_user": "No Track II account has this e-mail address. Ask an admin to create "
    "one (with this address) or to link your account.",
    "ambiguous_email": "More than one Track II account has this e-mail address. Ask an "
    "admin to fix the addresses.",
    "account_inactive": "This Track II account is deactivated.",
    "connect_not_offered": "Accounts are linked at sign-in, by their verified e-mail address.",
    "provider_error": "The identity provider did not complete the sign-in.",
}


def claims_of(sociallogin) -> dict:
    """The provider's claims about the user: the ID token's, completed and overridden by the
    userinfo endpoint's (as allauth reads them)."""
    extra = sociallogin.account.extra_data or {}
    return {**(extra.get("id_token") or {}), **(extra.get("userinfo") or {})}


def amr_of(sociallogin) -> list[str]:
    """The ID token's ``amr``: how the provider authenticated the user (RFC 8176 values such
    as ``pwd``, ``otp``, ``hwk``, ``mfa``). Only the ID token's: it is signed for us."""
    extra = sociallogin.account.extra_data or {}
    amr = (extra.get("id_token") or {}).get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    return [str(value) for value in amr]


def amr_satisfies_mfa(amr) -> bool:
    """Whether one of these methods is one OIDC_AMR_SATISFIES_MFA accepts."""
    return bool(set(settings.OIDC_AMR_SATISFIES_MFA) & set(amr))


def email_verified(claims: dict) -> bool:
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def provider_detail(sociallogin) -> dict:
    return {"provider": sociallogin.account.provider}


def refuse(request, sociallogin, reason: str, **detail):
    """Record the refusal and answer the refusal page (403), ending allauth's flow."""
    security_events.record(
        SecurityEvent.Kind.SSO_REFUSED,
        user=detail.pop("user", None),
        request=request,
        reason=reason,
        **provider_detail(sociallogin),
        **detail,
    )
    response = render(
        request,
        "trackii/sso_refused.html",
        {"reason": REFUSALS[reason], "provider_name": settings.OIDC_PROVIDER_NAME},
        status=403,
    )
    raise ImmediateHttpResponse(response)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """allauth's social accounts as Track II admits them (the module's docstring)."""

    def pre_social_login(self, request, sociallogin):
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            refuse(request, sociallogin, "connect_not_offered", user=request.user)
        if sociallogin.is_existing:
            return  # linked before, by the provider's subject
        claims = claims_of(sociallogin)
        email = (claims.get("email") or "").strip()
        if not email:
            refuse(request, sociallogin, "no_email")
        if not email_verified(claims):
            refuse(request, sociallogin, "email_not_verified", email=email)
        matches = list(get_user_model().objects.filter(email__iexact=email).order_by("pk")[:2])
        if len(matches) > 1:
            refuse(request, sociallogin, "ambiguous_email", email=email)
        if matches:
            user = matches[0]
            if not user.is_active:
                refuse(request, sociallogin, "account_inactive", email=email, user=user)
            sociallogin.connect(request, user)
            return
        if not settings.OIDC_AUTO_PROVISION:
            refuse(request, sociallogin, "unknown_user", email=email)
        # Auto-provisioning: allauth creates the user (is_open_for_signup, save_user).

    def is_open_for_signup(self, request, sociallogin):
        return settings.OIDC_AUTO_PROVISION

    def save_user(self, request, sociallogin, form=None):
        """A user created at their first single sign-on: no password (they sign in through
        the provider), no role."""
        user = super().save_user(request, sociallogin, form=form)
        sociallogin.state["provisioned"] = True
        return user

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        """The provider refused, the user cancelled, or the answer did not check out (state,
        signature): recorded; allauth shows its error page."""
        security_events.record(
            SecurityEvent.Kind.SSO_REFUSED,
            request=request,
            reason="provider_error",
            provider=getattr(provider, "id", str(provider)),
            error=str(error or "")[:100],
            exception=type(exception).__name__ if exception else "",
        )
        return super().on_authentication_error(
            request, provider, error=error, exception=exception, extra_context=extra_context
        )


# The second factor.


def sociallogin_of(login):
    """The single sign-on behind an allauth ``Login`` in progress, if it is one."""
    return (login.signal_kwargs or {}).get("sociallogin") if login is not None else None


class AuthenticateStage(mfa_stages.AuthenticateStage):
    """allauth's second-factor step of a sign-in, skipped when a single sign-on's ``amr``
    satisfies it (OIDC_AMR_SATISFIES_MFA). Listed in the sign-in stages in its place by
    trackii.accounts.AccountAdapter.get_login_stages."""

    def _should_handle(self, request) -> bool:
        sociallogin = sociallogin_of(self.login)
        if sociallogin is not None and amr_satisfies_mfa(amr_of(sociallogin)):
            return False
        return super()._should_handle(request)


def mark_session(request, user, sociallogin) -> bool:
    """After a sign-in: mark the session (trackii.mfa_policy.SECOND_FACTOR_BY_SSO_SESSION_KEY,
    read by the enrolment policy) when the provider's ``amr`` satisfies the second factor,
    else clear the mark; returns whether it does."""
    from trackii.mfa_policy import SECOND_FACTOR_BY_SSO_SESSION_KEY

    request.session.pop(SECOND_FACTOR_BY_SSO_SESSION_KEY, None)
    if sociallogin is None or not amr_satisfies_mfa(amr_of(sociallogin)):
        return False
    request.session[SECOND_FACTOR_BY_SSO_SESSION_KEY] = True
    return True
