"""The security audit trail's one writer: ``record`` stores a ``SecurityEvent`` with the
request's address and user agent. Views, signal receivers and commands call it; nothing else
creates the rows."""

import ipaddress

from django.utils import timezone

from trackii.models import SecurityEvent

USER_AGENT_MAX_LENGTH = SecurityEvent._meta.get_field("user_agent").max_length

# Keys a caller must never put in ``detail``: the trail is read by admins and kept for the
# retention period, so it holds no credential.
FORBIDDEN_DETAIL_KEYS = frozenset(
    {"password", "code", "token", "key", "secret", "recovery_code", "otp", "credential"}
)


def record(kind, *, user=None, actor=None, request=None, at=None, **detail):
    """Write one security event and return it.

    ``kind`` is a ``SecurityEvent.Kind`` (or its value); ``user`` is whom it concerns (None
    for a failed sign-in of an unknown name), ``actor`` who did it when that is someone else.
    With a ``request``, its client address (as axes and the throttles see it, behind
    NUM_PROXIES) and user agent are kept. ``detail`` is JSON context without secrets.
    """
    # Imported here: trackii.security is loaded by logging before the app registry.
    from trackii.security import client_ip_address

    kind = SecurityEvent.Kind(kind)
    forbidden = FORBIDDEN_DETAIL_KEYS.intersection(detail)
    if forbidden:
        raise ValueError(f"A security event holds no secret: {', '.join(sorted(forbidden))}.")
    ip = None
    user_agent = ""
    if request is not None:
        ip = _valid_ip(client_ip_address(request))
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH]
    if user is not None and not getattr(user, "pk", None):
        user = None  # AnonymousUser
    if actor is not None and not getattr(actor, "pk", None):
        actor = None
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        actor=actor,
        at=at or timezone.now(),
        ip=ip,
        user_agent=user_agent,
        detail=detail,
    )


def _valid_ip(value):
    """The address if it is one: a proxy's X-Forwarded-For may carry anything."""
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None
