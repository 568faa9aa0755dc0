"""The type-ahead pickers in a real browser: the contacts list's organization filter, which
filters the list (htmx) and still names the chosen organization once the page reloads; a
required picker left empty, which says so at its own search box."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.test_browser import sign_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_organization_filter_is_picked_by_typing(page, owner):
    school = factories.OrganizationFactory(name="Hebrew University")
    museum = factories.OrganizationFactory(name="Tel Aviv Museum")
    factories.ContactFactory(full_name="Dana Member", organization=school)
    factories.ContactFactory(full_name="Tom Elsewhere", organization=museum)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, owner)
    page.goto("/contacts/")
    results = page.locator("#contact-results")
    expect(results).to_contain_text("Tom Elsewhere")

    page.get_by_role("combobox", name="Organization").fill("hebrew")
    offered = page.locator(".ts-dropdown").filter(visible=True)
    expect(offered.get_by_role("option")).to_have_count(1)
    offered.get_by_role("option").filter(has_text="Hebrew University").click()

    expect(results).not_to_contain_text("Tom Elsewhere")
    expect(results).to_contain_text("Dana Member")
    expect(page).to_have_url(re.compile(rf"/contacts/\?.*\borganization={school.pk}(&|$)"))
    page.reload()
    expect(page.locator("#id_organization + .ts-wrapper .ts-control .item")).to_have_text(
        "Hebrew University"
    )
    expect(results).not_to_contain_text("Tom Elsewhere")
    assert errors == []


def test_an_empty_required_picker_says_so_at_its_own_search_box(page, owner):
    """A user's finding: with "Who" left empty on Log exchange, the browser's "fill in"
    message pointed at "When", the field under the hidden select the picker stands for."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, owner)
    page.goto("/exchanges/new/")
    who = page.get_by_role("combobox", name="Who")

    page.get_by_role("button", name="Log exchange").click()

    expect(who).to_be_focused()
    assert who.evaluate("input => input.validationMessage") != ""
    assert (
        page.evaluate("document.querySelector('#id_occurred_at') === document.activeElement")
        is False
    )
    expect(page).to_have_url(re.compile(r"/exchanges/new/$"))  # nothing was sent

    contact = factories.ContactFactory(full_name="Dana Picked", owner=owner)
    who.fill("dana")
    page.locator(".ts-dropdown").filter(visible=True).get_by_role("option").filter(
        has_text=contact.full_name
    ).click()
    assert who.evaluate("input => input.validationMessage") == ""
    assert errors == []
