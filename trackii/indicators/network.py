"""Network health: channels kept within their cadence, and organizations that hang on one
channel. States, read at instants."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from contacts.expressions import PlusHours
from contacts.models import Channel, Exchange
from contacts.querysets import _hours_per_cadence_day
from contacts.rest import notes_allowed
from trackii.indicators.base import (
    COUNT,
    SHARE,
    Window,
    build_result,
    column_slots,
    fold,
    indicator,
)
from trackii.indicators.queries import (
    climate_factors,
    column_name,
    contact_filter,
    instants_of,
    organizations_of,
)


@indicator(
    "channels_within_cadence",
    area="network_health",
    title="Active channels touched within their cadence",
    unit=SHARE,
)
def channels_within_cadence(
    user, *, start, end, period, now, layer=None, category=None, country=None
):
    """Of the channels active now (that the reader may see) that existed at each instant,
    the share not overdue then: touched, created or restarted within the effective cadence
    under the climate of that instant. By layer, category and (except for analysts)
    officer."""
    window = Window(start, end, period, now)
    instants, missing = instants_of(window)
    factors = climate_factors(instants)
    channels = Channel.objects.visible_to(user).filter(
        contact_filter("contact__", layer=layer, category=category, country=country),
        status=Channel.Status.ACTIVE,
    )
    aggregates = {}
    for slot, when in instants:
        column = column_name(slot)
        channels = channels.annotate(**{f"since_{column}": _cadence_before(when, factors[slot])})
        existed = Q(created_at__lte=when)
        aggregates[f"n_{column}"] = Count("pk", filter=existed & _touched(column, when))
        aggregates[f"d_{column}"] = Count("pk", filter=existed)
    keys = ["contact__layer", "contact__category"]
    dimensions = [("layer", "contact__layer"), ("category", "contact__category")]
    if notes_allowed(user):
        keys.append("officer__username")
        dimensions.append(("officer", "officer__username"))
    rows = channels.order_by().values(*keys).annotate(**aggregates)
    slots = [(slot, column_name(slot)) for slot, _ in instants]
    overall, parts = fold(rows, column_slots(slots), dimensions)
    return build_result("channels_within_cadence", window, overall, parts, missing=missing)


def _cadence_before(when: dt.datetime, factor: float):
    """``when`` minus the channel's effective cadence under ``factor``."""
    hours = ExpressionWrapper(
        F("cadence_days") * _hours_per_cadence_day(factor) * Value(-1.0),
        output_field=FloatField(),
    )
    return PlusHours(Value(when), hours)


def _touched(column: str, when: dt.datetime) -> Q:
    """Counted from a moment in (since, when]: its creation, a restart of its count, or an
    exchange with both its officer and its contact."""
    since = F(f"since_{column}")
    touch = Exchange.objects.filter(
        contacts=OuterRef("contact_id"),
        officers=OuterRef("officer_id"),
        occurred_at__gt=OuterRef(f"since_{column}"),
        occurred_at__lte=when,
    )
    return (
        Q(created_at__gt=since)
        | Q(count_restarted_at__gt=since, count_restarted_at__lte=when)
        | Q(last_touch_at__gt=since, last_touch_at__lte=when)
        | Q(Exists(touch))
    )


@indicator(
    "single_channel_organizations",
    area="network_health",
    title="Organizations reachable through only one active channel",
    unit=COUNT,
)
def single_channel_organizations(
    user, *, start, end, period, now, layer=None, category=None, country=None
):
    """Organizations (of the country) whose contacts (of the layer and category, that the
    reader may see) hold exactly one channel active now that existed at each instant, by
    kind of organization."""
    window = Window(start, end, period, now)
    instants, missing = instants_of(window)
    channels = Channel.objects.visible_to(user).filter(
        contact_filter("contact__", layer=layer, category=category),
        status=Channel.Status.ACTIVE,
        contact__organization=OuterRef("pk"),
    )
    organizations = organizations_of(country=country)
    aggregates = {}
    for slot, when in instants:
        column = column_name(slot)
        held = (
            channels.filter(created_at__lte=when)
            .order_by()
            .values("contact__organization")
            .annotate(held=Count("pk"))
            .values("held")
        )
        organizations = organizations.annotate(
            **{f"held_{column}": Coalesce(Subquery(held, output_field=IntegerField()), 0)}
        )
        aggregates[f"n_{column}"] = Count("pk", filter=Q(**{f"held_{column}": 1}))
    rows = organizations.order_by().values("kind").annotate(**aggregates)
    slots = [(slot, column_name(slot)) for slot, _ in instants]
    overall, parts = fold(rows, column_slots(slots), [("kind", "kind")])
    return build_result("single_channel_organizations", window, overall, parts, missing=missing)
