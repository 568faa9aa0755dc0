"""Languages in Chromium at 1280 px and 360 px: the switcher in the header changes the pages'
language (and the user's own), Hebrew reads right to left with the navigation on the right
and nothing wider than the screen, a long Russian word wraps instead of widening the page;
screenshots of Today, a contact page and the dashboard in each language
(test-artifacts/screenshots/i18n-<language>-<width>-<page>.png).
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import OfficerProfile
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_browser import PASSWORD
from tests.indicators import test_measures

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

network = test_measures.network  # the indicator tests' fixed data set
# A Russian word longer than a phone is wide, as compound surnames and institutions are.
LONG_WORD = "Высокопревосходительствующийнаучноисследовательскийинститутович"
DIRECTIONS = {"en": "ltr", "ru": "ltr", "he": "rtl"}
WIDTHS = {DESKTOP["width"]: DESKTOP, PHONE["width"]: PHONE}


def _sign_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("header .who")).to_have_text(user.username)


def _console_errors(page) -> list[str]:
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _switch_to(page, language: str) -> None:
    """Choose a language with the header's switcher (behind Menu on a phone)."""
    toggle = page.locator(".menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    page.locator(f'form.languages button[value="{language}"]').click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def _layout(page) -> dict:
    return page.evaluate(
        """() => {
            const brand = document.querySelector('header .brand').getBoundingClientRect();
            const heading = document.querySelector('h1').getBoundingClientRect();
            return {
                lang: document.documentElement.lang,
                dir: document.documentElement.dir,
                scrollWidth: document.documentElement.scrollWidth,
                innerWidth: innerWidth,
                brandLeft: brand.left,
                brandRight: brand.right,
                headingLeft: heading.left,
                headingRight: heading.right,
            };
        }"""
    )


@pytest.fixture
def lead_with_a_channel(lead, network):
    """The lead holds an overdue channel (a row on Today) with a contact of the network."""
    contact = factories.ContactFactory(
        owner=lead, full_name="Yael Rosen", native_name="יעל רוזן", languages=["he"]
    )
    channel = factories.ChannelFactory(
        contact=contact, officer=lead, created_at=timezone.now() - dt.timedelta(days=60)
    )
    factories.ReminderFactory(channel=channel, due_at=timezone.now() - dt.timedelta(days=30))
    OfficerProfile.objects.create(user=lead, timezone="Asia/Jerusalem")
    return contact


@pytest.mark.parametrize("width", WIDTHS)
def test_each_language_fits_the_screen_and_hebrew_reads_right_to_left(
    new_context, lead, lead_with_a_channel, screenshot, width
):
    page = new_context(WIDTHS[width]).new_page()
    errors = _console_errors(page)
    _sign_in(page, lead)
    pages = {
        "today": "/",
        "contact": f"/contacts/{lead_with_a_channel.pk}/",
        "dashboard": "/indicators/",
    }

    layouts = {}
    for language in ("en", "ru", "he"):
        if language != "en":
            _switch_to(page, language)
        for name, url in pages.items():
            page.goto(url)
            expect(page.locator("h1")).to_be_visible()
            layouts[(language, name)] = _layout(page)
            screenshot(page, f"i18n-{language}-{width}-{name}")

    # The switcher kept the last choice as the lead's own.
    assert OfficerProfile.objects.get(user=lead).language == "he"
    for (language, name), layout in layouts.items():
        where = f"{language} {name} at {width}px"
        assert (layout["lang"], layout["dir"]) == (language, DIRECTIONS[language]), where
        assert layout["innerWidth"] == width, where
        assert layout["scrollWidth"] <= layout["innerWidth"], f"scrolls sideways: {where}"
        middle = width / 2
        if language == "he":
            # The navigation starts on the right: the brand sits in the right half.
            assert layout["brandLeft"] > middle, where
            assert layout["headingRight"] > middle, where
        else:
            assert layout["brandRight"] < middle, where
            assert layout["headingLeft"] < middle, where
    assert errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_long_russian_word_wraps_instead_of_widening_the_page(
    new_context, owner, screenshot, width
):
    OfficerProfile.objects.create(user=owner, language="ru")
    contact = factories.ContactFactory(owner=owner, full_name=LONG_WORD, native_name=LONG_WORD)
    organization = factories.OrganizationFactory(name=LONG_WORD)
    contact.organization = organization
    contact.save(update_fields=["organization"])
    page = new_context(WIDTHS[width]).new_page()
    _sign_in(page, owner)

    measured = {}
    for name, url in (("contact", f"/contacts/{contact.pk}/"), ("list", "/contacts/")):
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        expect(page.get_by_text(LONG_WORD).first).to_be_visible()
        measured[name] = page.evaluate(
            """(word) => ({
                scrollWidth: document.documentElement.scrollWidth,
                innerWidth: innerWidth,
                widest: Math.max(...[...document.querySelectorAll('main *')]
                    .filter((node) => node.children.length === 0
                        && node.textContent.includes(word))
                    .map((node) => node.getBoundingClientRect().right)),
            })""",
            LONG_WORD,
        )
        screenshot(page, f"i18n-ru-{width}-long-word-{name}")

    for name, layout in measured.items():
        assert layout["scrollWidth"] <= layout["innerWidth"] == width, name
        assert layout["widest"] <= width, name


def test_a_follow_ups_english_summary_and_its_hebrew_due_date_keep_their_own_lines(
    new_context, owner, screenshot
):
    """A user's finding: on Today in Hebrew at 360 px an English summary and the Hebrew due
    date ran together on one line, the date broken between its day and its month."""
    contact = factories.ContactFactory(full_name="Dana Levi", owner=owner)
    exchange = factories.ExchangeFactory(
        contacts=[contact],
        officers=[owner],
        summary="Agreed to send the panel's programme and the list of speakers next week",
        follow_up_on=timezone.localdate() - dt.timedelta(days=1),
    )
    factories.ReminderFactory(kind="follow_up", channel=None, exchange=exchange, recipient=owner)
    OfficerProfile.objects.create(user=owner, language="he")
    page = new_context(PHONE).new_page()
    _sign_in(page, owner)

    summary = page.locator(".today-list .summary").first
    due = page.locator(".today-list .reminder-what .muted time").first
    expect(summary).to_be_visible()
    screenshot(page, "i18n-he-360-follow-up")

    summary_box, due_box = summary.bounding_box(), due.bounding_box()
    assert due_box["y"] >= summary_box["y"] + summary_box["height"] - 1
    line = due.evaluate("time => parseFloat(getComputedStyle(time).lineHeight)")
    assert due_box["height"] <= line + 1  # one line: the date never breaks inside
