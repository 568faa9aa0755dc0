"""Sessions a user can see and end: allauth's ``UserSession`` (one row per signed-in
session: address, browser, created, last seen) over Django's database sessions.

- ``SessionActivityMiddleware`` keeps each signed-in session's row up to date, at most once a
  minute (USERSESSIONS_TRACK_ACTIVITY, without allauth's write on every request).
- A user ends one of their other sessions, or all of them (the Security page).
- A lead ends every session of a member of their teams, an admin of anyone, and revokes
  their API tokens (``sign_out_everywhere``: a lost phone, a stolen laptop).

Ending a session deletes it from the session store: its next request is anonymous and is
sent to sign in. Every ended session is in the security trail (``session_ended``)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from importlib import import_module

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contacts.access import Role, has_role
from trackii import security_events, tokens
from trackii.models import SecurityEvent

# The session's note of when its row was last written: [time, session key, client digest].
ACTIVITY_SESSION_KEY = "trackii_session_seen"
ACTIVITY_PRECISION_SECONDS = 60
# Session engines whose sessions live in the database table, which ``end_all_sessions``
# reads to find the sessions a row does not track (signed in before tracking began).
DATABASE_ENGINES = {
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
}


class SessionActivityMiddleware:
    """Write the signed-in session's ``UserSession`` (address, user agent, last seen) when it
    has none yet, when the address or browser changed, or when the last write is a minute
    old. After authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        note_activity(request)
        return self.get_response(request)


def _client_digest(request) -> str:
    """What identifies the client of a request for its session's row: address and browser."""
    return hashlib.sha256(
        f"{request.META.get('REMOTE_ADDR', '')}|{request.headers.get('X-Forwarded-For', '')}"
        f"|{request.META.get('HTTP_USER_AGENT', '')}".encode()
    ).hexdigest()[:16]


def note_activity(request) -> None:
    session = getattr(request, "session", None)
    if session is None or not session.session_key or not request.user.is_authenticated:
        return
    client = _client_digest(request)
    now = time.time()
    seen = session.get(ACTIVITY_SESSION_KEY)
    if (
        isinstance(seen, list)
        and len(seen) == 3
        and seen[1] == session.session_key
        and seen[2] == client
        and now - seen[0] < ACTIVITY_PRECISION_SECONDS
    ):
        return
    try:
        UserSession.objects.create_from_request(request)
    except PermissionDenied:
        return  # allauth found no valid client address: nothing to show for it
    session[ACTIVITY_SESSION_KEY] = [now, session.session_key, client]


def note_sign_in(request) -> None:
    """At sign-in, allauth writes the new session's row (allauth.usersessions): note it, so
    that the next minute's requests do not write it again."""
    session = request.session
    session[ACTIVITY_SESSION_KEY] = [time.time(), session.session_key, _client_digest(request)]


# Reading.


@dataclass(frozen=True)
class SessionRow:
    """One of a user's sessions as the Security page shows it."""

    id: int
    device: str
    ip: str
    created_at: object
    last_seen_at: object
    current: bool


def sessions_of(user, *, current_key: str | None = None) -> list[SessionRow]:
    """The user's live sessions, the current one first, then the most recently seen. Rows of
    sessions that ended (expired, signed out) are dropped on the way (allauth's purge)."""
    rows = [
        SessionRow(
            id=session.pk,
            device=describe_user_agent(session.user_agent),
            ip=session.ip,
            created_at=session.created_at,
            last_seen_at=session.last_seen_at,
            current=bool(current_key) and session.session_key == current_key,
        )
        for session in UserSession.objects.purge_and_list(user)
    ]
    return sorted(rows, key=lambda row: (not row.current, -row.last_seen_at.timestamp()))


# Ending.


