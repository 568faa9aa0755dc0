"""Network health's figures, read in one statement (indicators/health.py), are those of the
channel querysets they replace (``status_counts``, ``kept_within_cadence_by``,
``overdue_by_officer``, ``single_channel_organizations``) over what each reader may see,
in either of the statement's forms: GROUPING SETS (PostgreSQL) and the UNION ALL of
GROUP BYs (SQLite's, run here on PostgreSQL too)."""

import datetime as dt
import random

import pytest
from django.db import connection
from django.utils import timezone

from contacts.models import Channel, Contact, Layer, Sensitivity
from indicators import health
from tests import factories

SEEDS = range(3)
STATUSES = [Channel.Status.ACTIVE] * 4 + [Channel.Status.PAUSED, Channel.Status.CLOSED]


def _random_network(seed, people) -> None:
    """Contacts of every sensitivity, owner, category, layer and organization (or none),
    some granted, each with zero to three channels of any status, touched at any time."""
    rng = random.Random(seed)
    organizations = [factories.OrganizationFactory(name=f"Org {seed}-{n}") for n in range(8)]
    for number in range(40):
        contact = factories.ContactFactory(
            full_name=f"Random {seed}-{number}",
            owner=rng.choice(people),
            sensitivity=rng.choice(list(Sensitivity)),
            category=rng.choice(list(Contact.Category)),
            layer=rng.choice(list(Layer)),
            organization=rng.choice([None, *organizations]),
        )
        if rng.random() < 0.2:
            factories.GrantFactory(contact=contact, user=rng.choice(people))
        for officer in rng.sample(people, rng.randint(0, 3)):
            factories.ChannelFactory(
                contact=contact,
                officer=officer,
                status=rng.choice(STATUSES),
                kind=rng.choice(list(Channel.Kind)),
                cadence_days=rng.choice([7, 30, 90]),
                last_touch_at=timezone.now() - dt.timedelta(days=rng.randint(0, 120)),
            )


def _expected(channels, now) -> dict:
    """The figures as the channel querysets compute them."""
    per_officer = list(channels.overdue_by_officer(now))
    return {
        "by_status": channels.status_counts(),
        "by_layer": _shares(channels, "contact__layer", now),
        "by_category": _shares(channels, "contact__category", now),
        "by_officer": [
            (row["officer_id"], row["officer__username"], row["channels"], row["overdue"])
            for row in per_officer
        ],
        "single_channel": [
            (row["contact__organization"], row["contact__organization__name"], row["channels"])
            for row in channels.single_channel_organizations()
        ],
    }


def _shares(channels, field, now) -> list[tuple]:
    groups = channels.kept_within_cadence_by(field, now)
    return [(group[field], group["channels"], group["kept"]) for group in groups]


def _found(figures: health.HealthFigures) -> dict:
    return {
        "by_status": figures.by_status,
        "by_layer": [(row["key"], row["channels"], row["kept"]) for row in figures.by_layer],
        "by_category": [(row["key"], row["channels"], row["kept"]) for row in figures.by_category],
        "by_officer": [
            (row["officer_id"], row["officer__username"], row["channels"], row["overdue"])
            for row in figures.by_officer
        ],
        "single_channel": [
            (row["contact__organization"], row["contact__organization__name"], row["channels"])
            for row in figures.single_channel
        ],
    }


def _figures_in(form: str, channels, now, limit):
    """``health_figures`` with the statement of ``form`` (a vendor's)."""
    inner, params = health._channel_rows(channels, now).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(health.statement(inner, limit=limit, vendor=form), params)
        return health._figures(cursor.fetchall())


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("persona", ["lead", "analyst", "owner", "outsider", "admin_user"])
def test_the_figures_are_those_of_the_channel_querysets(
    seed, persona, request, owner, teammate, outsider, grantee, lead
):
    _random_network(seed, [owner, teammate, outsider, grantee, lead])
    user = request.getfixturevalue(persona)
    channels, now = Channel.objects.visible_to(user), timezone.now()
    expected = _expected(channels, now)

    for form in ("postgresql", "sqlite"):
        assert _found(_figures_in(form, channels, now, None)) == expected, form
    assert _found(health.health_figures(channels, now=now, limit=None)) == expected


@pytest.mark.parametrize("form", ["postgresql", "sqlite"])
def test_the_lists_are_cut_and_counted_in_full(form, owner, teammate, outsider, lead):
    _random_network(7, [owner, teammate, outsider, lead])
    for name in ("Lone A", "Lone B", "Lone C"):
        contact = factories.ContactFactory(organization=factories.OrganizationFactory(name=name))
        factories.ChannelFactory(contact=contact, officer=owner)
    channels, now = Channel.objects.visible_to(lead), timezone.now()
    expected = _expected(channels, now)
    assert len(expected["by_officer"]) > 2
    assert len(expected["single_channel"]) > 2

    figures = _figures_in(form, channels, now, 2)

    assert _found(figures)["by_officer"] == expected["by_officer"][:2]
    assert _found(figures)["single_channel"] == expected["single_channel"][:2]
    assert figures.officers == len(expected["by_officer"])
    assert figures.single_channel_total == len(expected["single_channel"])
    assert _found(figures)["by_status"] == expected["by_status"]


def test_no_channel_gives_zeros_and_empty_lists(lead):
    figures = health.health_figures(Channel.objects.visible_to(lead), now=timezone.now(), limit=100)

    assert figures.by_status == {"active": 0, "paused": 0, "closed": 0}
    assert (figures.by_layer, figures.by_category, figures.by_officer) == ([], [], [])
    assert (figures.officers, figures.single_channel, figures.single_channel_total) == (0, [], 0)


def test_a_hidden_contacts_channel_counts_nowhere(lead, outsider):
    hidden = factories.ContactFactory(owner=outsider, sensitivity=Sensitivity.PROTECTED)
    factories.ChannelFactory(contact=hidden, officer=outsider)

    figures = health.health_figures(Channel.objects.visible_to(lead), now=timezone.now(), limit=100)
    everything = health.health_figures(
        Channel.objects.visible_to(outsider), now=timezone.now(), limit=100
    )

    assert figures.by_status["active"] == 0
    assert figures.by_officer == []
    assert everything.by_status["active"] == 1
    assert everything.by_officer[0]["officer_id"] == outsider.pk
