"""End-to-end in a real browser: signing in (``sign_in``, shared by the other browser tests)
and a protected contact that a second officer cannot find. The officer's, planner's and
lead's journeys are in test_journeys.py.

Each test signs in through the sign-in page (allauth's, /accounts/login/), clicks and types
like a user, and waits on Playwright's auto-retrying ``expect`` (page loads and htmx swaps
alike), then checks the database too.
"""

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from contacts.models import AccessLog, Contact, Sensitivity
from tests import factories

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def sign_in(page, user):
    """Sign in by password (the policy asks no second factor in these tests: tests/e2e/
    test_mfa.py signs in with one)."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.locator("header .who")).to_have_text(user.username)


def test_second_officer_cannot_find_a_protected_contact(page, owner, teammate, screenshot):
    # Given a protected contact of the owner's (no grants) and a standard one
    hidden = factories.ContactFactory(
        full_name="Nadia Karimova",
        native_name="Надия Каримова",
        owner=owner,
        sensitivity=Sensitivity.PROTECTED,
    )
    factories.ContactFactory(full_name="Omar Haddad", native_name="عمر حداد", owner=owner)
    count_before = Contact.objects.count()

    # When a second officer, the owner's own teammate, signs in and opens the contacts list
    sign_in(page, teammate)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    results = page.locator("#contact-results")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("Omar Haddad")
    expect(results).not_to_contain_text("Nadia")

    # the search works in any script (a visible contact by its Arabic name)...
    search = page.get_by_role("searchbox", name="Search")
    search.fill("عمر")
    search.press("Enter")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results.get_by_role("link", name="Omar Haddad")).to_be_visible()

    # Then searching for the protected contact, in Latin or Cyrillic, finds nothing
    for term in ("Nadia Karimova", "Karimova", "Надия Каримова", "Каримова"):
        search.fill(term)
        search.press("Enter")
        # htmx pushes the searched URL once this search's answer is in
        expect(page).to_have_url(re.compile(re.escape(f"/contacts/?q={quote(term)}&")))
        expect(results.locator(".empty")).to_have_text(
            "No contacts match these filters. Clear the filters."
        )
        expect(results.locator("table")).to_have_count(0)
        assert "Karimova" not in page.content()
        assert "Каримова" not in page.content()
    screenshot(page, "contacts-search-empty")

    # and its URL is the 404 page that names nothing
    response = page.goto(f"/contacts/{hidden.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    content = page.content()
    assert "Karimova" not in content
    assert "Каримова" not in content
    assert Contact.objects.count() == count_before
    hidden.refresh_from_db()
    assert (hidden.full_name, hidden.sensitivity) == ("Nadia Karimova", Sensitivity.PROTECTED)
    assert AccessLog.objects.filter(contact=hidden).exists() is False  # nothing was shown
