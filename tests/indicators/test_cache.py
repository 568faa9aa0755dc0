"""The indicators' cached figures (``indicators.cache``): a second request of the same
reader and filters reads them from the cache, and no change of any kind, no other reader
and no passing time ever gets a figure that is no longer the one computed now.

Figures come from the fixed network of ``test_measures`` (computed by hand there), read on
15 March 2026 at noon (UTC) over the first quarter of 2026 by month: the lead sees three
exchanges with journalists.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts import services
from contacts.models import Channel, Contact, Exchange, Layer, Sensitivity
from indicators import cache as figure_cache
from indicators import measures
from indicators.measures import network as network_measures
from indicators.models import FigureChange, FigureGeneration
from tests import factories
from tests.conftest import api
from tests.indicators import test_measures
from tests.indicators.test_measures import NOW, Q1, add_protected_journalist, at

network = test_measures.network  # the fixture of the fixed data set
Q1_QUERY = {"from": "2026-01-01", "to": "2026-03-31"}
DAY, HOUR = dt.timedelta(days=1), dt.timedelta(hours=1)
# The statements that compute figures (the channels, the exchanges, the signals...), as
# opposed to the request's own (session, user, roles) and the generation's.
FIGURE_TABLES = ("contacts_exchange", "contacts_channel", "contacts_signal", "events_invitation")

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def dashboard(client, user, query=None):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"), query or Q1_QUERY)
    assert response.status_code == 200
    response.queries = [query["sql"] for query in queries.captured_queries]
    return response


def panels(response) -> dict:
    """Every figure the page shows, by indicator: headline, series and breakdown."""
    return {
        panel["name"]: (panel["total"], panel["previous"], panel["rows"], panel["breakdown"])
        for area in response.context["areas"]
        for panel in area["panels"]
    }


def total(response, name: str) -> str:
    return panels(response)[name][0]


def figure_queries(response) -> list[str]:
    return [sql for sql in response.queries if any(f'"{t}"' in sql for t in FIGURE_TABLES)]


def live(user, name, **filters):
    """The figure computed now, without the cache."""
    return measures.compute(name, user, **{**Q1, **filters})


# Warm requests


def test_a_second_request_reads_the_cached_figures_and_shows_the_same_page(
    client, network, lead, frozen
):
    cold = dashboard(client, lead)
    warm = dashboard(client, lead)

    assert figure_queries(cold)
    assert len([sql for sql in cold.queries if 'FROM "events_invitation"' in sql]) == 1
    assert not figure_queries(warm)
    assert len(warm.queries) < len(cold.queries)
    assert panels(warm) == panels(cold)
    assert total(warm, "journalist_exchanges") == "3"
    # The same page, but for the forms' one-time tokens.
    token = re.compile(rb'(csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]*"')
    assert token.sub(b"", warm.content) == token.sub(b"", cold.content)


def test_each_request_reads_the_readers_roles_once_at_most(client, network, lead, frozen):
    for response in (dashboard(client, lead), dashboard(client, lead)):
        roles = [sql for sql in response.queries if '"auth_group"' in sql]
        assert len(roles) <= 1


def test_the_exports_and_the_api_read_the_same_cached_figures(client, network, lead, frozen):
    dashboard(client, lead)
    url = reverse("dashboard_export_csv")

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, Q1_QUERY)
        listed = api(lead).get("/api/v1/indicators/", Q1_QUERY)

    assert response.status_code == 200
    assert listed.status_code == 200
    assert not [q for q in queries.captured_queries if '"contacts_exchange"' in q["sql"]]
    journalists = next(r for r in listed.json()["results"] if r["name"] == "journalist_exchanges")
    assert journalists["total"] == 3


def test_nothing_is_kept_when_the_cache_is_off(client, network, lead, frozen, settings):
    settings.INDICATOR_CACHE_SECONDS = 0
    dashboard(client, lead)

    again = dashboard(client, lead)

    assert figure_queries(again)
    assert total(again, "journalist_exchanges") == "3"
    # The three invitation rates still read their one statement once.
    assert len([sql for sql in again.queries if 'FROM "events_invitation"' in sql]) == 1


# Every kind of change shows on the next request


def _log_an_exchange(network, users, client):
    services.log_exchange(
        occurred_at=at("2026-03-12"),
        kind=Exchange.Kind.CALL,
        contacts=[network["j1"]],
        officers=[users["owner"]],
        summary="A call.",
        created_by=users["owner"],
        now=NOW,
    )


def _january_exchange():
    return Exchange.objects.get(occurred_at=at("2026-01-10"))


def _edit_one_in_the_admin(network, users, client):
    exchange = _january_exchange()
    client.force_login(users["admin"])
    response = client.post(
        reverse("admin:contacts_exchange_change", args=[exchange.pk]),
        {
            "occurred_at_0": "2025-12-20",
            "occurred_at_1": "10:00:00",
            "kind": exchange.kind,
            "contacts": [network["j1"].pk],
            "officers": [users["owner"].pk],
            "summary": "Moved to December.",
            "notes": "",
            "topics": "[]",
            "follow_up_on": "",
            "created_by": "",
        },
    )
    assert response.status_code == 302


def _edit_one_through_the_api(network, users, client):
    exchange = _january_exchange()
    response = api(users["owner"]).patch(
        f"/api/v1/exchanges/{exchange.pk}/",
        {"occurred_at": "2025-12-20T10:00:00Z"},
        format="json",
    )
    assert response.status_code == 200


def _move_one_by_a_bulk_update(network, users, client):
    moved = Exchange.objects.filter(occurred_at=at("2026-01-10")).update(
        occurred_at=at("2025-12-20")
    )
    assert moved == 1


def _change_a_contacts_sensitivity(network, users, client):
    j2 = network["j2"]  # the outsider's: the lead sees it while it is standard
    j2.sensitivity = Sensitivity.PROTECTED
    j2.save()


CHANGES = {
    # name: (change, the lead's exchanges with journalists after it)
    "an exchange logged through the service": (_log_an_exchange, "4"),
    "an exchange edited in the admin": (_edit_one_in_the_admin, "2"),
    "an exchange edited through the API": (_edit_one_through_the_api, "2"),
    "exchanges moved by a bulk update()": (_move_one_by_a_bulk_update, "2"),
    "a contact's sensitivity changed": (_change_a_contacts_sensitivity, "1"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_to_the_exchanges_shows_on_the_next_request(
    client, network, owner, outsider, lead, admin_user, frozen, change
):
    users = {"owner": owner, "outsider": outsider, "admin": admin_user}
    make, expected = CHANGES[change]
    before = dashboard(client, lead)
    assert total(dashboard(client, lead), "journalist_exchanges") == "3"  # from the cache

    make(network, users, client)
    after = dashboard(client, lead)

    assert total(before, "journalist_exchanges") == "3"
    assert total(after, "journalist_exchanges") == expected
    assert live(lead, "journalist_exchanges").total == int(expected)


def test_a_grant_given_then_taken_shows_on_the_next_requests(
    client, network, owner, outsider, lead, frozen
):
    protected = add_protected_journalist(network, owner=owner, outsider=outsider)
    assert total(dashboard(client, lead), "journalist_exchanges") == "3"
    dashboard(client, lead)

    services.grant_access(contact=protected, user=lead, granted_by=outsider)
    granted = dashboard(client, lead)
    services.revoke_access(contact=protected, user=lead, revoked_by=outsider)
    taken = dashboard(client, lead)

    # The protected journalist's exchanges of 12 January and 13 February.
    assert total(granted, "journalist_exchanges") == "5"
    assert total(taken, "journalist_exchanges") == "3"


def test_a_climate_level_shows_on_the_next_request(client, network, lead, frozen):
    before = total(dashboard(client, lead), "channels_within_cadence")
    dashboard(client, lead)

    services.record_climate_level(level="crisis", started_at=NOW - HOUR, note="Tension.")
    after = dashboard(client, lead)

    figure = live(lead, "channels_within_cadence").total
    assert total(after, "channels_within_cadence") == f"{figure * 100:.1f}%"
    assert total(after, "channels_within_cadence") != before


def test_a_signal_added_shows_on_the_next_request(client, network, lead, frozen):
    before = total(dashboard(client, lead), "friction_incidents")
    dashboard(client, lead)

    response = api(lead).post(
        "/api/v1/signals/",
        {
            "kind": "friction_incident",
            "occurred_on": "2026-03-02",
            "title": "A venue withdrew.",
            "severity": "low",
            "country": "IL",
        },
        format="json",
    )
    after = dashboard(client, lead)

    assert response.status_code == 201
    assert (before, total(after, "friction_incidents")) == ("2", "3")


# Readers


def test_two_readers_never_see_each_others_figures(client, network, owner, lead, analyst, frozen):
    # A restricted journalist of the owner's: the lead (the owner's teammate) sees it, the
    # analyst (in no team) does not. Its exchange of 3 March counts for the lead only.
    restricted = factories.ContactFactory(
        full_name="Restricted Source",
        category=Contact.Category.JOURNALIST,
        layer=Layer.NARRATIVE,
        sensitivity=Sensitivity.RESTRICTED,
        owner=owner,
    )
    factories.ExchangeFactory(occurred_at=at("2026-03-03"), contacts=[restricted], officers=[owner])

    for readers in ((lead, analyst), (analyst, lead)):
        figures = {reader.username: dashboard(client, reader) for reader in readers}
        again = {reader.username: dashboard(client, reader) for reader in readers}
        for pages in (figures, again):
            assert total(pages["lead"], "journalist_exchanges") == "4"
            assert total(pages["analyst"], "journalist_exchanges") == "3"
        assert not figure_queries(again["lead"])
        assert not figure_queries(again["analyst"])
        # A change between the two orders, so the second starts from nothing kept.
        factories.SignalFactory()


def test_the_breakdown_by_officer_follows_the_readers_roles(client, network, lead, frozen):
    with_officers = panels(dashboard(client, lead))["channels_within_cadence"][3]
    lead.groups.set([Group.objects.get_or_create(name="analyst")[0]])

    without = panels(dashboard(client, lead))["channels_within_cadence"][3]

    assert {part["by"] for part in with_officers} == {"Layer", "Category", "Officer"}
    assert {part["by"] for part in without} == {"Layer", "Category"}


# Time


def test_a_new_day_computes_the_figures_again(client, network, lead):
    with time_machine.travel(NOW, tick=False):
        dashboard(client, lead, {})
    with time_machine.travel(NOW + DAY, tick=False):
        tomorrow = dashboard(client, lead, {})
        figures = measures.compute_all(lead, **tomorrow.context["form"].filters, now=NOW + DAY)

    assert figure_queries(tomorrow)
    assert panels(tomorrow)["journalist_exchanges"][0] == str(figures[0].total)


def test_channels_falling_due_count_out_of_the_kept_figure_with_no_request_to_the_database(
    client, network, owner, lead
):
    # A formal channel of the lead's teammate, last touched so that it falls due at 14:00.
    contact = factories.ContactFactory(owner=owner)
    factories.ChannelFactory(
        officer=owner,
        contact=contact,
        kind=Channel.Kind.FORMAL,
        cadence_days=10,
        created_at=NOW - 20 * DAY,
        last_touch_at=NOW - 10 * DAY + 2 * HOUR,
    )
    due = NOW + 2 * HOUR
    with time_machine.travel(NOW, tick=False):
        first = dashboard(client, lead)

    pages = {}
    for moment in (due - dt.timedelta(microseconds=1), due, due + HOUR):
        with time_machine.travel(moment, tick=False):
            pages[moment] = dashboard(client, lead)
            expected = live(lead, "channels_within_cadence", now=moment).total
        assert not figure_queries(pages[moment])
        assert total(pages[moment], "channels_within_cadence") == f"{expected * 100:.1f}%"

    before, after = pages[due - dt.timedelta(microseconds=1)], pages[due]
    assert total(before, "channels_within_cadence") == total(first, "channels_within_cadence")
    assert total(after, "channels_within_cadence") != total(before, "channels_within_cadence")


def test_the_figures_at_any_moment_until_the_horizon_are_those_computed_then(network, lead):
    # Channels of the lead's team falling due every hour of the afternoon, by officer.
    for hours in range(1, 8):
        factories.ChannelFactory(
            officer=factories.UserFactory(roles=["officer"]),
            contact=factories.ContactFactory(),
            kind=Channel.Kind.INFORMAL,
            cadence_days=8,
            created_at=NOW - 30 * DAY,
            # Eight days under the elevated climate (0.75) are six: due in ``hours``.
            last_touch_at=NOW - 6 * DAY + hours * HOUR,
        )
    until = NOW + 10 * HOUR
    figures = network_measures.cadence_figures(lead, **Q1, until=until)

    assert len(figures.lapses) >= 7
    for moment in [NOW, *(lapse for lapse, _, _ in figures.lapses)]:
        for instant in (moment - dt.timedelta(microseconds=1), moment):
            if instant >= NOW:
                computed = measures.channels_within_cadence(lead, **{**Q1, "now": instant})
                assert figures.at(instant) == computed, instant


def test_the_horizon_is_the_first_dated_row_after_now(db):
    assert network_measures.horizon(NOW) is None
    factories.ClimateFactory(level="high", started_at=NOW + 5 * HOUR)
    factories.ChannelFactory(created_at=NOW + 3 * HOUR)

    assert network_measures.horizon(NOW) == NOW + 3 * HOUR
    assert network_measures.horizon(NOW + 4 * HOUR) == NOW + 5 * HOUR


def test_a_state_read_now_is_computed_again_after_the_horizon(client, network, owner, lead):
    # A channel dated a few minutes ahead (a clock running fast), the only one of its
    # organization: from that moment on, the organization hangs on one channel.
    later = NOW + 10 * dt.timedelta(minutes=1)
    contact = factories.ContactFactory(organization=factories.OrganizationFactory())
    factories.ChannelFactory(officer=owner, contact=contact, created_at=later)
    with time_machine.travel(NOW, tick=False):
        before = dashboard(client, lead)
    with time_machine.travel(later, tick=False):
        after = dashboard(client, lead)
        expected = live(lead, "single_channel_organizations", now=later).total

    assert total(after, "single_channel_organizations") == f"{expected:,}"
    assert int(total(before, "single_channel_organizations")) == expected - 1
    assert figure_queries(after)


# The generation: committed changes, rolled-back ones, and every table a figure reads


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_moves_the_generation_on_and_leaves_no_trace(client):
    owner = factories.UserFactory(username="owner", roles=["officer"])
    lead = factories.UserFactory(username="lead", roles=["lead"])
    journalist = factories.ContactFactory(category=Contact.Category.JOURNALIST, owner=owner)
    with time_machine.travel(NOW, tick=False):
        assert total(dashboard(client, lead), "journalist_exchanges") == "0"
        stamp = figure_cache.generation()

        factories.ExchangeFactory(
            occurred_at=at("2026-03-02"), contacts=[journalist], officers=[owner]
        )
        after = dashboard(client, lead)

    assert figure_cache.generation()[0] > stamp[0]
    assert stamp[1] is None  # no change of the reader's own
    assert not FigureChange.objects.exists()
    assert total(after, "journalist_exchanges") == "1"


@pytest.mark.django_db(transaction=True)
def test_figures_computed_from_a_change_rolled_back_are_never_served(client):
    owner = factories.UserFactory(username="owner", roles=["officer"])
    lead = factories.UserFactory(username="lead", roles=["lead"])
    journalist = factories.ContactFactory(category=Contact.Category.JOURNALIST, owner=owner)
    filters = {**Q1, "now": NOW}

    with transaction.atomic():
        factories.ExchangeFactory(
            occurred_at=at("2026-03-02"), contacts=[journalist], officers=[owner]
        )
        inside = figure_cache.compute("journalist_exchanges", lead, **filters)
        transaction.set_rollback(True)
    outside = figure_cache.compute("journalist_exchanges", lead, **filters)

    assert (inside.total, outside.total) == (1, 0)


def test_the_generation_is_read_first(client, network, lead, frozen):
    response = dashboard(client, lead)

    generation = next(i for i, sql in enumerate(response.queries) if "figuregeneration" in sql)
    first_figure = response.queries.index(figure_queries(response)[0])
    assert generation < first_figure


def tables_read(queries) -> set[str]:
    """The tables of the database named (quoted or not) in the queries captured."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {name for (name,) in cursor.fetchall()}
    return {
        table
        for query in queries.captured_queries
        for table in re.findall(r"\b([a-z]+_[a-z_]+)\b", query["sql"])
        if table in tables
    }


