"""The session's keep-alive: the page's warning (session.js) extends the session here."""

from datetime import timedelta

from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils import timezone

from trackii import idle_timeout


def keep_alive(request):
    """Extend the signed-in user's session and answer its new expiry; 403 when it has ended.

    CSRF-protected like every POST. Not ``login_required``: a script asks, so an ended
    session is answered in JSON rather than with the sign-in page."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=403)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    # Saved now with a fresh expiry, whenever it was last saved.
    idle_timeout.refresh(request.session, force=True)
    expires_in = idle_timeout.expires_in(request.session)
    expires_at = timezone.now() + timedelta(seconds=expires_in)
    return JsonResponse(
        {"signed_in": True, "expires_in": expires_in, "expires_at": expires_at.isoformat()}
    )
