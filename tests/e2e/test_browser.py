"""End-to-end in a real browser: the three journeys the issue names, through the real UI.

Each test signs in through /login/, clicks and types like a user, and waits on Playwright's
auto-retrying ``expect`` (page loads and htmx swaps alike), then checks the database too.
"""

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts import services as contact_services
from contacts.models import AccessLog, Contact, Exchange, Reminder, Sensitivity
from events.models import Event, Invitation
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def sign_in(page, user):
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.locator("header .who")).to_have_text(user.username)


def test_logging_an_exchange_from_today_resolves_its_reminder(page, live_server, owner, screenshot):
    # Given an overdue informal channel and the sweep's open channel_due reminder for it
    now = timezone.now()
    contact = factories.ContactFactory(full_name="Dalia Mansour", owner=owner)
    channel = factories.ChannelFactory(
        contact=contact, officer=owner, cadence_days=30, created_at=now - dt.timedelta(days=40)
    )
    assert contact_services.sweep_reminders(now=now).channel_due == 1
    reminder = Reminder.objects.get(channel=channel)
    assert reminder.status == Reminder.Status.OPEN

    # When the officer signs in, Today lists the channel as overdue and the open reminder
    sign_in(page, owner)
    row = page.locator(f"#reminder-{reminder.pk}")
    expect(row).to_contain_text("Channel due")
    expect(row.get_by_role("link", name="Dalia Mansour")).to_be_visible()
    expect(page.locator(f"#channel-{channel.pk}")).to_contain_text("overdue")
    screenshot(page, "today-before")
    page.set_viewport_size(PHONE)
    expect(row.get_by_role("button", name="Dismiss")).to_be_visible()
    screenshot(page, "today-before-360")
    page.set_viewport_size(DESKTOP)

    # and logs the exchange from the reminder's row
    row.get_by_role("link", name="Log exchange").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log exchange")
    assert page.url.endswith(f"/exchanges/new/?contact={contact.pk}&next=/")
    who, when = page.get_by_label("Who"), page.get_by_label("When")
    expect(who).to_have_values([str(contact.pk)])  # preselected from ?contact=
    days = {f"{timezone.localdate(moment):%Y-%m-%d}" for moment in (now, timezone.now())}
    expect(when).to_have_value(re.compile(rf"^({'|'.join(days)})T\d\d:\d\d$"))  # the form's now
    page.get_by_label("Kind").select_option(label="Call")
    page.get_by_label("Summary").fill("Call about the spring workshop on water policy.")
    page.get_by_role("button", name="Log exchange").click()

    # Then it lands back on Today (?next=/), where the reminder and the overdue channel are gone
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(".messages")).to_have_text("Exchange with Dalia Mansour logged.")
    expect(page.locator(f"#reminder-{reminder.pk}")).to_have_count(0)
    expect(page.locator(f"#channel-{channel.pk}")).to_have_count(0)
    expect(page.locator("#reminders ~ .empty")).to_have_text("No open reminders.")
    expect(page.locator("#overdue ~ .empty")).to_have_text("Nothing overdue — well kept.")
    screenshot(page, "today-after")

    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.RESOLVED
    exchange = Exchange.objects.get(contacts=contact)
    assert exchange.kind == Exchange.Kind.CALL
    assert list(exchange.officers.all()) == [owner]

    # and the contact page shows it on the timeline
    page.goto(f"/contacts/{contact.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dalia Mansour")
    expect(page.locator("ol.timeline > li")).to_have_count(1)
    expect(page.locator("ol.timeline")).to_contain_text(
        "Call about the spring workshop on water policy."
    )
    screenshot(page, "contact")
    page.set_viewport_size(PHONE)
    screenshot(page, "contact-360")


