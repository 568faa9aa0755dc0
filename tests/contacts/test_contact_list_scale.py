"""The contacts list at a mission's scale: the organization filter is a type-ahead picker
(the page names the chosen organization only, not every one), and pages past
``paging.MAX_PAGES`` are not served: the reader is asked to narrow the search."""

import re

import pytest
from django.urls import reverse

from contacts import paging
from contacts.models import Contact, Layer
from contacts.paging import CappedPaginator
from tests import factories
from tests.contacts.pages import HTMX, listed_ids
from tests.pages import page_text

CAPPED = "Narrow the search: pages beyond"


def _organization_options(response) -> list[str]:
    """The ``<option>`` tags of the organization filter."""
    select = re.search(r'<select name="organization".*?</select>', page_text(response), re.S)
    assert select is not None
    return re.findall(r"<option[^>]*>[^<]*</option>", select.group(0))


# The organization filter


def test_the_organization_filter_names_no_organization_until_one_is_chosen(client, owner):
    factories.OrganizationFactory.create_batch(3)
    client.force_login(owner)

    response = client.get(reverse("contacts:list"))

    assert _organization_options(response) == ['<option value="">Any</option>']
    body = page_text(response)
    assert f'data-picker="{reverse("contacts:pick_organizations")}"' in body
    assert 'data-placeholder="Any organization"' in body


def test_the_organization_filter_narrows_and_shows_the_chosen_organization(client, owner):
    school, other = factories.OrganizationFactory.create_batch(2)
    member = factories.ContactFactory(organization=school)
    factories.ContactFactory(organization=other)
    client.force_login(owner)

    response = client.get(reverse("contacts:list"), {"organization": school.pk})

    assert listed_ids(response) == [member.pk]
    assert _organization_options(response) == [
        '<option value="">Any</option>',
        f'<option value="{school.pk}" selected>{school.name}</option>',
    ]


@pytest.mark.parametrize("organization", ["999999999", "school", "-1", "1" * 30])
def test_an_unknown_organization_is_a_form_error_and_the_other_filters_apply(
    client, owner, organization
):
    journalist = factories.ContactFactory(category=Contact.Category.JOURNALIST)
    factories.ContactFactory(category=Contact.Category.ACADEMIC)
    client.force_login(owner)

    response = client.get(
        reverse("contacts:list"), {"organization": organization, "category": "journalist"}
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["organization"]
    assert listed_ids(response) == [journalist.pk]
    assert _organization_options(response) == ['<option value="">Any</option>']


# Deep pages


def _contacts(owner, count):
    Contact.objects.bulk_create(
        Contact(
            full_name=f"Contact {number:03}",
            category=Contact.Category.ACADEMIC,
            layer=Layer.POLITICAL,
            owner=owner,
        )
        for number in range(count)
    )


def test_a_page_past_the_last_served_shows_the_last_served_and_asks_to_narrow(
    client, owner, monkeypatch
):
    monkeypatch.setattr(paging, "MAX_PAGES", 2)
    _contacts(owner, 51)  # three pages of 25
    client.force_login(owner)

    deep = client.get(reverse("contacts:list"), {"page": 3})
    last = client.get(reverse("contacts:list"), {"page": 2}, **HTMX)
    first = client.get(reverse("contacts:list"))

    assert deep.context["page"].number == 2
    assert listed_ids(deep) == listed_ids(last)
    for response in (deep, last):
        body = page_text(response)
        assert "Narrow the search: pages beyond 2 are not shown." in body
        assert "Page 2 of 2" in body
        assert 'rel="next"' not in body
    assert CAPPED not in page_text(first)
    assert 'rel="next"' in page_text(first)


def test_a_list_within_the_served_pages_says_nothing_of_them(client, owner, monkeypatch):
    monkeypatch.setattr(paging, "MAX_PAGES", 2)
    _contacts(owner, 50)
    client.force_login(owner)

    response = client.get(reverse("contacts:list"), {"page": 2})

    assert len(listed_ids(response)) == 25
    assert CAPPED not in page_text(response)


@pytest.mark.parametrize("number", ["0", "-3", "x", "1.5", "9" * 40, "", "3000"])
def test_any_page_parameter_answers_a_page(client, owner, standard, number):
    client.force_login(owner)

    response = client.get(reverse("contacts:list"), {"page": number})

    assert response.status_code == 200
    assert listed_ids(response) == [standard.pk]


def test_the_capped_paginator_counts_the_pages_it_serves():
    paginator = CappedPaginator(range(101), 10, max_pages=3)

    assert (paginator.all_pages, paginator.num_pages, paginator.is_capped) == (11, 3, True)
    assert paginator.get_page(7).number == 3
    assert list(paginator.get_page(7)) == [20, 21, 22, 23, 24, 25, 26, 27, 28, 29]
    assert CappedPaginator(range(30), 10, max_pages=3).is_capped is False
    assert CappedPaginator([], 10, max_pages=3).get_page(5).number == 1
