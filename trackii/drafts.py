"""Nothing typed is lost: a form posted after its session ended is kept for its user.

When a POST meets an ended session, the view sends it to sign in and what was typed would
be gone. ``DraftMiddleware`` keeps it instead, encrypted like private notes, for the user a
long-lived signed cookie names (set while they were signed in), tied to the path it was
posted to. After that same user signs in and opens the same path within ``DRAFT_MAX_AGE``,
the page offers it back once (``{% session_notices %}`` and session.js fill the form), and
it is deleted. Passwords, CSRF tokens and uploaded files are never kept; a draft is never
offered to anyone else, nor after an hour (``purge_drafts`` removes it).

Signing in notes in the new session until when the user's youngest draft can be offered
(``note_drafts_at_sign_in``); pages look for a draft only until then, so a session that
began with no draft to offer reads none on any of its pages. A draft kept while another
of the user's sessions was still signed in is offered at their next sign-in.
"""

import json
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import resolve_url
from django.utils import timezone

from contacts.crypto import UndecryptableNote
from trackii.models import Draft

DRAFT_MAX_AGE = timedelta(hours=1)
# A form's input, as JSON; anything larger is not a form someone typed.
PAYLOAD_MAX_CHARS = 200_000
USER_COOKIE = "trackii_user"
USER_COOKIE_SALT = "trackii.drafts.user"
USER_COOKIE_MAX_AGE = 60 * 60 * 24 * 30
CSRF_FIELD = "csrfmiddlewaretoken"
# Views whose form is bound to a restored draft on the server (so that type-ahead pickers
# show the chosen names): each writes only when ``request.method == "POST"`` and binds its
# form to ``request.POST or None``, so a GET bound to a draft renders it and saves nothing.
# Every other form is filled in the browser by session.js.
BOUND_ON_GET = frozenset(
    {
        "contacts:exchange_new",
        "contacts:exchange_edit",
        "contacts:create",
        "contacts:edit",
        "contacts:channel_new",
        "contacts:channel_edit",
        "contacts:organization_create",
        "contacts:organization_edit",
    }
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# The session's note: until when (a POSIX time) one of its user's drafts can be offered.
OFFER_UNTIL_SESSION_KEY = "trackii_drafts_until"


def kept_fields(data: QueryDict) -> dict[str, list[str]]:
    """The posted fields a draft may keep: never a password or the CSRF token."""
    return {
        name: data.getlist(name)
        for name in data
        if name != CSRF_FIELD and "password" not in name.lower()
    }


def keep_draft(*, user_id: int, path: str, fields: dict[str, list[str]], now: datetime) -> bool:
    """Keep ``fields`` for the user until they sign in again; replaces their draft of the
    same path. False when there is nothing to keep, too much, or no such active user."""
    payload = json.dumps({"fields": fields})
    if not any(value.strip() for values in fields.values() for value in values):
        return False
    if len(payload) > PAYLOAD_MAX_CHARS:
        return False
    if not get_user_model().objects.filter(pk=user_id, is_active=True).exists():
        return False
    purge_drafts(now=now)
    Draft.objects.update_or_create(
        user_id=user_id, path=path, defaults={"payload": payload, "created_at": now}
    )
    return True


def _young_drafts(user, *, now: datetime):
    """The user's drafts still young enough to offer."""
    return Draft.objects.filter(user=user, created_at__gt=now - DRAFT_MAX_AGE)


def find_draft(*, user, path: str, now: datetime) -> Draft | None:
    """The user's draft of ``path`` that is still young enough to offer, if any."""
    drafts = _young_drafts(user, now=now).filter(path=path)
    try:
        return drafts.first()
    except UndecryptableNote:
        # Its key was retired: nothing can be offered, and nothing is worth keeping.
        Draft.objects.filter(user=user, path=path).delete()
        return None


def note_drafts_at_sign_in(sender, request, user, **kwargs) -> None:
    """At sign-in (Django's ``user_logged_in``: every way of signing in), note in the new
    session until when the user's youngest draft can be offered, if they have one."""
    session = getattr(request, "session", None)
    if session is not None:
        _note_offer_until(session, user, now=timezone.now())


def _note_offer_until(session, user, *, now: datetime) -> None:
    youngest = (
        _young_drafts(user, now=now)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if youngest is None:
        session.pop(OFFER_UNTIL_SESSION_KEY, None)
    else:
        session[OFFER_UNTIL_SESSION_KEY] = (youngest + DRAFT_MAX_AGE).timestamp()


def may_offer_a_draft(session, *, now: datetime) -> bool:
    """Whether the session's user had a draft to offer when they signed in, still young."""
    until = session.get(OFFER_UNTIL_SESSION_KEY)
    return isinstance(until, float) and now.timestamp() < until


def draft_for_page(draft: Draft) -> dict:
    """What the page needs to fill its form again: the path and the fields."""
    return {"path": draft.path, "fields": json.loads(draft.payload)["fields"]}


def draft_input(draft: Draft) -> QueryDict:
    """The draft's fields as a form's input."""
    data = QueryDict(mutable=True)
    for name, values in json.loads(draft.payload)["fields"].items():
        data.setlist(name, values)
    data._mutable = False
    return data


def discard_draft(draft: Draft) -> None:
    """Delete a draft once it has been offered."""
    Draft.objects.filter(pk=draft.pk).delete()


def purge_drafts(*, now: datetime) -> int:
    """Delete every draft older than DRAFT_MAX_AGE; the number deleted."""
    deleted, _ = Draft.objects.filter(created_at__lte=now - DRAFT_MAX_AGE).delete()
    return deleted


def remembered_user_id(request: HttpRequest) -> int | None:
    """The user the browser's signed cookie names (the last one signed in there)."""
    value = request.get_signed_cookie(
        USER_COOKIE, default=None, salt=USER_COOKIE_SALT, max_age=USER_COOKIE_MAX_AGE
    )
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def remember_user(request: HttpRequest, response: HttpResponse) -> None:
    """Name the signed-in user in the browser's signed cookie, when it names someone else."""
    if remembered_user_id(request) == request.user.pk:
        return
    response.set_signed_cookie(
        USER_COOKIE,
        str(request.user.pk),
        salt=USER_COOKIE_SALT,
        max_age=USER_COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _sent_to_sign_in(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether a POST from someone not signed in was answered with the sign-in page."""
    if response.status_code not in REDIRECT_STATUSES:
        return False
    login_path = resolve_url(settings.LOGIN_URL)
    return request.path != login_path and urlsplit(response["Location"]).path == login_path


class DraftMiddleware:
    """Keep what a POST carried when it meets an ended session; offer it back after sign-in.

    Placed after the authentication and CSRF middleware: only a POST whose CSRF token
    checked out is kept, so another site cannot plant a draft."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_page = "HX-Request" not in request.headers
        request.draft_offered = request.draft_bound = False
        now = timezone.now()
        if (
            request.method == "GET"
            and is_page
            and request.user.is_authenticated
            and may_offer_a_draft(request.session, now=now)
        ):
            request.restored_draft = find_draft(user=request.user, path=request.path, now=now)
        response = self.get_response(request)
        if request.method == "POST" and is_page and not request.user.is_authenticated:
            self._keep(request, response)
        draft = getattr(request, "restored_draft", None)
        # Deleted only once the page that offers it was rendered (see templatetags.session).
        if draft is not None and response.status_code == 200 and request.draft_offered:
            discard_draft(draft)
            _note_offer_until(request.session, request.user, now=now)
        if request.user.is_authenticated:
            remember_user(request, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        draft = getattr(request, "restored_draft", None)
        if draft is not None and request.resolver_match.view_name in BOUND_ON_GET:
            request.POST = draft_input(draft)
            request.draft_bound = True

    @staticmethod
    def _keep(request, response) -> None:
        if not getattr(request, "csrf_processing_done", False):
            return
        if not _sent_to_sign_in(request, response):
            return
        user_id = remembered_user_id(request)
        if user_id is not None:
            keep_draft(
                user_id=user_id,
                path=request.path,
                fields=kept_fields(request.POST),
                now=timezone.now(),
            )
