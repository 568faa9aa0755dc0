"""Accessibility in a real browser: axe-core over every main page, for every role.

axe-core (tests/e2e/vendor/axe-core-4.14.1, MPL-2.0) is added as an init script through the
DevTools protocol, which the pages' strict CSP does not govern: the app serves no test code.
One browser context per role, so each role signs in once; any serious or critical violation
fails, and so does any console error (a CSP refusal among them).
"""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import Exchange
from tests import factories
from tests.e2e.conftest import PHONE

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations
    .filter((violation) => ["serious", "critical"].includes(violation.impact))
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.slice(0, 3).map((node) => node.target.join(" ")),
    }));
}"""

# Today for every role (the navigation and Today's sections differ by role), then each main
# page once, with a role that may act on it (its action buttons shown).
PAGES = {
    "officer": [
        "/contacts/",
        "/contacts/{contact}/",
        "/contacts/new/",
        "/exchanges/new/?contact={contact}",
        "/exchanges/{exchange}/edit/",
        "/organizations/{organization}/",
        "/organizations/new/",
        "/signals/new/",
    ],
    "planner": [
        "/events/",
        "/events/{event}/",
        "/events/new/",
        "/events/{event}/invite/",
        "/events/{event}/checkin/",
        "/events/calendar/",
        "/programmes/{programme}/",
    ],
    "lead": ["/health/", "/organizations/", "/programmes/", "/calendar/"],
    "analyst": ["/indicators/", "/signals/"],
    "admin": [
        "/contacts/{contact}/edit/",
        "/events/{event}/edit/",
        "/organizations/{organization}/edit/",
        "/signals/upload/",
        "/password/",
        "/accounts/2fa/",
        "/accounts/reauthenticate/",
    ],
}


@pytest.fixture
def world(owner, planner, lead, analyst, admin_user):
    """A contact, an organization, an event with a guest, a programme, a signal, an exchange."""
    organization = factories.OrganizationFactory(name="Institute for Water Policy")
    contact = factories.ContactFactory(
        full_name="Irina Gavrilova", owner=owner, organization=organization
    )
    factories.ChannelFactory(
        contact=contact, officer=owner, created_at=timezone.now() - dt.timedelta(days=40)
    )
    exchange = factories.ExchangeFactory(
        contacts=[contact], officers=[owner], kind=Exchange.Kind.CALL, created_by=owner
    )
    event = factories.EventFactory(
        title="Water and Trust round-table",
        planners=[planner],
        starts_at=timezone.now() + dt.timedelta(hours=2),
    )
    factories.InvitationFactory(event=event, contact=contact)
    programme = factories.ProgrammeFactory(title="Joint aquifer study")
    factories.SignalFactory(title="Coordination with the partners")
    users = {
        "officer": owner,
        "planner": planner,
        "lead": lead,
        "analyst": analyst,
        "admin": admin_user,
    }
    ids = {
        "contact": contact.pk,
        "organization": organization.pk,
        "event": event.pk,
        "programme": programme.pk,
        "exchange": exchange.pk,
    }
    return users, ids


def _signed_in_context(new_context, live_server, user, **options):
    client = Client()
    client.force_login(user)
    context = new_context(**options)
    session = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    return context


def _console_errors(page) -> list[str]:
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.mark.parametrize("role", list(PAGES))
def test_every_main_page_has_no_serious_accessibility_violation(
    role, world, new_context, live_server
):
    users, ids = world
    context = _signed_in_context(new_context, live_server, users[role])
    context.add_init_script(path=str(AXE))  # into every page, before its own scripts
    page = context.new_page()
    errors = _console_errors(page)

    found = {}
    for url in (template.format(**ids) for template in ["/", *PAGES[role]]):
        response = page.goto(url)
        assert response.status == 200, url
        if violations := page.evaluate(RUN_AXE):
            found[url] = violations

    assert found == {}, json.dumps(found, indent=1)
    assert errors == []


def test_the_navigation_folds_behind_a_menu_button_on_a_phone(owner, new_context, live_server):
    page = _signed_in_context(new_context, live_server, owner, viewport=PHONE).new_page()
    page.goto("/")
    menu = page.get_by_role("button", name="Menu")
    contacts = page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts")

    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(contacts).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(contacts).to_be_visible()
    contacts.click()
    expect(page).to_have_url(f"{live_server.url}/contacts/")


def test_long_text_counts_its_characters_and_signals_show_their_kind_fields(
    owner, new_context, live_server
):
    page = _signed_in_context(new_context, live_server, owner).new_page()
    errors = _console_errors(page)

    page.goto("/exchanges/new/")
    summary = page.get_by_label("Summary")
    summary.fill("Call about the spring workshop.")
    expect(page.locator("#id_summary-counter")).to_have_text("31 / 5000")
    expect(summary).to_have_attribute("aria-describedby", re.compile(r"\bid_summary-counter\b"))

    page.goto("/signals/new/")
    tone, severity = page.get_by_label("Tone"), page.get_by_label("Severity")
    page.get_by_label("Kind").select_option("friction_incident")
    expect(tone).to_be_hidden()
    expect(severity).to_be_visible()
    page.get_by_label("Kind").select_option("coverage")
    expect(tone).to_be_visible()
    expect(severity).to_be_hidden()
    assert errors == []
