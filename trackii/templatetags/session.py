"""``{% session_head %}`` and ``{% session_notices %}``: the page's session expiry, the
warning before it ends, and a draft kept while it had ended (see trackii.drafts)."""

from django import template
from django.conf import settings

from trackii import drafts, idle_timeout

register = template.Library()


@register.inclusion_tag("trackii/_session_head.html", takes_context=True)
def session_head(context):
    """The expiry, the warning's lead time and the keep-alive URL, for signed-in users."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"signed_in": False}
    return {
        "signed_in": True,
        "expires_in": idle_timeout.expires_in(request.session),
        "warn_before": settings.SESSION_EXPIRY_WARNING_SECONDS,
    }


@register.inclusion_tag("trackii/_session_notices.html", takes_context=True)
def session_notices(context):
    """The warning before the session ends, and the draft this page offers back, if any."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"signed_in": False}
    draft = getattr(request, "restored_draft", None)
    if draft is not None:
        # The middleware deletes a draft only once a page has offered it.
        request.draft_offered = True
    # A form bound to the draft on the server (drafts.BOUND_ON_GET) is already filled.
    filled = getattr(request, "draft_bound", False)
    return {
        "signed_in": True,
        "restored": draft is not None,
        "draft": drafts.draft_for_page(draft) if draft is not None and not filled else None,
        "path": request.get_full_path(),
    }
