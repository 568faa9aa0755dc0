"""An instant that is not a recorded month start (the ends of a custom range) is read from
the exchanges: among every active channel (not only those the reader may see), and over
the longest cadence before it only (``kept_up_at``'s ``longest_cadence``). Neither ever
changes a figure: the same channels are kept up with or without them.
"""

import datetime as dt

from contacts import states
from contacts.models import Channel
from contacts.querysets import cadence_start, kept_up_at
from indicators import measures
from tests import factories
from tests.indicators import test_measures
from tests.indicators.test_measures import NOW

DAY = dt.timedelta(days=1)
network = test_measures.network  # the fixture of the fixed data set


def test_the_longest_cadence_bounds_the_exchanges_read_never_the_figures(db):
    officer = factories.UserFactory(roles=["officer"])
    instant = NOW - 20 * DAY
    # Channels touched after the instant, so read from the exchanges: their touch before
    # it falls just inside or just outside their cadence.
    plan = [(10, 9.5), (10, 10.5), (60, 59), (60, 61), (180, 179), (180, 181)]
    channels = []
    for cadence, days_before in plan:
        contact = factories.ContactFactory()
        channels.append(
            factories.ChannelFactory(
                officer=officer,
                contact=contact,
                kind=Channel.Kind.FORMAL,
                cadence_days=cadence,
                created_at=instant - 400 * DAY,
                last_touch_at=NOW - DAY,
            ).pk
        )
        for moment in (instant - days_before * DAY, NOW - DAY):
            factories.ExchangeFactory(occurred_at=moment, contacts=[contact], officers=[officer])
    tested = Channel.objects.annotate(since=cadence_start(instant, 1.0))

    def kept(longest_cadence):
        rule = kept_up_at(
            instant, "since", 1.0, among=Channel.objects.all(), longest_cadence=longest_cadence
        )
        kept_up = set(tested.filter(rule).values_list("pk", flat=True))
        return [pk in kept_up for pk in channels]

    assert kept(None) == [True, False, True, False, True, False]
    assert kept(180) == kept(None)  # the longest cadence
    # A hint shorter than some cadences (one changed since it was read): the longer ones
    # are read without the bound.
    assert kept(10) == kept(None)
    assert kept(60) == kept(None)


def test_a_custom_range_reads_the_same_figures_from_the_exchanges_as_from_recorded_months(
    network, lead, analyst
):
    """The instants of a custom range that are month starts, read from the exchanges (none
    recorded) and from the recorded states, give the same figures for every reader."""
    custom = {"start": dt.date(2025, 12, 1), "end": dt.date(2026, 2, 28), "period": "month"}
    live = {
        reader.username: measures.channels_within_cadence(reader, **custom, now=NOW)
        for reader in (lead, analyst)
    }
    states.record_months([dt.date(2025, 12, 1), *(dt.date(2026, m, 1) for m in (1, 2, 3))], now=NOW)

    for reader in (lead, analyst):
        recorded = measures.channels_within_cadence(reader, **custom, now=NOW)
        assert recorded == live[reader.username], reader.username