def _store(session_key: str | None = None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def _end(user_session: UserSession, *, actor, request, reason: str) -> None:
    detail = {
        "reason": reason,
        "session_address": user_session.ip,
        "device": _in_english(describe_user_agent, user_session.user_agent),
    }
    user_session.end()
    security_events.record(
        SecurityEvent.Kind.SESSION_ENDED,
        user=user_session.user,
        actor=actor if actor is not None and actor.pk != user_session.user_id else None,
        request=request,
        **detail,
    )


def end_session(request, session_id) -> bool:
    """End one of the signed-in user's other sessions; False when there is no such session
    of theirs (or it is the current one: signing out ends that)."""
    user = request.user
    user_session = UserSession.objects.filter(pk=session_id, user_id=user.pk).first()
    if user_session is None or user_session.session_key == request.session.session_key:
        return False
    _end(user_session, actor=user, request=request, reason="ended_by_user")
    return True


def end_other_sessions(request) -> int:
    """End every session of the signed-in user but the current one; how many ended."""
    user = request.user
    ended = 0
    for user_session in UserSession.objects.filter(user_id=user.pk).exclude(
        session_key=request.session.session_key
    ):
        _end(user_session, actor=user, request=request, reason="ended_by_user")
        ended += 1
    return ended + _end_untracked(
        user, actor=user, request=request, reason="ended_by_user", keep=request.session.session_key
    )


def end_all_sessions(user, *, actor, request=None, reason: str) -> int:
    """End every session of ``user`` (tracked or not); how many ended."""
    ended = 0
    for user_session in UserSession.objects.filter(user_id=user.pk).select_related("user"):
        _end(user_session, actor=actor, request=request, reason=reason)
        ended += 1
    return ended + _end_untracked(user, actor=actor, request=request, reason=reason)


def _end_untracked(user, *, actor, request, reason: str, keep: str | None = None) -> int:
    """End the user's sessions that no ``UserSession`` tracks (signed in before tracking, or
    not yet seen since): read from the session table, live sessions only."""
    if settings.SESSION_ENGINE not in DATABASE_ENGINES:
        return 0
    ended = 0
    store = _store()
    user_id = str(user.pk)
    live = Session.objects.filter(expire_date__gt=timezone.now()).exclude(session_key=keep)
    for session in live.iterator():
        if store.decode(session.session_data).get(SESSION_KEY) != user_id:
            continue
        _store(session.session_key).delete()
        security_events.record(
            SecurityEvent.Kind.SESSION_ENDED,
            user=user,
            actor=actor if actor is not None and actor.pk != user.pk else None,
            request=request,
            reason=reason,
        )
        ended += 1
    return ended


# A lead's or an admin's "sign out everywhere".


def may_sign_out(actor, user) -> bool:
    """Whether ``actor`` ends every session of ``user`` and revokes their tokens: admins
    (superusers included) anyone but themselves; leads the members of their teams who are
    neither admins nor superusers."""
    if actor is None or user is None or actor.pk == user.pk or not actor.is_authenticated:
        return False
    if has_role(actor, Role.ADMIN):
        return True
    if not has_role(actor, Role.LEAD) or user.is_superuser or has_role(user, Role.ADMIN):
        return False
    return type(user).objects.filter(pk=user.pk, teams__members=actor).exists()


def team_members_for(actor):
    """The users the actor may sign out from the web's team page: the other members of
    their teams (for a lead, without admins and superusers), by name."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, teams__members=actor)
        .exclude(pk=actor.pk)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    if not has_role(actor, Role.ADMIN):
        users = users.exclude(is_superuser=True).exclude(groups__name=Role.ADMIN)
    return users


@dataclass(frozen=True)
class SignOutResult:
    sessions: int
    tokens: int


def sign_out_everywhere(user, *, actor, request=None) -> SignOutResult:
    """End every session of ``user`` and revoke every API token of theirs, for ``actor``
    (``may_sign_out``); each in the security trail with the actor."""
    if not may_sign_out(actor, user):
        raise PermissionDenied(_("Only the user's lead or an admin signs a user out everywhere."))
    reason = "ended_by_admin" if has_role(actor, Role.ADMIN) else "ended_by_lead"
    sessions = end_all_sessions(user, actor=actor, request=request, reason=reason)
    revoked = tokens.revoke_all(user, actor=actor, request=request, reason=reason)
    return SignOutResult(sessions=sessions, tokens=revoked)


# What a user agent names.

_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("HeadlessChrome/", "Chrome (headless)"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("python-requests/", "Python requests"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def _in_english(describe, *args) -> str:
    """A description kept in a security event: in English, whoever's request wrote it."""
    with translation.override("en"):
        return describe(*args)


def describe_user_agent(user_agent: str) -> str:
    """A person's name for a browser, e.g. "Firefox on Windows"; "Unknown device" when the
    user agent names nothing known. Rough by design: the address and times say the rest."""
    user_agent = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown device")
