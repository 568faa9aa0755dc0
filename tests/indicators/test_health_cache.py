"""Network health's figures kept per reader (``indicators.cache.network_health``): a second
request reads no channel; the figures of any later moment they serve are those computed
then (channels falling due count out of the kept ones and into their officers' overdue,
whose order they change); any change, another reader, a climate level or a new day computes
them again."""

import datetime as dt
import random

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts import services
from contacts.models import Channel, Sensitivity
from indicators import cache as figure_cache
from indicators import health
from tests import factories
from tests.indicators.test_health_figures import _found

NOW = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)
DAY, HOUR = dt.timedelta(days=1), dt.timedelta(hours=1)
MICROSECOND = dt.timedelta(microseconds=1)

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


@pytest.fixture
def falling_due(owner, teammate, lead):
    """Channels of the lead's team falling due through the day at odd moments, by officer,
    layer and category (the owner's later than the teammate's, so the officers change
    places), and a restricted contact of the owner's (the lead sees it, an analyst does not)
    and a protected one (neither sees it)."""
    rng = random.Random(21)
    officers = [owner, teammate, lead]
    for number in range(24):
        officer = officers[number % 3]
        hours = (1 if officer == teammate else 5) + number / 3 + rng.random()
        factories.ChannelFactory(
            officer=officer,
            contact=factories.ContactFactory(
                owner=owner,
                layer=rng.choice(["security", "political", ""]),
                category=rng.choice(["journalist", "academic"]),
                organization=factories.OrganizationFactory() if number % 4 == 0 else None,
            ),
            kind=rng.choice(list(Channel.Kind)),
            cadence_days=10,
            created_at=NOW - 40 * DAY,
            last_touch_at=NOW - 10 * DAY + dt.timedelta(hours=hours),
        )
    for sensitivity in (Sensitivity.PROTECTED, Sensitivity.RESTRICTED):
        factories.ChannelFactory(
            officer=owner,
            contact=factories.ContactFactory(owner=owner, sensitivity=sensitivity),
            cadence_days=10,
            last_touch_at=NOW - 10 * DAY + 2 * HOUR,
        )


def live(user, moment, limit=None):
    return health.health_figures(Channel.objects.visible_to(user), now=moment, limit=limit)


def assert_served_as_computed_then(kept: health.Kept, user) -> list:
    """``kept`` (read at ``NOW``) gives, at every moment a channel falls due and the
    microsecond before, each list in full and cut, the figures computed then; the moments."""
    assert len(kept.lapses) >= 20
    moments = [NOW, *(when for when, *_ in kept.lapses)]
    for moment in moments:
        for instant in (moment - MICROSECOND, moment):
            if instant >= NOW:
                for limit in (None, 2):
                    assert _found(kept.at(instant, limit)) == _found(live(user, instant, limit))
    return moments


def page(client, user, query=None):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("network_health"), query or {})
    assert response.status_code == 200
    response.channel_queries = [
        q["sql"] for q in queries.captured_queries if '"contacts_channel"' in q["sql"]
    ]
    return response


def shown(response) -> dict:
    context = response.context
    return {
        "by_status": [(row["key"], row["channels"]) for row in context["by_status"]],
        "by_layer": [(row["key"], row["kept"]) for row in context["by_layer"]],
        "by_category": [(row["key"], row["kept"]) for row in context["by_category"]],
        "by_officer": [(row["officer_id"], row["overdue"]) for row in context["by_officer"]],
        "single": [row["contact__organization"] for row in context["single_channel_organizations"]],
        "totals": (
            context["by_officer_total"],
            context["single_channel_organizations_total"],
        ),
    }


@pytest.mark.usefixtures("falling_due")
def test_the_kept_figures_at_every_moment_until_the_horizon_are_those_computed_then(lead):
    until = NOW + DAY
    channels = Channel.objects.visible_to(lead)
    kept = health.Kept(
        read_at=NOW,
        figures=live(lead, NOW),
        lapses=health.lapses(channels, now=NOW, until=until),
    )

    moments = assert_served_as_computed_then(kept, lead)
    # The officers change places as the day goes on.
    first, last = kept.at(NOW, None).by_officer, kept.at(moments[-1], None).by_officer
    assert [row["officer_id"] for row in first] != [row["officer_id"] for row in last]


@pytest.mark.usefixtures("falling_due")
def test_a_second_request_reads_no_channel_and_later_ones_count_channels_fallen_due(client, lead):
    with time_machine.travel(NOW, tick=False):
        first = page(client, lead)
        again = page(client, lead)
    later = {}
    for moment in (NOW + 3 * HOUR, NOW + 9 * HOUR):
        with time_machine.travel(moment, tick=False):
            later[moment] = page(client, lead)
            expected = page_of(lead, moment)
        assert not later[moment].channel_queries
        assert shown(later[moment]) == expected

    assert first.channel_queries
    assert not again.channel_queries
    assert shown(again) == shown(first) == page_of(lead, NOW)
    assert shown(later[NOW + 3 * HOUR]) != shown(first)


