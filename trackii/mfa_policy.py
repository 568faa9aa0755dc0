"""The second-factor policy: who must have one (MFA_REQUIRED_ROLES), the middleware that
keeps a user without one on the enrolment pages, an admin's reset of a user's factors, and
the audit trail of factor changes (allauth's mfa signals, connected in trackii.apps).

The factors themselves (TOTP, WebAuthn, recovery codes) are allauth's: nothing here
verifies a code or a key."""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django_htmx.http import HttpResponseClientRedirect

from contacts.access import Role, has_role, roles_of
from trackii import security_events
from trackii.models import SecurityEvent

ENROLMENT_URL_NAME = "mfa_index"
# What a signed-in user without a required second factor may still open: enrolling one
# (each of which asks for the password again first), signing out, the session's keep-alive.
ENROLMENT_VIEW_NAMES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_list_webauthn",
        "mfa_generate_recovery_codes",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        "account_reauthenticate",
        "account_logout",
        "account_login",
        "login",
        "session_keep_alive",
    }
)
API_PATH_PREFIX = "/api/"
# Set to True in the session by a single sign-on whose identity provider reports a second
# factor that OIDC_AMR_SATISFIES_MFA accepts (trackii.sso): that session needs no local one.
SECOND_FACTOR_BY_SSO_SESSION_KEY = "trackii_second_factor_by_sso"
STATUS_SECOND_FACTOR_REQUIRED = 403


def mfa_required(user) -> bool:
    """Whether the policy requires this user to have a second factor.

    A user holds the roles of their groups; a superuser or a staff user (who reaches the
    admin) counts as an admin. When MFA_REQUIRED_ROLES names every role, every user is
    required, a user with no role yet included."""
    required = frozenset(settings.MFA_REQUIRED_ROLES)
    if not required or not (user and user.is_authenticated):
        return False
    if required >= frozenset(settings.MFA_ROLES):
        return True
    if Role.ADMIN in required and (user.is_superuser or user.is_staff):
        return True
    return bool(required & roles_of(user))


def has_second_factor(user) -> bool:
    """Whether the user has a TOTP or WebAuthn factor (recovery codes alone never exist:
    allauth deletes them with the last other factor)."""
    return Authenticator.objects.filter(
        user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def needs_enrolment(user, request=None) -> bool:
    """Whether a signed-in user must enrol a second factor before anything else (not when
    this session's single sign-on already brought one)."""
    if request is not None and request.session.get(SECOND_FACTOR_BY_SSO_SESSION_KEY):
        return False
    return mfa_required(user) and not has_second_factor(user)


class MFAEnrolmentMiddleware:
    """Send a signed-in user whom the policy requires to have a second factor, and who has
    none, to the enrolment page from every other page; the API answers 403.

    Checked per request, not at sign-in only: a session signed in before the policy
    changed, or whose factors an admin reset, is held too. An API call authenticated by a
    token is not seen here (DRF reads tokens after middleware): tokens are given only to
    users who passed the second factor (README, "Security")."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.mfa_enrolment_required = False
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not needs_enrolment(user, request):
            return None
        request.mfa_enrolment_required = True
        if request.resolver_match.view_name in ENROLMENT_VIEW_NAMES:
            return None
        if request.path_info.startswith(API_PATH_PREFIX):
            return JsonResponse(
                {
                    "status": STATUS_SECOND_FACTOR_REQUIRED,
                    "code": "second_factor_required",
                    "detail": gettext("Add a second factor on the web (Sign-in security) first."),
                    "fields": {},
                },
                status=STATUS_SECOND_FACTOR_REQUIRED,
            )
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(reverse(ENROLMENT_URL_NAME))
        return redirect(ENROLMENT_URL_NAME)


# An admin's reset.


def may_reset_factors(actor) -> bool:
    """Whether ``actor`` resets other users' second factors: superusers and admins."""
    return has_role(actor, Role.ADMIN)


@transaction.atomic
def reset_factors(*, user, actor, request=None) -> int:
    """Delete every second factor of ``user`` (their next sign-in is by password alone, and
    the policy then sends them to enrol again); recorded as ``factors_reset`` with the
    actor. Returns how many factors were deleted (0 records nothing)."""
    if not may_reset_factors(actor):
        raise PermissionDenied(gettext("Only admins reset a user's second factors."))
    factors = Authenticator.objects.select_for_update().filter(user_id=user.pk)
    types = sorted({factor.type for factor in factors})
    deleted, _ = factors.delete()
    if deleted:
        security_events.record(
            SecurityEvent.Kind.FACTORS_RESET,
            user=user,
            actor=actor,
            request=request,
            types=types,
            count=deleted,
        )
    return deleted


# The audit trail of factor changes (allauth.mfa.signals; connected in TrackiiConfig.ready).


def _actor(request, user):
    """Who acted, when it is not the user themselves."""
    acting = getattr(request, "user", None)
    if acting is not None and acting.is_authenticated and acting.pk != user.pk:
        return acting
    return None


def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    security_events.record(
        SecurityEvent.Kind.FACTOR_ADDED,
        user=user,
        actor=_actor(request, user),
        request=request,
        type=authenticator.type,
    )


def on_authenticator_reset(sender, request, user, authenticator, **kwargs):
    """The user generated new recovery codes (the old ones stop working)."""
    security_events.record(
        SecurityEvent.Kind.FACTOR_ADDED,
        user=user,
        request=request,
        type=authenticator.type,
        regenerated=True,
    )


def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    security_events.record(
        SecurityEvent.Kind.FACTOR_REMOVED,
        user=user,
        actor=_actor(request, user),
        request=request,
        type=authenticator.type,
    )


def on_authenticator_used(sender, request, user, authenticator, **kwargs):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        # Read again: the instance sent may predate the code being marked used.
        stored = Authenticator.objects.get(pk=authenticator.pk)
        unused = len(stored.wrap().get_unused_codes())
        security_events.record(
            SecurityEvent.Kind.RECOVERY_CODE_USED,
            user=user,
            request=request,
            unused_codes_left=unused,
            reauthentication=bool(kwargs.get("reauthenticated")),
        )


def on_authentication_step_completed(sender, request, user, method, **kwargs):
    """A confirmation of identity for a sensitive action (password or second factor)."""
    if kwargs.get("reauthenticated"):
        detail = {"method": method}
        if kwargs.get("type"):
            detail["type"] = kwargs["type"]
        security_events.record(
            SecurityEvent.Kind.REAUTHENTICATED, user=user, request=request, **detail
        )


def connect_signals():
    from allauth.account.signals import authentication_step_completed
    from allauth.mfa import signals

    signals.authenticator_added.connect(on_authenticator_added, dispatch_uid="trackii.mfa.added")
    signals.authenticator_reset.connect(on_authenticator_reset, dispatch_uid="trackii.mfa.reset")
    signals.authenticator_removed.connect(
        on_authenticator_removed, dispatch_uid="trackii.mfa.removed"
    )
    signals.authenticator_used.connect(on_authenticator_used, dispatch_uid="trackii.mfa.used")
    authentication_step_completed.connect(
        on_authentication_step_completed, dispatch_uid="trackii.mfa.reauthenticated"
    )
