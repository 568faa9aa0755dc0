"""Network health: channels kept within their cadence, and organizations that hang on one
channel. States, read at instants."""

from __future__ import annotations

from django.db.models import Count, F, FilteredRelation, Max, Min, Q, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_noop

from contacts import states
from contacts.access import may_read_notes
from contacts.models import Channel, Climate, Exchange
from contacts.querysets import cadence_start, contact_visible_to, kept_up_at, kept_up_until
from indicators.measures.base import (
    COUNT,
    SHARE,
    Lapsing,
    Window,
    build_result,
    column_slots,
    count_groups_in_sql,
    figures_of,
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
    title=gettext_noop("Active channels touched within their cadence"),
    unit=SHARE,
    polarity=HIGHER_IS_BETTER,
    reads_now=True,
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
    filters = {"layer": layer, "category": category, "country": country}
    figures = cadence_figures(user, start=start, end=end, period=period, now=now, **filters)
    return figures.at(now)


@figures_of("channels_within_cadence")
def cadence_figures(
    user, *, start, end, period, now, until=None, layer=None, category=None, country=None
) -> Lapsing:
    """``channels_within_cadence``'s figures, and, when ``until`` is given, when each
    channel counted kept up now stops being so before ``until`` (``kept_up_until``): the
    figures at any moment from ``now`` to ``until``, provided no channel is created,
    restarted or touched and no climate level starts meanwhile (``horizon``)."""
    window = Window(start, end, period, now)
    instants, missing = instants_of(window)
    recorded = states.recorded_instants(when for _, when in instants)
    live = [(slot, when) for slot, when in instants if when not in recorded]
    now_slots = tuple(slot for slot, when in instants if when == now)
    lapsing = until is not None and bool(now_slots)
    factors = climate_factors([*live, (None, now)] if lapsing else live)
    counted = Channel.objects.visible_to(user).filter(
        contact_filter("contact__", layer=layer, category=category, country=country),
        status=Channel.Status.ACTIVE,
    )
    # The channels touched after an instant are looked up among every active channel: the
    # counted ones are a subset, and without the access rule inside the lookup the database
    # hashes the exchanges once instead of probing them channel by channel.
    active = Channel.objects.filter(status=Channel.Status.ACTIVE)
    # An instant before now reads its exchanges over the longest cadence before it only.
    longest = None
    if any(when < now for _, when in live):
        longest = active.aggregate(longest=Max("cadence_days"))["longest"]
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
            kept = kept_up_at(when, since, factors[when], among=active, longest_cadence=longest)
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
    lapses = ()
    if lapsing:
        lapses = _lapses(counted, keys, dimensions, now=now, factor=factors[now], until=until)
    return Lapsing.of(
        "channels_within_cadence",
        window,
        overall,
        parts,
        missing=frozenset(missing),
        now_slots=now_slots,
        lapses=lapses,
    )


def _lapses(counted, keys, dimensions, *, now, factor, until) -> tuple:
    """When the channels counted kept up ``now`` stop being so, from ``now`` to ``until``
    (excluded), with the (dimension, key) pairs of each and how many: one statement over
    the channels whose moment falls in that span (those due before ``until``)."""
    rows = (
        counted.filter(created_at__lte=now)
        .annotate(lapses_at=kept_up_until(now, factor))
        .filter(lapses_at__gt=now, lapses_at__lt=until)
        .annotate(**keys)
        .order_by()
        .values("lapses_at", *keys)
        .annotate(rows=Count("pk"))
        .order_by("lapses_at")
    )
    return tuple(
        (
            row["lapses_at"],
            tuple((by, str(row[column] or "")) for by, column in dimensions),
            row["rows"],
        )
        for row in rows
    )


def horizon(now):
    """The first moment after ``now`` at which a state read at ``now`` may change with no
    write at all: a channel created, restarted or touched (an exchange) with a later date,
    or a climate level starting later. None when nothing is dated after ``now``."""
    # The channels dated after now found through their indexes on those dates (a BitmapOr)
    # before the aggregate reads them.
    later = [
        *Channel.objects.filter(Q(created_at__gt=now) | Q(count_restarted_at__gt=now))
        .aggregate(
            created=Min("created_at", filter=Q(created_at__gt=now)),
            restarted=Min("count_restarted_at", filter=Q(count_restarted_at__gt=now)),
        )
        .values(),
        Exchange.objects.filter(occurred_at__gt=now).aggregate(first=Min("occurred_at"))["first"],
        Climate.objects.filter(started_at__gt=now).aggregate(first=Min("started_at"))["first"],
    ]
    return min((moment for moment in later if moment is not None), default=None)


@indicator(
    "single_channel_organizations",
    area="network_health",
    title=gettext_noop("Organizations reachable through only one active channel"),
    unit=COUNT,
    polarity=LOWER_IS_BETTER,
    reads_now=True,
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