def page_of(user, moment) -> dict:
    """What the page shows at ``moment``, computed without the cache."""
    from indicators.views import health as views

    figures = live(user, moment, views.HEALTH_ROWS)
    return {
        "by_status": list(figures.by_status.items()),
        "by_layer": [(row["key"], row["kept"]) for row in figures.by_layer],
        "by_category": [(row["key"], row["kept"]) for row in figures.by_category],
        "by_officer": [(row["officer_id"], row["overdue"]) for row in figures.by_officer],
        "single": [row["contact__organization"] for row in figures.single_channel],
        "totals": (figures.officers, figures.single_channel_total),
    }


def make_change(change: str, *, owner, lead, outsider) -> None:
    """One change of the kind named, at ``NOW``, to what the lead's figures read: an
    exchange logged with the owner's first contact, that channel closed, a grant of the
    protected contact to the lead, a climate level, the contact's layer, a new
    single-channel organization (the outsider's), or the outsider joining the lead's team
    with a restricted contact of their own."""
    channel = Channel.objects.filter(officer=owner).order_by("pk").first()
    if change == "exchange":
        services.log_exchange(
            occurred_at=NOW - HOUR,
            kind="meeting",
            contacts=[channel.contact],
            officers=[owner],
            summary="Met",
            created_by=owner,
            now=NOW,
        )
    elif change == "channel_closed":
        Channel.objects.filter(pk=channel.pk).update(status=Channel.Status.CLOSED)
    elif change == "grant":
        hidden = Channel.objects.get(contact__sensitivity=Sensitivity.PROTECTED)
        factories.GrantFactory(contact=hidden.contact, user=lead)
    elif change == "climate":
        factories.ClimateFactory(level="crisis", started_at=NOW - HOUR)
    elif change == "contact_layer":
        type(channel.contact).objects.filter(pk=channel.contact_id).update(layer="narrative")
    elif change == "organization":
        lone = factories.ContactFactory(
            owner=outsider, organization=factories.OrganizationFactory()
        )
        factories.ChannelFactory(officer=outsider, contact=lone)
    else:
        assert change == "team"
        factories.ChannelFactory(
            officer=outsider,
            contact=factories.ContactFactory(owner=outsider, sensitivity=Sensitivity.RESTRICTED),
        )
        lead.teams.first().members.add(outsider)


@pytest.mark.usefixtures("falling_due")
def test_the_lists_cut_by_limit_are_cut_from_the_kept_ones(client, lead):
    with time_machine.travel(NOW + 7 * HOUR, tick=False):
        page(client, lead)
        cut = page(client, lead, {"limit": "1"})
        expected = live(lead, NOW + 7 * HOUR, 1)

    assert not cut.channel_queries
    assert [(row["officer_id"], row["overdue"]) for row in cut.context["by_officer"]] == [
        (row["officer_id"], row["overdue"]) for row in expected.by_officer
    ]
    assert cut.context["by_officer_total"] == expected.officers


@pytest.mark.parametrize(
    "change",
    ["exchange", "channel_closed", "grant", "climate", "contact_layer", "organization"],
)
@pytest.mark.usefixtures("falling_due")
def test_any_change_shows_on_the_next_request(client, change, owner, lead, outsider):
    later = NOW + 6 * HOUR  # about half the channels of the fixture have fallen due
    with time_machine.travel(NOW, tick=False):
        page(client, lead)
    with time_machine.travel(later, tick=False):
        before = page(client, lead)  # the kept figures, channels fallen due counted out
    with time_machine.travel(NOW, tick=False):
        make_change(change, owner=owner, lead=lead, outsider=outsider)
    with time_machine.travel(later, tick=False):
        after = page(client, lead)
        expected = page_of(lead, later)

    assert not before.channel_queries
    assert after.channel_queries
    assert shown(after) == expected
    assert shown(after) != shown(before)


@pytest.mark.usefixtures("falling_due")
def test_two_readers_never_see_each_others_figures(client, analyst, lead):
    with time_machine.travel(NOW, tick=False):
        page(client, lead)
        for user in (analyst, lead):
            assert shown(page(client, user)) == page_of(user, NOW)
        assert page_of(analyst, NOW) != page_of(lead, NOW)  # the restricted contact


@pytest.mark.usefixtures("falling_due")
def test_nothing_is_kept_when_the_cache_is_off(client, lead, settings):
    settings.INDICATOR_CACHE_SECONDS = 0
    with time_machine.travel(NOW, tick=False):
        page(client, lead)
        again = page(client, lead)

    assert again.channel_queries
    assert figure_cache.enabled() is False
