"""Presence: events held, and how invitations are answered and honoured."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from events.models import Event, Invitation
from trackii.indicators.base import (
    COUNT,
    SHARE,
    Result,
    Window,
    build_result,
    flow_slots,
    fold,
    indicator,
)
from trackii.indicators.queries import EXPECTED, ON_STAGE, SAID_YES, events_of, flow, invitations_of


@indicator("events_held", area="presence", title="Events held", unit=COUNT)
def events_held(user, *, start, end, period, now, layer=None, category=None, country=None):
    """Events held, by kind."""
    window = Window(start, end, period, now)
    events = events_of(user, layer=layer, category=category, country=country).filter(
        status=Event.Status.HELD
    )
    rows = flow(events, "starts_at", window, is_moment=True, keys=["kind"], numerator=Count("pk"))
    overall, parts = fold(rows, flow_slots, [("kind", "kind")])
    return build_result("events_held", window, overall, parts)


@indicator("acceptance_rate", area="presence", title="Invitations accepted", unit=SHARE)
def acceptance_rate(user, *, start, end, period, now, layer=None, category=None, country=None):
    """Of the invitations (not withdrawn) to events not cancelled, the share whose guest
    said yes (accepted, waitlisted, attended or no-show), by kind of event."""
    window = Window(start, end, period, now)
    invitations = invitations_of(user, layer=layer, category=category, country=country).exclude(
        event__status=Event.Status.CANCELLED
    )
    return _invitation_rate("acceptance_rate", invitations, window, Q(status__in=SAID_YES))


@indicator("attendance_rate", area="presence", title="Expected guests who attended", unit=SHARE)
def attendance_rate(user, *, start, end, period, now, layer=None, category=None, country=None):
    """Of the guests expected at events held (accepted, attended or no-show), the share
    who attended, by kind of event."""
    window = Window(start, end, period, now)
    invitations = invitations_of(user, layer=layer, category=category, country=country).filter(
        event__status=Event.Status.HELD, status__in=EXPECTED
    )
    attended = Q(status=Invitation.Status.ATTENDED)
    return _invitation_rate("attendance_rate", invitations, window, attended)


@indicator("speaker_share", area="presence", title="Attending guests on stage", unit=SHARE)
def speaker_share(user, *, start, end, period, now, layer=None, category=None, country=None):
    """Of the guests who attended events held, the share who spoke or moderated, by kind
    of event."""
    window = Window(start, end, period, now)
    invitations = invitations_of(user, layer=layer, category=category, country=country).filter(
        event__status=Event.Status.HELD, status=Invitation.Status.ATTENDED
    )
    return _invitation_rate("speaker_share", invitations, window, Q(role__in=ON_STAGE))


def _invitation_rate(name: str, invitations: QuerySet, window: Window, counted: Q) -> Result:
    rows = flow(
        invitations,
        "event__starts_at",
        window,
        is_moment=True,
        keys=["event__kind"],
        numerator=Count("pk", filter=counted),
        denominator=Count("pk"),
    )
    overall, parts = fold(rows, flow_slots, [("event_kind", "event__kind")])
    return build_result(name, window, overall, parts)
