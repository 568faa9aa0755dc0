"""The contacts list's columns (owner by name, last touch, next due, sensitivity) and the
sorts by them: whitelisted, paginated, and computed in SQL, so a page costs the same few
queries however many contacts and channels there are."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Channel, Contact
from tests import factories
from tests.contacts.pages import HTMX, days_ago, listed_ids
from tests.pages import page_text

LIST = reverse("contacts:list")


@pytest.fixture
def named_owner(press_team):
    return factories.UserFactory(
        username="u4711", first_name="Dana", last_name="Levi", roles=["officer"], teams=[press_team]
    )


@pytest.fixture
def network(named_owner, teammate):
    """Three contacts: touched 5 days ago (30-day cadence, due in 25 days), touched 40 days
    ago (overdue by 10 days), and one with no channel at all."""
    teammate.first_name, teammate.last_name = "Anna", "Teammate"
    teammate.save()
    recent = factories.ContactFactory(full_name="Bella Recent", owner=named_owner)
    stale = factories.ContactFactory(full_name="Carla Stale", owner=teammate)
    untouched = factories.ContactFactory(full_name="Alma Untouched", owner=named_owner)
    factories.ChannelFactory(
        officer=named_owner, contact=recent, last_touch_at=days_ago(5), created_at=days_ago(90)
    )
    # A paused channel touched later does not set the next due moment, only the last touch.
    factories.ChannelFactory(
        officer=teammate,
        contact=recent,
        last_touch_at=days_ago(2),
        created_at=days_ago(90),
        status=Channel.Status.PAUSED,
    )
    factories.ChannelFactory(
        officer=named_owner, contact=stale, last_touch_at=days_ago(40), created_at=days_ago(90)
    )
    return recent, stale, untouched


def _rows(response) -> list[str]:
    body = page_text(response)
    rows = re.findall(r"<tr>\s*<td>(.*?)</tr>", body, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_the_list_shows_owner_last_touch_next_due_and_sensitivity(client, named_owner, network):
    recent, stale, _ = network
    client.force_login(named_owner)

    response = client.get(LIST)

    body = page_text(response)
    headers = re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", body, flags=re.S)
    assert [re.sub(r"<[^>]+>|[↑↓]", "", header).strip() for header in headers] == [
        "Name",
        "Category",
        "Organization",
        "Owner",
        "Last touch",
        "Next due",
        "Sensitivity",
    ]
    assert ">Status<" not in body
    listed = {contact.pk: contact for contact in response.context["page"].object_list}
    assert listed[recent.pk].last_touch_at == recent.channels.get(status="paused").last_touch_at
    assert listed[recent.pk].next_due_at == recent.channels.get(
        status="active"
    ).last_touch_at + dt.timedelta(days=30)
    assert listed[stale.pk].next_due_at < listed[recent.pk].next_due_at
    alma, bella, carla = _rows(response)
    assert alma.startswith("Alma Untouched Academic — Dana Levi never —")
    assert "Bella Recent Academic — Dana Levi" in bella
    assert f"{listed[recent.pk].last_touch_at:%-d %b %Y}" in bella
    assert "Carla Stale Academic — Anna Teammate" in carla
    assert "Overdue" in carla
    assert "u4711" not in body


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("last_touch", ["Bella Recent", "Carla Stale", "Alma Untouched"]),
        ("next_due", ["Carla Stale", "Bella Recent", "Alma Untouched"]),
        ("owner", ["Carla Stale", "Alma Untouched", "Bella Recent"]),
        ("name", ["Alma Untouched", "Bella Recent", "Carla Stale"]),
    ],
)
def test_sorting_by_each_column(client, named_owner, network, sort, expected):
    client.force_login(named_owner)

    response = client.get(LIST, {"sort": sort})

    names = Contact.objects.in_bulk(listed_ids(response))
    assert [names[pk].full_name for pk in listed_ids(response)] == expected
    assert f'aria-sort="{"descending" if sort == "last_touch" else "ascending"}"' in page_text(
        response
    )


def test_an_unknown_sort_is_a_form_error_and_the_list_keeps_its_default(client, owner, network):
    client.force_login(owner)

    response = client.get(LIST, {"sort": "owner__password"})

    assert response.status_code == 200
    assert "sort" in response.context["form"].errors
    names = Contact.objects.in_bulk(listed_ids(response))
    assert [names[pk].full_name for pk in listed_ids(response)] == [
        "Alma Untouched",
        "Bella Recent",
        "Carla Stale",
    ]


def test_a_sort_header_keeps_the_filters_and_goes_back_to_the_first_page(client, owner, network):
    client.force_login(owner)

    body = page_text(client.get(LIST, {"category": "academic", "page": "1"}, **HTMX))

    assert 'href="?category=academic&amp;sort=next_due"' in body


def test_sorted_pages_keep_their_order_and_cost_the_same_queries(client, owner):
    contacts = factories.ContactFactory.create_batch(30, owner=owner)
    for days, contact in enumerate(contacts):
        factories.ChannelFactory(
            officer=owner, contact=contact, last_touch_at=days_ago(days), created_at=days_ago(90)
        )
    client.force_login(owner)
    client.get(LIST, {"sort": "last_touch"})  # warm: the session, the climate

    with CaptureQueriesContext(connection) as first:
        page_one = listed_ids(client.get(LIST, {"sort": "last_touch"}))
    with CaptureQueriesContext(connection) as second:
        page_two = listed_ids(client.get(LIST, {"sort": "last_touch", "page": "2"}))

    assert page_one + page_two == [contact.pk for contact in contacts]
    # 25 rows cost what 5 do: the columns come with the page's one query, not one a row.
    assert len(first) == len(second)
