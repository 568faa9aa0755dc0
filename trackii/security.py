"""Hardening hooks named in settings: the lockout answer, the client address, error reports,
and the caching rule of every dynamic answer."""

import copy
import re
import time
from functools import wraps

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter
from rest_framework.throttling import BaseThrottle

from trackii.logging import redact_url_tokens

API_PATH_PREFIX = "/api/"
LOCKOUT_STATUS = 429

# Request headers an error report may show as they are; every other one is masked.
SAFE_REQUEST_META = frozenset(
    {"CONTENT_LENGTH", "CONTENT_TYPE", "PATH_INFO", "REQUEST_METHOD", "SERVER_PORT"}
)


class PrivateNoStoreMiddleware:
    """Mark every answer Django builds ``Cache-Control: private, no-store``.

    Every one, not just those to a signed-in session: an API token is read inside DRF, after
    middleware, and an RSVP link or a calendar feed is authenticated by the token in its URL,
    so no middleware can tell every authenticated request apart. Nothing dynamic is worth a
    shared cache. Static files never reach this middleware (WhiteNoise answers them earlier;
    runserver serves them before Django). Directives a view set already stay, so a stricter
    ``never_cache`` is kept and a ``public`` or ``max-age`` is overruled by ``no-store``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, private=True, no_store=True)
        return response


class AdminSelectionMiddleware:
    """Answer 400 to an admin action whose selected rows are not ids (every model the admin
    shows has an integer key): Django's changelist would look them up as they are and fail
    with a 500. Only a request written by hand sends one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        # Imported here: logging loads this module before the app registry is ready.
        from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

        match = request.resolver_match
        if request.method != "POST" or match is None or match.namespace != "admin":
            return None
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if not all(value.isascii() and value.isdigit() for value in selected):
            raise BadRequest("The rows selected are not ids.")
        return None


def client_ip_address(request: HttpRequest) -> str | None:
    """The client's address, as DRF's throttles see it (REMOTE_ADDR behind NUM_PROXIES)."""
    return BaseThrottle().get_ident(request)


def lockout_response(request: HttpRequest, original_response, credentials) -> HttpResponse:
    """Answer a locked-out sign-in with 429: JSON on the API, a page everywhere else."""
    # Imported here: logging loads this module (the exception reporter) before the app
    # registry is ready, and these import models.
    from axes.helpers import get_cool_off, get_lockout_message
    from django.contrib import admin

    cool_off_seconds = int(get_cool_off(request).total_seconds())
    if request.path_info.startswith(API_PATH_PREFIX):
        # The API's one error shape (contacts.rest.exception_handler).
        response = JsonResponse(
            {
                "status": LOCKOUT_STATUS,
                "code": "locked_out",
                "detail": str(get_lockout_message()),
                "fields": {},
            },
            status=LOCKOUT_STATUS,
        )
    else:
        context = {
            **admin.site.each_context(request),
            "cooloff_minutes": cool_off_seconds // 60,
        }
        response = render(request, "registration/lockout.html", context, status=LOCKOUT_STATUS)
    response["Retry-After"] = str(cool_off_seconds)
    return response


class RedactingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Mask everything a user sent or the code held, in DEBUG too: the data names sources."""

    hidden_settings = re.compile(
        "API|AUTH|COOKIE|CREDENTIAL|CSRF|DATABASE|DSN|KEY|LOCATION|PASS|SECRET|SESSION"
        "|SIGNATURE|TOKEN|URL|USER",
        flags=re.IGNORECASE,
    )

    def is_active(self, request):
        return True

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return self._masked(request.POST)

    def get_safe_cookies(self, request):
        return {name: self.cleansed_substitute for name in getattr(request, "COOKIES", {})}

    def get_safe_request_meta(self, request):
        return {
            name: _redacted(value) if name in SAFE_REQUEST_META else self.cleansed_substitute
            for name, value in getattr(request, "META", {}).items()
        }

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]

    def _masked(self, multivaluedict):
        masked = multivaluedict.copy()
        for name in masked:
            masked[name] = self.cleansed_substitute
        return masked


class RedactingExceptionReporter(ExceptionReporter):
    """An error report without the query string, GET values, uploaded file names or the
    token of an RSVP or calendar-feed URL."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is not None:
            substitute = self.filter.cleansed_substitute
            data["request_GET_items"] = [(name, substitute) for name in self.request.GET]
            data["request_FILES_items"] = [(name, substitute) for name in self.request.FILES]
            data["request_insecure_uri"] = redact_url_tokens(self.request.path)
            # The report's templates print request.path_info too.
            data["request"] = copy.copy(self.request)
            data["request"].path = redact_url_tokens(self.request.path)
            data["request"].path_info = redact_url_tokens(self.request.path_info)
        return data


def _redacted(value):
    return redact_url_tokens(value) if isinstance(value, str) else value


# Sensitive actions confirm who the user is again (allauth's reauthentication): viewing a
# protected contact's notes, granting access, exports, erasure. The last confirmation (a
# sign-in or a reauthentication) must be younger than ACCOUNT_REAUTHENTICATION_TIMEOUT, and
# made with the second factor when the user has one.

MFA_METHOD = "mfa"


def recently_confirmed(request: HttpRequest) -> bool:
    """Whether the signed-in user confirmed who they are within the reauthentication
    timeout, in this session: by the second factor if they have one, else by any sign-in
    step (a password, a single sign-on)."""
    # Imported here: this module is loaded by logging before the app registry is ready.
    from allauth.account.internal.flows.login import get_authentication_records

    from trackii.mfa_policy import has_second_factor

    user = request.user
    if not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    if has_second_factor(user):
        records = [record for record in records if record.get("method") == MFA_METHOD]
    latest = max((record.get("at", 0) for record in records), default=None)
    return latest is not None and time.time() - latest < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


def confirm_url(request: HttpRequest, next_url: str) -> str | None:
    """Where the user confirms who they are, then comes back to ``next_url``; None when they
    have no way to (no password and no second factor: they sign in again instead)."""
    from allauth.account.adapter import get_adapter

    methods = get_adapter().get_reauthentication_methods(request.user)
    if not methods:
        return None
    return f"{methods[0]['url']}?{urlencode({'next': next_url})}"


def require_recent_confirmation(request: HttpRequest) -> None:
    """Ask the user to confirm who they are unless they recently did.

    Raises allauth's ``ReauthenticationRequired``: its middleware keeps the request (a POST
    with its data), sends the user to confirm, and then runs the request again. A user with
    no way to confirm (no password, no second factor) gets a 403 asking to sign in again."""
    from allauth.account.adapter import get_adapter
    from allauth.core.exceptions import ReauthenticationRequired

    if recently_confirmed(request):
        return
    if request.user.is_authenticated and not get_adapter().get_reauthentication_methods(
        request.user
    ):
        raise PermissionDenied(gettext("Sign out and sign in again to confirm it is you."))
    raise ReauthenticationRequired()


def sensitive_action(view):
    """Decorate a view that must be confirmed (``require_recent_confirmation``) before it
    runs; put it under ``login_required``."""

    @wraps(view)
    def confirmed_view(request, *args, **kwargs):
        require_recent_confirmation(request)
        return view(request, *args, **kwargs)

    return confirmed_view
