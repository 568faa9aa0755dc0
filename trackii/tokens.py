"""API tokens: created with a name and an expiry (API_TOKEN_LIFETIME_DAYS), stored as a
digest, shown once; checked by ``ExpiringTokenAuthentication`` on every API request;
revoked by their user, or all of a user's at once by a lead or an admin (with the user's
sessions: trackii.user_sessions.sign_out_everywhere).

Creating a token needs the second factor when the user has one or their role requires one
(trackii.mfa_policy): on the web behind a recent confirmation with it
(trackii.security.sensitive_action), on the API with an ``otp`` field, checked by allauth
(``second_factor_error``). Every creation and revocation is in the security trail."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from allauth.core import context
from allauth.mfa import signals as mfa_signals
from allauth.mfa.base.forms import BaseAuthenticateForm
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from contacts.access import is_staff_member
from trackii import security_events
from trackii.models import ApiToken, SecurityEvent

KEY_BYTES = 20  # 40 hexadecimal characters, as Django REST framework's keys
DEFAULT_NAME = "API token"
# last_used_at is written when it is older than this, not on every request.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
EXPIRED_MESSAGE = gettext_noop("Token expired.")


def digest(key: str) -> str:
    """What is stored of a key: its SHA-256, in hexadecimal. A key is 160 random bits, so a
    plain hash suffices (no salt or slow hash: nothing to guess from a digest)."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A token just created, with its key: the only moment the key exists in clear."""

    token: ApiToken
    key: str


def expiry_from(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)


def may_hold_token(user) -> bool:
    """Whether a token may be issued to ``user``: staff only, never an account without a
    role (trackii.role_policy), whatever page or endpoint asks."""
    return is_staff_member(user)


def create_token(user, *, name: str = "", request=None, via: str = "api") -> IssuedToken:
    """Create a token for ``user`` and return it with its key (shown once); recorded as
    ``token_created``. The caller has checked the second factor (``second_factor_needed``);
    ``PermissionDenied`` for a user who may hold none (``may_hold_token``)."""
    if not may_hold_token(user):
        raise PermissionDenied(gettext("An account without a role holds no API token."))
    now = timezone.now()
    key = secrets.token_hex(KEY_BYTES)
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip()[: ApiToken._meta.get_field("name").max_length] or DEFAULT_NAME,
        digest=digest(key),
        created_at=now,
        expires_at=expiry_from(now),
    )
    security_events.record(
        SecurityEvent.Kind.TOKEN_CREATED,
        user=user,
        request=request,
        token_id=token.pk,
        name=token.name,
        expires_at=token.expires_at.isoformat(),
        via=via,
    )
    return IssuedToken(token=token, key=key)


def revoke_token(token: ApiToken, *, actor=None, request=None, reason: str = "revoked") -> None:
    """Delete one token: its next use is refused. Recorded as ``token_revoked``."""
    user = token.user
    token_id, name = token.pk, token.name
    token.delete()
    security_events.record(
        SecurityEvent.Kind.TOKEN_REVOKED,
        user=user,
        actor=actor if actor is not None and actor.pk != user.pk else None,
        request=request,
        token_id=token_id,
        name=name,
        reason=reason,
    )


@transaction.atomic
def revoke_all(user, *, actor=None, request=None, reason: str = "revoked") -> int:
    """Delete every token of ``user``; one ``token_revoked`` event each. Returns how many."""
    tokens = list(ApiToken.objects.select_for_update().filter(user=user).select_related("user"))
    for token in tokens:
        revoke_token(token, actor=actor, request=request, reason=reason)
    return len(tokens)


def tokens_of(user):
    """The user's tokens, newest first, expired ones included (shown as expired)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


# The second factor.


def second_factor_needed(user) -> bool:
    """Whether creating a token asks for the second factor: the user has one, or their role
    requires one (MFA_REQUIRED_ROLES)."""
    from trackii.mfa_policy import has_second_factor, mfa_required

    return has_second_factor(user) or mfa_required(user)


def second_factor_error(user, code: str) -> str | None:
    """None when ``code`` is a valid TOTP code or an unused recovery code of ``user``, else
    why not (allauth's message: an incorrect code, too many attempts). Checked by allauth:
    a recovery code is used up, a TOTP code cannot be replayed, wrong codes are rate
    limited per user. A valid code is recorded as a use of that factor (allauth's
    ``authenticator_used``, which the audit trail receives); an invalid one sends allauth's
    ``authentication_failed`` (recorded as a failed sign-in)."""
    form = BaseAuthenticateForm(user=user, data={"code": code})
    if not form.is_valid():
        return " ".join(form.errors.get("code", [])) or "Incorrect code."
    authenticator = form.authenticator
    authenticator.record_usage()
    mfa_signals.authenticator_used.send(
        sender=Authenticator,
        request=context.request,
        user=user,
        authenticator=authenticator,
        reauthenticated=False,
        passwordless=False,
    )
    return None


# Authentication of API requests.


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, looked up by the key's digest; an unknown key is
    refused with "Invalid token.", an expired one with "Token expired." (both 401)."""

    model = ApiToken

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.select_related("user", "user__profile")
            .filter(digest=digest(key))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(gettext("Invalid token."))
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(gettext(EXPIRED_MESSAGE))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(gettext("User inactive or deleted."))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return (token.user, token)
