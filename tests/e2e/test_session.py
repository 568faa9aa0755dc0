"""In a real browser: the warning before the session ends, "Stay signed in", and an exchange
typed while the session had ended put back into its form after signing in again."""

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from tests import factories
from tests.e2e.test_browser import PASSWORD, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SUMMARY = "Call about the spring workshop on water policy."


def csp_errors(page) -> list[str]:
    """Collect the page's Content-Security-Policy violations as the console reports them."""
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return errors


def test_warning_before_the_session_ends_and_stay_signed_in_extends_it(page, owner, settings):
    # Given sessions of 123 seconds, with a warning 120 seconds before the end
    settings.SESSION_COOKIE_AGE = 123
    settings.SESSION_EXPIRY_WARNING_SECONDS = 120
    errors = csp_errors(page)
    sign_in(page, owner)

    # Then the warning comes a few seconds after the page loaded
    warning = page.get_by_role("alertdialog", name="Your session is about to end")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("You will be signed out in")
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    (cookie,) = [c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME]
    ends_at = Session.objects.get(session_key=cookie["value"]).expire_date

    # When the user stays signed in
    stay.click()

    # Then the warning goes and the session lasts longer
    expect(warning).to_be_hidden()
    assert Session.objects.get(session_key=cookie["value"]).expire_date > ends_at
    assert errors == []


def test_exchange_typed_after_the_session_ended_is_back_after_sign_in(page, owner):
    # Given an officer typing an exchange whose session then ends
    contact = factories.ContactFactory(full_name="Dalia Mansour", owner=owner)
    errors = csp_errors(page)
    sign_in(page, owner)
    page.goto(f"/exchanges/new/?contact={contact.pk}")
    page.get_by_label("Summary").fill(SUMMARY)
    Session.objects.all().delete()

    # When they submit it, and sign in again
    page.get_by_role("button", name="Log exchange").click()
    sign_in_again(page, owner)

    # Then the form is back with what they typed (bound on the server)
    expect(page.get_by_role("heading", level=1)).to_have_text("Log exchange")
    expect(page.locator("#draft-restored")).to_contain_text("We kept what you typed")
    expect(page.get_by_label("Summary")).to_have_value(SUMMARY)
    expect(page.locator("select[name=contacts]")).to_have_values([str(contact.pk)])

    # And another form comes back the same way, filled in the browser by session.js
    title = page.locator("main form [name=title]")
    page.goto("/signals/new/")
    title.fill("Op-ed on the water talks")
    Session.objects.all().delete()
    # Submitted as typed, without the browser's checks of the other required fields
    page.locator("main form:has([name=title])").evaluate("form => form.submit()")
    sign_in_again(page, owner)
    expect(page.locator("#draft-restored")).to_contain_text("We kept what you typed")
    expect(title).to_have_value("Op-ed on the water talks")
    assert errors == []


def sign_in_again(page, user):
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Track II")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
