"""Today's "To act on" and network health's long tables show their first rows, say how
many there are in all (counted over what the reader may see) and link to the rest.

The limits are lowered for the tests (``AGENDA_LIMIT``, ``HEALTH_ROWS``); the views read
the clock, so channels are touched relative to ``timezone.now()`` (30-day cadence).
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Reminder, Sensitivity
from tests import factories
from tests.pages import page_text


def _days_ago(days):
    return timezone.now() - dt.timedelta(days=days)


def _overdue(officer, overdue_days, **contact_fields):
    return factories.ChannelFactory(
        officer=officer,
        contact=factories.ContactFactory(**contact_fields),
        last_touch_at=_days_ago(30 + overdue_days),
    )


def _item_ids(body) -> list[str]:
    listed = re.search(r'<ul class="today-list" id="today-items">(.*?)\n  </ul>', body, re.S)
    return re.findall(r'<li id="([a-z]+-\d+)"', listed.group(1)) if listed else []


@pytest.fixture
def agenda(owner, outsider, monkeypatch):
    """Six items for the owner, most overdue first; a snoozed one and a hidden one besides."""
    monkeypatch.setattr("trackii.today.AGENDA_LIMIT", 2)
    merged = _overdue(owner, 9)
    reminder = factories.ReminderFactory(channel=merged, due_at=_days_ago(9))
    follow_up = factories.ReminderFactory(
        kind=Reminder.Kind.FOLLOW_UP,
        channel=None,
        exchange=factories.ExchangeFactory(contacts=[factories.ContactFactory()]),
        recipient=owner,
        due_at=_days_ago(8),
    )
    rest = [_overdue(owner, days) for days in (7, 6, 5, 4)]
    snoozed = _overdue(owner, 20)
    factories.ReminderFactory(
        channel=snoozed,
        status=Reminder.Status.SNOOZED,
        snoozed_until=timezone.now() + dt.timedelta(days=1),
    )
    _overdue(owner, 30, owner=outsider, sensitivity=Sensitivity.PROTECTED)
    return [f"reminder-{reminder.pk}", f"reminder-{follow_up.pk}"] + [
        f"channel-{channel.pk}" for channel in rest
    ]


def test_today_shows_the_first_items_and_counts_the_rest(client, owner, agenda):
    client.force_login(owner)

    body = page_text(client.get(reverse("today")))

    assert _item_ids(body) == agenda[:2]
    assert "2 of 6 shown." in body
    assert '<a href="/?limit=4">Show 2 more</a>' in body
    assert '<a href="/?all=1">Show all 6</a>' in body
    assert "1 snoozed item comes back when its snooze ends." in body


def test_today_shows_more_then_all(client, owner, agenda):
    client.force_login(owner)

    more = page_text(client.get(reverse("today"), {"limit": "4"}))
    everything = page_text(client.get(reverse("today"), {"all": "1"}))

    assert _item_ids(more) == agenda[:4]
    assert "4 of 6 shown." in more
    assert _item_ids(everything) == agenda
    assert 'id="today-more"' not in everything


@pytest.mark.parametrize("limit", ["abc", "0", "-3", ""])
def test_today_reads_a_bad_limit_as_the_default(client, owner, agenda, limit):
    client.force_login(owner)

    response = client.get(reverse("today"), {"limit": limit})

    assert response.status_code == 200
    assert _item_ids(page_text(response)) == agenda[:2]


def test_a_short_list_has_no_show_more(client, owner):
    _overdue(owner, 3)
    client.force_login(owner)

    body = page_text(client.get(reverse("today")))

    assert len(_item_ids(body)) == 1
    assert 'id="today-more"' not in body


def test_today_counts_the_snoozed_and_the_rest_beyond_the_rows_it_reads(client, owner, monkeypatch):
    """The reminders are read with their counts in one statement, bounded by the page: the
    snoozed ones past the bound are counted all the same."""
    monkeypatch.setattr("trackii.today.AGENDA_LIMIT", 2)
    follow_ups = [
        factories.ReminderFactory(
            kind=Reminder.Kind.FOLLOW_UP,
            channel=None,
            exchange=factories.ExchangeFactory(contacts=[factories.ContactFactory()]),
            recipient=owner,
            due_at=_days_ago(days),
        )
        for days in (3, 2, 1)
    ]
    later = timezone.now() + dt.timedelta(days=1)
    for days in (20, 15):
        factories.ReminderFactory(
            channel=_overdue(owner, days), status=Reminder.Status.SNOOZED, snoozed_until=later
        )
    factories.ReminderFactory(
        kind=Reminder.Kind.FOLLOW_UP,
        channel=None,
        exchange=factories.ExchangeFactory(contacts=[factories.ContactFactory()]),
        recipient=owner,
        status=Reminder.Status.SNOOZED,
        snoozed_until=later,
    )
    client.force_login(owner)

    body = page_text(client.get(reverse("today")))

    assert _item_ids(body) == [f"reminder-{reminder.pk}" for reminder in follow_ups[:2]]
    assert "2 of 3 shown." in body
    assert "3 snoozed items come back when their snooze ends." in body


# Network health


@pytest.fixture
def single_channel_organizations(owner, outsider, monkeypatch):
    """Five organizations hanging on one channel each, and one on a hidden contact's."""
    monkeypatch.setattr("indicators.views.health.HEALTH_ROWS", 2)
    for name in ("Ayin", "Bet", "Gimel", "Dalet", "He"):
        organization = factories.OrganizationFactory(name=f"{name} Institute")
        _overdue(owner, 1, organization=organization)
    hidden = factories.OrganizationFactory(name="Zayin Institute")
    _overdue(outsider, 1, organization=hidden, owner=outsider, sensitivity=Sensitivity.PROTECTED)


def _single_channel_names(response) -> list[str]:
    return [
        row["contact__organization__name"]
        for row in response.context["single_channel_organizations"]
    ]


def test_health_lists_the_first_organizations_and_counts_the_visible_rest(
    client, lead, single_channel_organizations
):
    client.force_login(lead)

    response = client.get(reverse("network_health"))

    assert _single_channel_names(response) == ["Ayin Institute", "Bet Institute"]
    body = page_text(response)
    assert "2 of 5 shown." in body
    assert '<a href="/health/?limit=4">Show 2 more</a>' in body
    assert '<a href="/health/?all=1">Show all 5</a>' in body
    assert "Zayin" not in body


def test_health_shows_every_row_on_request(client, lead, single_channel_organizations):
    client.force_login(lead)

    response = client.get(reverse("network_health"), {"all": "1"})

    assert len(_single_channel_names(response)) == 5
    assert 'id="single-channel-more"' not in page_text(response)


def test_health_lists_the_most_overdue_officers_first_and_counts_them_all(
    client, lead, owner, teammate, monkeypatch
):
    monkeypatch.setattr("indicators.views.health.HEALTH_ROWS", 2)
    for officer, overdue in ((owner, 2), (teammate, 1), (lead, 0)):
        for _ in range(overdue):
            _overdue(officer, 3)
        factories.ChannelFactory(officer=officer, last_touch_at=_days_ago(1))
    client.force_login(lead)

    response = client.get(reverse("network_health"))

    shown = [(row["officer__username"], row["overdue"]) for row in response.context["by_officer"]]
    assert shown == [("owner", 2), ("teammate", 1)]
    body = page_text(response)
    assert "2 of 3 shown." in body
    assert '<a href="/health/?all=1">Show all 3</a>' in body
