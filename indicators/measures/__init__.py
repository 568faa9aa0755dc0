"""The strategy's indicators (DESIGN.md, "Indicators"): counts and rates over time, each
computed by one aggregate query, filterable by period, layer, category and country.

Every indicator is a function ``(user, *, start, end, period, now, layer=None,
category=None, country=None) -> Result``. ``start`` and ``end`` are dates, both included;
``period`` (month, quarter or year) sizes the buckets of the series. Each result carries its
series, the figure for the whole window (``total``), the same figure for the window just
before (``previous``: the same number of months when the window is whole months, else the
same number of days; for a window still running, the same days of the window before, up to
today's counterpart) and their difference (``change``). Each indicator declares its
polarity (``polarity.py``), which judges a change better or worse; each point of a series
says whether it counts part of its period only (a period still running, or cut by the
window).

Three kinds of figures:

- flows (exchanges, events, programmes started, signals) are counted, summed or averaged
  over what happened in each bucket, grouped in SQL with Trunc;
- ``programmes_active``, ``programme_participants`` and ``partner_institutions`` count what
  ran during each bucket (overlapping it), and the total counts what ran during the window;
- the network's health is a state: each bucket is read at its end (or now, for the bucket
  in progress; buckets still to come have no value), the total at the window's end, the
  previous figure at its start.

Everything that counts contacts, exchanges, channels or invitations reads through
``visible_to(user)``, so a contact the reader may not see never changes a figure.
Results are aggregates only: no contact's name, no note; the breakdown by officer is left
out for readers who see no notes (analysts).

This package reads both apps, so it lives in ``trackii``; the areas register their
indicators in the order of DESIGN.md's list when imported here.
"""

from indicators.measures import civil, narrative, network, presence, security  # noqa: F401
from indicators.measures.base import (
    COUNT,
    MAX_BUCKETS,
    MEAN,
    PERIOD_MONTHS,
    PERIODS,
    REGISTRY,
    SHARE,
    SUM,
    Part,
    Point,
    Result,
    Window,
    add_months,
    compute,
    compute_all,
    count_buckets,
    mission_today,
    period_start,
)
from indicators.measures.civil import (
    partner_institutions,
    programme_participants,
    programmes_active,
    programmes_started,
)
from indicators.measures.narrative import (
    coverage_themes,
    coverage_tone,
    digital_reach,
    journalist_exchanges,
    media_events,
)
from indicators.measures.network import channels_within_cadence, single_channel_organizations
from indicators.measures.polarity import (
    BETTER,
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    NEUTRAL,
    POLARITIES,
    POLARITY_LABELS,
    SAME,
    WORSE,
    assess,
)
from indicators.measures.presence import (
    acceptance_rate,
    attendance_rate,
    events_held,
    speaker_share,
)
from indicators.measures.security import coordination_outcomes, friction_incidents

# The areas in the order of DESIGN.md's list (imports above are sorted by name instead).
AREA_ORDER = ("narrative", "digital", "civil", "presence", "network_health", "security")
_ordered = sorted(REGISTRY.values(), key=lambda definition: AREA_ORDER.index(definition.area))
REGISTRY.clear()
REGISTRY.update((definition.name, definition) for definition in _ordered)

__all__ = [
    "AREA_ORDER",
    "BETTER",
    "COUNT",
    "HIGHER_IS_BETTER",
    "LOWER_IS_BETTER",
    "MAX_BUCKETS",
    "MEAN",
    "NEUTRAL",
    "PERIODS",
    "PERIOD_MONTHS",
    "POLARITIES",
    "POLARITY_LABELS",
    "REGISTRY",
    "SAME",
    "SHARE",
    "SUM",
    "WORSE",
    "Part",
    "Point",
    "Result",
    "Window",
    "acceptance_rate",
    "add_months",
    "assess",
    "attendance_rate",
    "channels_within_cadence",
    "compute",
    "compute_all",
    "coordination_outcomes",
    "count_buckets",
    "coverage_themes",
    "coverage_tone",
    "digital_reach",
    "events_held",
    "friction_incidents",
    "journalist_exchanges",
    "media_events",
    "mission_today",
    "partner_institutions",
    "period_start",
    "programme_participants",
    "programmes_active",
    "programmes_started",
    "single_channel_organizations",
    "speaker_share",
]
