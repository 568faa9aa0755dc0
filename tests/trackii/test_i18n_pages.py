"""Every main page, and the forms, imports, duplicates, check-in and security pages of the
roles that use them, for every role, in every language: it renders, says its language and
direction (<html lang dir>), and shows no string the catalogues translate left in English
(a string translated at import time, a catalogue not compiled, a template that bypasses
the translation).

Every page is checked whole. Text not marked at all is the catalogue check's concern
(tests/trackii/test_i18n_catalogues.py).
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from contacts.models import OfficerProfile
from tests import factories
from tests.i18n_support import BASE, msgids

LANGUAGES = {"en": "ltr", "ru": "ltr", "he": "rtl"}
PERSONAS = ["officer", "planner", "lead", "analyst", "admin_user"]
NETWORK_READERS = {"lead", "analyst", "admin_user"}
EDITORS = {"officer", "lead", "admin_user"}
EVENT_MANAGERS = {"planner", "admin_user"}


class _Texts(HTMLParser):
    """Each text node and read attribute of a page, whitespace squeezed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: set[str] = set()
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        self._skipping += tag in ("script", "style")
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.texts.add(" ".join(value.split()))

    def handle_endtag(self, tag):
        self._skipping -= tag in ("script", "style") and self._skipping > 0

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.texts.add(" ".join(data.split()))


def _texts(body: str) -> set[str]:
    reader = _Texts()
    reader.feed(body)
    return reader.texts


@pytest.fixture
def officer(owner):
    return owner


@pytest.fixture
def world(owner, planner):
    """A contact with an overdue channel, an organization, an event with its guest, a
    programme: something on every main page."""
    organization = factories.OrganizationFactory(name="Haifa Institute of Letters")
    contact = factories.ContactFactory(
        owner=owner,
        full_name="Yael Rosen",
        native_name="יעל רוזן",
        organization=organization,
        languages=["he", "en"],
    )
    channel = factories.ChannelFactory(
        contact=contact, officer=owner, created_at=timezone.now() - dt.timedelta(days=60)
    )
    factories.ReminderFactory(channel=channel)
    event = factories.EventFactory(title="Autumn round-table", planners=[planner])
    factories.InvitationFactory(event=event, contact=contact)
    factories.ProgrammeFactory(title="Joint research on water")
    return {"contact": contact, "organization": organization, "event": event}


def _pages(persona: str, world: dict) -> list[str]:
    today = timezone.localdate()
    pages = [
        reverse("today"),
        reverse("contacts:list"),
        reverse("contacts:detail", args=[world["contact"].pk]),
        reverse("contacts:organization_list"),
        reverse("contacts:organization_detail", args=[world["organization"].pk]),
        reverse("events:list"),
        reverse("events:calendar", args=[today.year, today.month]),
        reverse("events:detail", args=[world["event"].pk]),
        reverse("events:programme_list"),
        reverse("signal_list"),
        reverse("account"),
    ]
    if persona in NETWORK_READERS:
        pages += [reverse("network_health"), reverse("dashboard")]
    if persona in EDITORS:
        pages += [
            reverse("contacts:create"),
            reverse("contacts:exchange_new"),
            reverse("contacts:organization_create"),
            reverse("contacts:import_list"),
            reverse("contacts:import_new"),
            reverse("contacts:duplicate_list"),
        ]
    if persona in EVENT_MANAGERS:
        event = world["event"].pk
        pages += [
            reverse("events:create"),
            reverse("events:edit", args=[event]),
            reverse("events:checkin", args=[event]),
            reverse("events:invite", args=[event]),
            reverse("events:programme_create"),
        ]
    return [*pages, reverse("security"), reverse("events:feed_manage")]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_main_page_renders_in_every_language_with_nothing_translated_left_english(
    client, request, world, persona
):
    user = request.getfixturevalue(persona)
    profile, _ = OfficerProfile.objects.get_or_create(user=user)
    client.force_login(user)
    known = {language: msgids(language) for language in ("ru", "he")}
    # People's usernames are data ("owner", "planner" in the fixtures), not interface text.
    usernames = set(get_user_model().objects.values_list("username", flat=True))

    problems = []
    for language, direction in LANGUAGES.items():
        # The user's own choice, as the switcher stores it; the browser asks for another.
        OfficerProfile.objects.filter(pk=profile.pk).update(language=language)
        for url in _pages(persona, world):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
            if response.status_code != 200:
                problems.append(f"{url} ({language}): {response.status_code}")
                continue
            body = response.content.decode()
            if f'<html lang="{language}" dir="{direction}">' not in body:
                problems.append(f"{url} ({language}): {re.search(r'<html[^>]*>', body)}")
            if language == "en":
                continue
            texts = _texts(body)
            left = sorted(
                msgid
                for (_, msgid), translation in known[language].items()
                if msgid != translation and msgid in texts - usernames
            )
            if left:
                problems.append(f"{url} ({language}): left in English: {left}")

    assert problems == []


def test_the_check_sees_an_english_string_left_in_a_russian_page(client, officer):
    """The check above finds what it looks for: "Today" is a translated msgid; the header
    of a page in Russian that still said it would be reported."""
    known = msgids("ru")
    client.force_login(officer)

    russian = _texts(client.get(reverse("today"), HTTP_ACCEPT_LANGUAGE="ru").content.decode())
    english = _texts(client.get(reverse("today")).content.decode())

    assert known[(None, "Today")] == "Сегодня"
    assert "Today" in english
    assert "Today" not in russian
    assert "Сегодня" in russian
    assert (BASE / "templates" / "trackii" / "today.html").exists()


@pytest.mark.parametrize("language", ["en", "ru", "he"])
def test_a_shortened_text_ends_with_the_ellipsis_alone(language):
    """Django's own Hebrew catalogue put U+202E (RIGHT-TO-LEFT OVERRIDE) before "…", never
    closed, turning the rest of the line right to left; ours gives the ellipsis alone."""
    with translation.override(language):
        shortened = Template("{{ text|truncatechars:8 }}").render(
            Context({"text": "Coffee on the conference sidelines"})
        )
    assert shortened == "Coffee …"
    assert "\u202e" not in shortened
