"""Presence: events held, and how invitations are answered and honoured."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_noop

from events.models import Event, Invitation
from indicators.measures.base import (
    COUNT,
    SHARE,
    Result,
    Window,
    build_result,
    flow_slots,
    fold,
    indicator,
    rate_slots,
    shared_rows,
)
from indicators.measures.polarity import HIGHER_IS_BETTER, NEUTRAL
from indicators.measures.queries import (
    EXPECTED,
    ON_STAGE,
    SAID_YES,
    events_of,
    flow,
    invitations_of,
)


@indicator(
    "events_held",
    area="presence",
    title=gettext_noop("Events held"),
    unit=COUNT,
    polarity=HIGHER_IS_BETTER,
)
def events_held(user, *, start, end, period, now, layer=None, category=None, country=None):
    """Events held, by kind."""
    window = Window(start, end, period, now)
    events = events_of(user, layer=layer, category=category, country=country).filter(
        status=Event.Status.HELD
    )
    rows = flow(events, "starts_at", window, is_moment=True, keys=["kind"], numerator=Count("pk"))
    overall, parts = fold(rows, flow_slots, [("kind", "kind")])
    return build_result("events_held", window, overall, parts)


@indicator(
    "acceptance_rate",
    area="presence",
    title=gettext_noop("Invitations accepted"),
    unit=SHARE,
    polarity=HIGHER_IS_BETTER,
)
def acceptance_rate(user, *, start, end, period, now, layer=None, category=None, country=None):
    """Of the invitations (not withdrawn) to events not cancelled, the share whose guest
    said yes (accepted, waitlisted, attended or no-show), by kind of event."""
    window = Window(start, end, period, now)
    rows = _invitation_rows(user, window, layer=layer, category=category, country=country)
    return _rate("acceptance_rate", window, rows, "said_yes", "invited")


@indicator(
    "attendance_rate",
    area="presence",
    title=gettext_noop("Expected guests who attended"),
    unit=SHARE,
    polarity=HIGHER_IS_BETTER,
)
def attendance_rate(user, *, start, end, period, now, layer=None, category=None, country=None):
    """Of the guests expected at events held (accepted, attended or no-show), the share
    who attended, by kind of event."""
    window = Window(start, end, period, now)
    rows = _invitation_rows(user, window, layer=layer, category=category, country=country)
    return _rate("attendance_rate", window, rows, "attended", "expected")


@indicator(
    "speaker_share",
    area="presence",
    title=gettext_noop("Attending guests on stage"),
    unit=SHARE,
    polarity=NEUTRAL,  # a mix of roles to read in context, not a figure to push up or down
)
def speaker_share(user, *, start, end, period, now, layer=None, category=None, country=None):
    """Of the guests who attended events held, the share who spoke or moderated, by kind
    of event."""
    window = Window(start, end, period, now)
    rows = _invitation_rows(user, window, layer=layer, category=category, country=country)
    return _rate("speaker_share", window, rows, "on_stage", "attended")


def _invitation_rows(user, window: Window, *, layer, category, country) -> list:
    """One statement for the three rates: the invitations (not withdrawn, that the reader
    may see) to events not cancelled, grouped by bucket and kind of event, with each
    rate's numerator and denominator. ``compute_all`` runs it once for all three."""

    def run():
        invitations = invitations_of(user, layer=layer, category=category, country=country).exclude(
            event__status=Event.Status.CANCELLED
        )
        held = Q(event__status=Event.Status.HELD)
        attended = held & Q(status=Invitation.Status.ATTENDED)
        return flow(
            invitations,
            "event__starts_at",
            window,
            is_moment=True,
            keys=["event__kind"],
            invited=Count("pk"),
            said_yes=Count("pk", filter=Q(status__in=SAID_YES)),
            expected=Count("pk", filter=held & Q(status__in=EXPECTED)),
            attended=Count("pk", filter=attended),
            on_stage=Count("pk", filter=attended & Q(role__in=ON_STAGE)),
        )

    key = ("invitations", user.pk, window, layer, category, country)
    return shared_rows(key, run)


def _rate(name: str, window: Window, rows: list, numerator: str, denominator: str) -> Result:
    slots = rate_slots(numerator, denominator)
    overall, parts = fold(rows, slots, [("event_kind", "event__kind")])
    return build_result(name, window, overall, parts)
