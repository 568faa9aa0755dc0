"""The security trail of signing in and out (trackii.security_events), from signals:

- allauth's ``user_logged_in``: every sign-in (``sign_in`` with the steps taken: password,
  second factor, passkey; ``sso_sign_in`` for a single sign-on, with the provider's
  ``amr`` and whether it stood for the second factor). Every sign-in goes through allauth,
  the admin's too (trackii.admin).
- Django's ``user_login_failed`` (a wrong password, a locked-out name) and allauth's
  ``authentication_failed`` (a wrong second-factor code): ``sign_in_failed``, with the
  name typed, never the password or the code.
- django-axes' ``user_locked_out``: ``lockout``.
- Django's ``user_logged_out``: ``session_ended`` (reason ``signed_out``).

Ending sessions and tokens from the Security page, the team page or the admin is recorded
by trackii.user_sessions and trackii.tokens. Connected in trackii.apps."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from trackii import security_events, sso, user_sessions
from trackii.models import SecurityEvent

USERNAME_MAX_LENGTH = 150


def _user_named(username):
    if not username:
        return None
    return get_user_model().objects.filter(username=username).first()


def _typed_username(credentials) -> str:
    credentials = credentials or {}
    return str(credentials.get("username") or credentials.get("login") or "")[:USERNAME_MAX_LENGTH]


def _methods(request, user) -> list[str]:
    """The steps of this session's sign-in, as allauth recorded them: ``password``,
    ``mfa:totp``, ``mfa:webauthn``, ``mfa:recovery_codes``, ``socialaccount``..."""
    from allauth.account.internal.flows.login import get_authentication_records

    methods = []
    for record in get_authentication_records(request, user):
        method = record.get("method", "")
        if record.get("type"):
            method = f"{method}:{record['type']}"
        if method and method not in methods:
            methods.append(method)
    return methods


def on_user_logged_in(sender, request, user, **kwargs):
    """allauth's signal, after Django's login: one event per sign-in."""
    sociallogin = kwargs.get("sociallogin")
    user_sessions.note_sign_in(request)
    mfa_by_provider = sso.mark_session(request, user, sociallogin)
    if sociallogin is None:
        security_events.record(
            SecurityEvent.Kind.SIGN_IN, user=user, request=request, methods=_methods(request, user)
        )
        return
    security_events.record(
        SecurityEvent.Kind.SSO_SIGN_IN,
        user=user,
        request=request,
        provider=sociallogin.account.provider,
        amr=sso.amr_of(sociallogin),
        second_factor_by_provider=mfa_by_provider,
        provisioned=bool(sociallogin.state.get("provisioned")),
        methods=_methods(request, user),
    )


def on_user_login_failed(sender, credentials=None, request=None, **kwargs):
    """Django's signal: a name and password that no backend accepted, or a name django-axes
    refused while it is locked out. ``credentials`` arrive with the password masked; only
    the name is kept."""
    if request is None:
        return
    username = _typed_username(credentials)
    security_events.record(
        SecurityEvent.Kind.SIGN_IN_FAILED,
        user=_user_named(username),
        request=request,
        stage="password",
        username=username,
        locked_out=bool(getattr(request, "axes_locked_out", False)),
    )


def on_second_factor_failed(sender, request=None, user=None, authenticator=None, **kwargs):
    """allauth's ``authentication_failed``: a wrong second-factor code at sign-in, at a
    confirmation of identity, or with a token request."""
    security_events.record(
        SecurityEvent.Kind.SIGN_IN_FAILED,
        user=user,
        request=request,
        stage="second_factor",
        type=getattr(authenticator, "type", ""),
        reauthentication=bool(kwargs.get("reauthentication")),
    )


def on_user_locked_out(sender, request=None, username=None, **kwargs):
    """django-axes' signal: the name is locked out from this address."""
    username = str(username or "")[:USERNAME_MAX_LENGTH]
    security_events.record(
        SecurityEvent.Kind.LOCKOUT,
        user=_user_named(username),
        request=request,
        username=username,
    )


def on_user_logged_out(sender, request=None, user=None, **kwargs):
    """Django's signal, before the session is flushed: the user signed out."""
    if user is None or not getattr(user, "pk", None):
        return
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        from allauth.usersessions.models import UserSession

        UserSession.objects.filter(session_key=session.session_key).delete()
    security_events.record(
        SecurityEvent.Kind.SESSION_ENDED, user=user, request=request, reason="signed_out"
    )


def connect_signals():
    from allauth.account.signals import user_logged_in
    from allauth.mfa.signals import authentication_failed
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in as django_user_logged_in
    from django.contrib.auth.signals import user_logged_out, user_login_failed

    from trackii import drafts

    user_logged_in.connect(on_user_logged_in, dispatch_uid="trackii.audit.signed_in")
    django_user_logged_in.connect(
        drafts.note_drafts_at_sign_in, dispatch_uid="trackii.drafts.signed_in"
    )
    user_login_failed.connect(on_user_login_failed, dispatch_uid="trackii.audit.failed")
    authentication_failed.connect(
        on_second_factor_failed, dispatch_uid="trackii.audit.second_factor_failed"
    )
    user_locked_out.connect(on_user_locked_out, dispatch_uid="trackii.audit.locked_out")
    user_logged_out.connect(on_user_logged_out, dispatch_uid="trackii.audit.signed_out")
