"""A search's page of the contacts list comes with its count (``CountedPagePaginator``: one
statement, no separate ``COUNT``), and serves every page number as the list always has."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.paging import CappedPaginator, CountedPagePaginator
from contacts.views import PAGE_SIZE
from tests import factories
from tests.contacts.pages import listed_ids

LIST = reverse("contacts:list")
MATCHES = PAGE_SIZE + 5  # two pages


@pytest.fixture
def cohens(owner):
    factories.ContactFactory(full_name="Someone Else", owner=owner)
    return [
        factories.ContactFactory(full_name=f"Cohen {number:02}", owner=owner)
        for number in range(MATCHES)
    ]


@pytest.mark.parametrize(
    ("asked", "served"),
    [(None, 1), ("1", 1), ("2", 2), ("99", 2), ("0", 2), ("-1", 2), ("x", 1), ("1.5", 1)],
)
def test_every_page_number_is_served_as_before(client, owner, cohens, asked, served):
    client.force_login(owner)
    params = {"q": "cohen"} | ({"page": asked} if asked is not None else {})

    page = client.get(LIST, params).context["page"]

    assert (page.number, page.paginator.count, page.paginator.num_pages) == (served, MATCHES, 2)
    first = (served - 1) * PAGE_SIZE
    assert [contact.pk for contact in page.object_list] == [
        contact.pk for contact in cohens[first : first + PAGE_SIZE]
    ]


def test_a_searchs_page_is_read_with_its_count_in_one_statement(client, owner, cohens):
    client.force_login(owner)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"q": "cohen"})

    assert listed_ids(response) == [contact.pk for contact in cohens[:PAGE_SIZE]]
    statements = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in statements if sql.startswith("SELECT COUNT(*)")]
    assert [sql for sql in statements if "COUNT(*) OVER ()" in sql]


def test_the_counted_paginator_serves_what_the_capped_one_serves(owner, cohens):
    from contacts.models import Contact

    contacts = Contact.objects.filter(full_name__startswith="Cohen").order_by("full_name", "pk")
    for number in (None, "1", "2", "3", "0", "-4", "abc", 2):
        counted = CountedPagePaginator(contacts, PAGE_SIZE).get_page(number)
        capped = CappedPaginator(contacts, PAGE_SIZE).get_page(number)
        assert (counted.number, counted.paginator.count, list(counted.object_list)) == (
            capped.number,
            capped.paginator.count,
            list(capped.object_list),
        ), number
