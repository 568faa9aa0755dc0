"""Security: friction incidents and the stability of coordination."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_noop

from indicators.measures.base import (
    COUNT,
    SHARE,
    SIGNAL_FILTERS,
    Window,
    build_result,
    flow_slots,
    fold,
    indicator,
)
from indicators.measures.polarity import HIGHER_IS_BETTER, LOWER_IS_BETTER
from indicators.measures.queries import signal_flow
from indicators.models import Signal


@indicator(
    "friction_incidents",
    area="security",
    title=gettext_noop("Friction incidents"),
    unit=COUNT,
    polarity=LOWER_IS_BETTER,
    filters=SIGNAL_FILTERS,
)
def friction_incidents(user, *, start, end, period, now, layer=None, category=None, country=None):
    """Logged friction incidents, by severity."""
    window = Window(start, end, period, now)
    rows = signal_flow(
        Signal.Kind.FRICTION_INCIDENT,
        window,
        key="severity",
        layer=layer,
        country=country,
        numerator=Count("pk"),
    )
    overall, parts = fold(rows, flow_slots, [("severity", "severity")])
    return build_result("friction_incidents", window, overall, parts)


@indicator(
    "coordination_outcomes",
    area="security",
    title=gettext_noop("Coordination meetings held as planned"),
    unit=SHARE,
    polarity=HIGHER_IS_BETTER,
    filters=SIGNAL_FILTERS,
)
def coordination_outcomes(
    user, *, start, end, period, now, layer=None, category=None, country=None
):
    """The share of logged coordination meetings that were held; the breakdown gives each
    outcome's share."""
    window = Window(start, end, period, now)
    rows = signal_flow(
        Signal.Kind.COORDINATION,
        window,
        key="outcome",
        layer=layer,
        country=country,
        numerator=Count("pk", filter=Q(outcome=Signal.Outcome.HELD)),
        denominator=Count("pk"),
    )
    overall, parts = fold(rows, flow_slots, [("outcome", "outcome")])
    return build_result("coordination_outcomes", window, overall, parts, share_of_total=True)
