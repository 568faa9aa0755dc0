"""An account without a role reaches nothing but its own sign-in settings and sign-out.

An admin may make an account before giving it a role, and single sign-on's
auto-provisioning (``OIDC_AUTO_PROVISION``) makes one with none: such a user is not staff
(``contacts.access.is_staff_member``), sees no contact, and here no page, list or API
answer either (events, programmes, organizations, signals, the admin): every page answers
403 with a page saying an admin must give the account a role first, the API 403 with the
code ``no_role``, whether signed in by session or by a token. The check runs on every
request, so a session or token that outlives its roles being taken away is held too.
"""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django_htmx.http import HttpResponseClientRefresh
from rest_framework import exceptions, permissions

from contacts.access import is_staff_member
from trackii.mfa_policy import API_PATH_PREFIX, ENROLMENT_VIEW_NAMES

# What a signed-in user without a role still opens: signing out, their second factors
# (enrolled, confirmed, changed, removed: the policy may ask one first), their password, the
# language, the keep-alive, and a guest's answer page (a link signed for an invitation, as
# open to them as to anyone who holds it).
OPEN_VIEW_NAMES = ENROLMENT_VIEW_NAMES | {
    "mfa_reauthenticate",
    "mfa_reauthenticate_webauthn",
    "mfa_deactivate_totp",
    "mfa_edit_webauthn",
    "mfa_remove_webauthn",
    "set_language",
    "password_change",
    "password_change_done",
    "events:rsvp",
}
STATUS_NO_ROLE = 403
CODE_NO_ROLE = "no_role"


def no_role_message() -> str:
    return gettext(
        "This account has no role yet. An admin gives it one (officer, planner, lead, "
        "analyst or admin) before it may see anything."
    )


def lacks_role(user) -> bool:
    """Whether a signed-in, active user is held here: neither a superuser nor a role's holder."""
    return bool(user and user.is_authenticated and user.is_active) and not is_staff_member(user)


class NoRoleMiddleware:
    """Hold a signed-in user without a role on the pages of ``OPEN_VIEW_NAMES``: every
    other page answers 403 (``trackii/no_role.html``), an API call by session a JSON 403.
    A call by token is not seen here (DRF reads tokens after middleware): ``IsStaffMember``,
    every API view's permission but the revocation of one's own token, refuses it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not lacks_role(request.user):
            return None
        if request.resolver_match.view_name in OPEN_VIEW_NAMES:
            return None
        if request.path_info.startswith(API_PATH_PREFIX):
            return JsonResponse(
                {
                    "status": STATUS_NO_ROLE,
                    "code": CODE_NO_ROLE,
                    "detail": no_role_message(),
                    "fields": {},
                },
                status=STATUS_NO_ROLE,
            )
        if getattr(request, "htmx", False):
            # A fragment's request (a search box, a poll): the whole page is reloaded, and
            # answered as below.
            return HttpResponseClientRefresh()
        # Nothing of the user's work while they held a role is shown here: the messages
        # queued then (an exchange logged, naming its contact) are dropped, and a draft kept
        # from an ended session (trackii.drafts) is not offered (it stays for their return).
        request.restored_draft = None
        for _ in messages.get_messages(request):  # read: so marked used, dropped
            pass
        return render(
            request,
            "trackii/no_role.html",
            {"message": no_role_message()},
            status=STATUS_NO_ROLE,
        )


class NoRole(exceptions.PermissionDenied):
    """The API's refusal of an account without a role (403, code ``no_role``)."""

    default_code = CODE_NO_ROLE

    def __init__(self):
        super().__init__(no_role_message(), CODE_NO_ROLE)


class IsStaffMember(permissions.IsAuthenticated):
    """The API's permission in place of DRF's ``IsAuthenticated``: signed in (401 otherwise)
    and holding a role (``NoRole`` otherwise), whatever authenticated the request, so that
    no view, nor a future way of signing in, answers an account without a role."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if not is_staff_member(request.user):  # inactive users too, however authenticated
            raise NoRole()
        return True