def test_planner_creates_invites_guest_answers_and_is_checked_in(
    page, new_context, planner, screenshot
):
    # Given a standard contact the planner may see
    guest = factories.ContactFactory(full_name="Yaël Cohen", native_name="יעל כהן")
    starts = timezone.now().astimezone(dt.UTC).replace(second=0, microsecond=0)
    starts += dt.timedelta(hours=2)  # check-in opens 12 hours before the start

    # When the planner creates an event through the form
    sign_in(page, planner)
    page.goto("/events/new/")
    page.get_by_label("Title").fill("Water and Trust round-table")
    page.get_by_label("Kind").select_option(label="Dialogue")
    page.get_by_label("Layer").select_option(label="Civil / epistemic")
    page.get_by_label("Time zone").select_option("UTC")
    page.get_by_label("Starts").fill(f"{starts:%Y-%m-%dT%H:%M}")
    page.get_by_label("Ends").fill(f"{starts + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}")
    page.get_by_label("Venue").fill("The Residence, garden room")
    page.get_by_role("button", name="Create the event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Water and Trust round-table")
    expect(page.locator(".messages")).to_have_text("Created “Water and Trust round-table”.")
    event = Event.objects.get()
    assert event.starts_at == starts
    assert list(event.planners.all()) == [planner]

    # and invites the contact from the invite page
    page.get_by_role("link", name="Invite", exact=True).click()
    one_contact = page.get_by_role("region", name="One contact")
    one_contact.get_by_label("Contact").select_option(label="Yaël Cohen")
    one_contact.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("heading", name="Invited 1, skipped 0")).to_be_visible()
    expect(page.locator("ul.invited")).to_have_text("Yaël Cohen")
    invitation = Invitation.objects.get(event=event, contact=guest)

    # and copies the RSVP link from the event page
    page.get_by_role("link", name="Back to the event").click()
    guest_row = page.locator(f"#guest-{invitation.pk}")
    expect(guest_row).to_contain_text("Invited")
    guest_row.locator("summary").click()
    rsvp_url = guest_row.get_by_label("RSVP link (no login needed)").input_value()
    assert re.fullmatch(r"http://[^/]+/rsvp/[^/]+/", rsvp_url)

    # Then the guest, with no account, answers through the link on a phone
    guest_page = new_context(viewport=PHONE).new_page()
    guest_page.goto(rsvp_url)
    expect(guest_page.get_by_role("heading", level=1)).to_have_text("Water and Trust round-table")
    expect(guest_page.get_by_text("Dear Yaël Cohen,")).to_be_visible()
    expect(guest_page.get_by_text("Your answer so far: Invited")).to_be_visible()
    guest_page.get_by_role("button", name="I will attend").click()
    expect(guest_page.locator(".messages")).to_have_text("Thank you, your answer is recorded.")
    expect(guest_page.get_by_text("Your answer so far: Accepted")).to_be_visible()
    screenshot(guest_page, "rsvp-360")

    # and the planner sees the answer and checks the guest in (an htmx swap of the row)
    page.reload()
    expect(guest_row.locator(".badge")).to_have_text("Accepted")
    expect(page.locator("#count-accepted")).to_have_text("1")
    page.get_by_role("link", name="Check-in").click()
    checkin_row = page.locator(f"#checkin-{invitation.pk}")
    expect(checkin_row).to_have_class(re.compile(r"\bstatus-accepted\b"))
    # The name's tail is visually hidden; Chromium reads it as "Attended : Yaël Cohen".
    checkin_row.get_by_role("button", name=re.compile(r"^Attended\s*: Yaël Cohen$")).click()
    expect(checkin_row).to_have_class(re.compile(r"\bstatus-attended\b"))
    expect(checkin_row.locator(".badge.status-attended")).to_have_text("Attended")
    expect(checkin_row.locator(".checkin-error")).to_have_count(0)
    assert page.url.endswith(f"/events/{event.pk}/checkin/")  # no full-page round trip
    screenshot(page, "checkin")

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ATTENDED
    assert invitation.checked_in_at is not None
    exchange = Exchange.objects.get(contacts=guest)
    assert exchange.kind == Exchange.Kind.EVENT
    assert invitation.attendance_exchange_id == exchange.pk
    assert list(exchange.officers.all()) == [planner]

    page.get_by_role("link", name="Back to the event").click()
    expect(guest_row.locator(".badge")).to_have_text("Attended")
    expect(page.locator("#count-attended")).to_have_text("1")
    screenshot(page, "event")


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

    # and its URL is a plain 404 that names nothing
    response = page.goto(f"/contacts/{hidden.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not Found")
    content = page.content()
    assert "Karimova" not in content
    assert "Каримова" not in content
    assert Contact.objects.count() == count_before
    hidden.refresh_from_db()
    assert (hidden.full_name, hidden.sensitivity) == ("Nadia Karimova", Sensitivity.PROTECTED)
    assert AccessLog.objects.filter(contact=hidden).exists() is False  # nothing was shown
