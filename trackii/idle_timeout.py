"""The idle timeout: a session ends ``SESSION_COOKIE_AGE`` after its last request.

Django can push the expiry forward by saving the session at every request
(``SESSION_SAVE_EVERY_REQUEST``): one ``UPDATE`` of the session's row per request, most of
them moving the expiry by a few seconds. ``IdleTimeoutMiddleware`` saves it at most once per
``refresh_interval()`` instead (a minute for the 30-minute timeout), noting in the session
when it did; so a session ends between ``SESSION_COOKIE_AGE`` minus that interval and
``SESSION_COOKIE_AGE`` after its last request, and the pages count down from the expiry
actually stored (``expires_in``), never a later one. A session saved for another reason
(a sign-in, a message, "Stay signed in") is refreshed by that save and noted too.
"""

from __future__ import annotations

import time

from django.conf import settings

# The session's note of when it was last saved, with its new expiry (a POSIX time).
REFRESHED_SESSION_KEY = "trackii_expiry_refreshed"
LONGEST_REFRESH_INTERVAL = 60


def refresh_interval() -> float:
    """How long a session's stored expiry may lag behind its last request: a minute, or a
    thirtieth of a shorter timeout."""
    return min(LONGEST_REFRESH_INTERVAL, settings.SESSION_COOKIE_AGE / 30)


def refresh(session, *, force: bool = False) -> None:
    """Have the session saved with a fresh expiry when its last save is older than the
    interval, when it is being saved anyway, or when ``force`` is given; note when."""
    now = time.time()
    refreshed = session.get(REFRESHED_SESSION_KEY)
    stale = not isinstance(refreshed, float) or now - refreshed >= refresh_interval()
    if force or stale or session.modified:
        session[REFRESHED_SESSION_KEY] = now


def expires_in(session) -> int:
    """Seconds until the session ends unless another request comes: its timeout counted
    from its last save."""
    refreshed = session.get(REFRESHED_SESSION_KEY)
    age = session.get_expiry_age()
    if isinstance(refreshed, float):
        age -= time.time() - refreshed
    return max(0, round(age))


class IdleTimeoutMiddleware:
    """After ``SessionMiddleware``: refreshes a session that holds anything, at most once
    per interval (``refresh``), before the view (so that its page counts down from the
    expiry about to be stored); and notes a save the view caused."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and session.keys():
            refresh(session)
        response = self.get_response(request)
        if session is not None and session.modified and not session.is_empty():
            refresh(session, force=True)
        return response
