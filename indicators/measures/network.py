"""Network health: channels kept within their cadence, and organizations that hang on one
channel. States, read at instants."""

from __future__ import annotations

from django.db.models import Count, F, FilteredRelation, Q, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.db.models.lookups import GreaterThan

from contacts import states
from contacts.access import may_read_notes
from contacts.models import Channel
from contacts.querysets import cadence_start, contact_visible_to, kept_up_at
from indicators.measures.base import (
    COUNT,
    SHARE,
    Window,
    build_result,
    column_slots,
    count_groups_in_sql,
    fold,
    fold_in_sql,
    indicator,
)
from indicators.measures.polarity import HIGHER_IS_BETTER, LOWER_IS_BETTER
from indicators.measures.queries import (
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
    polarity=HIGHER_IS_BETTER,
)
def channels_within_cadence(
    user, *, start, end, period, now, layer=None, category=None, country=None
):
    """Of the channels active now (that the reader may see) that existed at each instant,
    the share not overdue then: touched, created or restarted within the effective cadence
    under the climate of that instant. By layer, category and (except for analysts)
    officer.

    A recorded month start is read from the channels' recorded states (``contacts.states``:
    one row per channel and year); any other instant (now, the end of a custom range, a
    month start in another time zone or not recorded yet) from their exchanges."""
    window = Window(start, end, period, now)
    instants, missing = instants_of(window)
    recorded = states.recorded_instants(when for _, when in instants)
    live = [(slot, when) for slot, when in instants if when not in recorded]
    factors = climate_factors(live)
    counted = Channel.objects.visible_to(user).filter(
        contact_filter("contact__", layer=layer, category=category, country=country),
        status=Channel.Status.ACTIVE,
    )
    channels = counted
    for year in sorted({month.year for month in recorded.values()}):
        channels = channels.annotate(
            **{f"states_{year}": FilteredRelation("states", condition=Q(states__year=year))}
        )
    # One pair of counts per distinct instant: the window's end is also its last bucket's.
    columns = {when: column_name(slot) for slot, when in reversed(instants)}
    aggregates = {}
    for when, column in columns.items():
        existed = Q(created_at__lte=when)
        if when in recorded:
            year, bit = states.bit_of(when, recorded)
            kept = Q(GreaterThan(F(f"states_{year}__kept_up").bitand(bit), 0))
        else:
            since = f"since_{column}"
            channels = channels.annotate(**{since: cadence_start(when, factors[when])})
            kept = kept_up_at(when, since, factors[when], among=counted)
        aggregates[f"n_{column}"] = Count("pk", filter=existed & kept)
        aggregates[f"d_{column}"] = Count("pk", filter=existed)
    keys = {"k_layer": F("contact__layer"), "k_category": F("contact__category")}
    if may_read_notes(user):
        # By the officer's full name (people are named, not their accounts), else username.
        full_name = Trim(Concat(F("officer__first_name"), Value(" "), F("officer__last_name")))
        keys["k_officer"] = Coalesce(NullIf(full_name, Value("")), F("officer__username"))
    groups = channels.annotate(**keys).order_by().values(*keys).annotate(**aggregates)
    slots = [(slot, columns[when]) for slot, when in instants]
    dimensions = [(key.removeprefix("k_"), key) for key in keys]
    overall, parts = fold_in_sql(groups, slots, dimensions)
    return build_result("channels_within_cadence", window, overall, parts, missing=missing)


@indicator(
    "single_channel_organizations",
    area="network_health",
    title="Organizations reachable through only one active channel",
    unit=COUNT,
    polarity=LOWER_IS_BETTER,
)
def single_channel_organizations(
    user, *, start, end, period, now, layer=None, category=None, country=None
):
    """Organizations (of the country) whose contacts (of the layer and category, that the
    reader may see) hold exactly one channel active now that existed at each instant, by
    kind of organization (the kinds of the organizations holding any such channel).

    One statement: each organization's channels counted at each instant, and over those
    groups the organizations holding exactly one, per kind."""
    window = Window(start, end, period, now)
    instants, missing = instants_of(window)
    # Organizations joined to the channels of their contacts that count (one filter()
    # call: the conditions hold for the same contact and channel), grouped by organization.
    held = (
        organizations_of(country=country)
        .filter(
            contact_visible_to(user, prefix="contacts__"),
            contact_filter("contacts__", layer=layer, category=category),
            contacts__channels__status=Channel.Status.ACTIVE,
        )
        .annotate(organization_kind=F("kind"))
        .order_by()
        .values("pk", "organization_kind")
        .annotate(
            **{
                f"held_{column_name(slot)}": Count(
                    "contacts__channels", filter=Q(contacts__channels__created_at__lte=when)
                )
                for slot, when in instants
            }
        )
    )
    slots = [(slot, f"held_{column_name(slot)}") for slot, _ in instants]
    rows = count_groups_in_sql(held, "organization_kind", [column for _, column in slots])
    overall, parts = fold(rows, column_slots(slots), [("kind", "organization_kind")])
    return build_result("single_channel_organizations", window, overall, parts, missing=missing)
