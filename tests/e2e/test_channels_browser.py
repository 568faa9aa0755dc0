"""In a real browser: an officer opens a channel from a contact page, pauses it, and closes
it after confirming, with the console clean under the strict CSP."""

import pytest
from playwright.sync_api import expect

from contacts.models import Channel
from tests import factories
from tests.e2e.test_accessibility import _console_errors, _signed_in_context

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_an_officer_keeps_in_touch_pauses_and_closes_from_the_contact_page(
    owner, new_context, live_server, screenshot
):
    contact = factories.ContactFactory(full_name="Dalia Mansour", owner=owner)
    page = _signed_in_context(new_context, live_server, owner).new_page()
    errors = _console_errors(page)

    page.goto(f"/contacts/{contact.pk}/")
    page.get_by_role("link", name="Keep in touch").click()
    expect(page.get_by_label("Keep in touch every N days")).to_have_value("30")
    page.get_by_label("Keep in touch every N days").fill("21")
    page.get_by_role("button", name="Open channel").click()

    channels = page.locator("#channels")
    expect(channels.get_by_role("cell", name="21 days")).to_be_visible()
    channels.get_by_role("button", name="Pause").click()
    expect(channels.get_by_role("cell", name="Paused")).to_be_visible()
    channels.get_by_role("link", name="Close…").click()
    page.get_by_role("button", name="Close channel").click()
    expect(page.locator("#channels").get_by_role("cell", name="Closed")).to_be_visible()
    screenshot(page, "contact-channels")

    channel = Channel.objects.get()
    assert (channel.officer, channel.cadence_days, channel.status) == (owner, 21, "closed")
    assert errors == []
