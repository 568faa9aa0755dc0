"""Narrative and digital: exchanges with journalists, media events, the tone and themes
of coverage, the reach of host-language content."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from contacts.models import Contact, Exchange
from events.models import Event
from indicators.measures.base import (
    COUNT,
    MEAN,
    SHARE,
    SIGNAL_FILTERS,
    SUM,
    Window,
    build_result,
    flow_slots,
    fold,
    indicator,
)
from indicators.measures.polarity import HIGHER_IS_BETTER
from indicators.measures.queries import (
    BEYOND_SECURITY,
    contact_filter,
    events_of,
    flow,
    signal_flow,
)
from indicators.models import Signal


@indicator(
    "journalist_exchanges",
    area="narrative",
    title=gettext_noop("Exchanges with journalists"),
    unit=COUNT,
    polarity=HIGHER_IS_BETTER,
)
def journalist_exchanges(user, *, start, end, period, now, layer=None, category=None, country=None):
    """Exchanges (that the reader may see) with at least one journalist, by kind."""
    window = Window(start, end, period, now)
    exchanges = Exchange.objects.visible_to(user).filter(names_journalist=True)
    if layer or country:
        journalists = Exchange.contacts.through.objects.filter(
            contact_filter("contact__", layer=layer, country=country),
            exchange=OuterRef("pk"),
            contact__category=Contact.Category.JOURNALIST,
        )
        exchanges = exchanges.filter(Exists(journalists))
    if category and category != Contact.Category.JOURNALIST:
        exchanges = exchanges.none()
    rows = flow(
        exchanges, "occurred_at", window, is_moment=True, keys=["kind"], numerator=Count("pk")
    )
    overall, parts = fold(rows, flow_slots, [("kind", "kind")])
    return build_result("journalist_exchanges", window, overall, parts)


@indicator(
    "media_events",
    area="narrative",
    title=gettext_noop("Media events held"),
    unit=COUNT,
    polarity=HIGHER_IS_BETTER,
)
def media_events(user, *, start, end, period, now, layer=None, category=None, country=None):
    """Events of kind media that were held."""
    window = Window(start, end, period, now)
    events = events_of(user, layer=layer, category=category, country=country).filter(
        kind=Event.Kind.MEDIA, status=Event.Status.HELD
    )
    rows = flow(events, "starts_at", window, is_moment=True, numerator=Count("pk"))
    overall, _ = fold(rows, flow_slots)
    return build_result("media_events", window, overall)


@indicator(
    "coverage_tone",
    area="narrative",
    title=gettext_noop("Mean tone of coverage (-2 hostile to +2 favourable)"),
    unit=MEAN,
    polarity=HIGHER_IS_BETTER,
    filters=SIGNAL_FILTERS,
)
def coverage_tone(user, *, start, end, period, now, layer=None, category=None, country=None):
    """The mean tone of logged coverage, overall and by theme."""
    window = Window(start, end, period, now)
    rows = signal_flow(
        Signal.Kind.COVERAGE,
        window,
        key="theme",
        layer=layer,
        country=country,
        numerator=Sum("tone"),
        denominator=Count("pk"),
    )
    overall, parts = fold(rows, flow_slots, [("theme", "theme")])
    return build_result("coverage_tone", window, overall, parts)


@indicator(
    "coverage_themes",
    area="narrative",
    title=gettext_noop("Share of coverage beyond security"),
    unit=SHARE,
    polarity=HIGHER_IS_BETTER,
    filters=SIGNAL_FILTERS,
)
def coverage_themes(user, *, start, end, period, now, layer=None, category=None, country=None):
    """The share of coverage items on a theme other than security; the breakdown gives
    each theme's share of all coverage."""
    window = Window(start, end, period, now)
    rows = signal_flow(
        Signal.Kind.COVERAGE,
        window,
        key="theme",
        layer=layer,
        country=country,
        numerator=Count("pk", filter=Q(theme__in=BEYOND_SECURITY)),
        denominator=Count("pk"),
    )
    overall, parts = fold(rows, flow_slots, [("theme", "theme")])
    return build_result("coverage_themes", window, overall, parts, share_of_total=True)


# Digital


@indicator(
    "digital_reach",
    area="digital",
    title=gettext_noop("Reach of host-language content (views)"),
    unit=SUM,
    polarity=HIGHER_IS_BETTER,
    filters=SIGNAL_FILTERS,
)
def digital_reach(user, *, start, end, period, now, layer=None, category=None, country=None):
    """The audience of logged digital content, overall and by platform."""
    window = Window(start, end, period, now)
    rows = signal_flow(
        Signal.Kind.DIGITAL_REACH,
        window,
        key="platform",
        layer=layer,
        country=country,
        numerator=Coalesce(Sum("audience"), 0),
    )
    overall, parts = fold(rows, flow_slots, [("platform", "platform")])
    return build_result("digital_reach", window, overall, parts)