def tables_triggered(prefix: str) -> set[str]:
    """The tables with a trigger whose name starts with ``prefix``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE %s",
            [prefix + "%"],
        )
        return {name for (name,) in cursor.fetchall()}


def test_every_table_the_indicators_read_has_a_trigger(network, lead, analyst, admin_user):
    with CaptureQueriesContext(connection) as queries:
        for reader in (lead, analyst, admin_user):
            for filters in ({}, {"layer": "narrative", "category": "journalist", "country": "IL"}):
                measures.compute_all(reader, **Q1, **filters)
    read, triggered = tables_read(queries), tables_triggered("indicators_figures_")
    # The reader's roles are part of every key instead (read once per request).
    assert read - triggered == {"auth_group", "auth_user_groups"}
    assert "contacts_exchange" in read


def test_the_generation_moves_on_for_a_change_inside_the_readers_own_transaction(network):
    first = figure_cache.generation()
    Channel.objects.filter(pk=-1).update(cadence_days=7)  # no row: a statement all the same

    second = figure_cache.generation()

    assert first[0] == second[0] == FigureGeneration.objects.get().value
    assert second[1] is not None
    assert second[1] != first[1]


def test_each_statement_moves_the_mark_on_and_a_rolled_back_savepoint_brings_it_back(network):
    Channel.objects.filter(pk=-1).update(cadence_days=7)
    first = figure_cache.generation()[1]
    with transaction.atomic():
        Channel.objects.filter(pk=-1).update(cadence_days=8)
        inside = figure_cache.generation()[1]
        transaction.set_rollback(True)
    after_rollback = figure_cache.generation()[1]
    Channel.objects.filter(pk=-1).update(cadence_days=9)
    last = figure_cache.generation()[1]

    assert first < inside < last
    assert after_rollback == first  # the state the first mark keyed, as it was then
    # one row for the transaction, written once (indicators.0005), whatever the statements
    assert FigureChange.objects.count() == 1
    assert FigureChange.objects.get().mark <= first
