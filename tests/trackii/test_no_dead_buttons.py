"""No button that ends in 403: each persona follows every same-site link of the main pages,
and posts every form of Today and of a contact page, and is never refused.

A link or a button shown to someone who may not use it is a dead end; the pages offer only
what the reader may do. The world is the differential leak test's visible one, with a
planner who holds an overdue channel (so Today offers them "Log exchange") and a staff
user with no role (every page of theirs is the one that says so, without a link; its
sign-out and language buttons are pressed).
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs

import pytest
import time_machine
from django.test import Client
from django.urls import resolve, reverse

from tests import factories
from tests.security.test_differential import NOW, build_visible_world, run_sweeps

PERSONAS = ["outsider", "planner", "lead", "analyst", "plain"]
# Links that end the session or leave the page set under test.
SKIPPED = re.compile(r"^/(logout/|static/|media/|admin/|api/v1/docs)")


class _Page(HTMLParser):
    """The links and the POST forms (action, hidden inputs, first submit) of a page."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "data": {}, "pressed": False}
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and attrs.get("type") == "hidden":
            self._form["data"][attrs.get("name")] = attrs.get("value") or ""
        elif self._form is not None and tag == "button" and not self._form["pressed"]:
            if attrs.get("name"):
                self._form["data"][attrs["name"]] = attrs.get("value") or ""
            self._form["pressed"] = True

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _parse(response) -> _Page:
    page = _Page()
    page.feed(response.content.decode())
    return page


def _same_site(href: str) -> str | None:
    href = href.replace("&amp;", "&").split("#", 1)[0]
    if not href.startswith("/") or href.startswith("//") or SKIPPED.match(href):
        return None
    return href


def _kind_of_link(href: str) -> tuple:
    """Links that the same permission decides are followed once: the same view on the same
    object and contact, whatever the filters, sorting, page or indicator (``name``)."""
    path, _, query = href.partition("?")
    match = resolve(path)
    kwargs = tuple(sorted((k, v) for k, v in match.kwargs.items() if k != "name"))
    return (match.view_name, kwargs, tuple(sorted(parse_qs(query).get("contact", []))))


def _world():
    world = build_visible_world()
    ana = world.contacts[0]
    users = world.users
    factories.ChannelFactory(
        contact=ana, officer=users["planner"], created_at=NOW - dt.timedelta(days=60)
    )
    users["plain"] = factories.UserFactory(username="plain")
    run_sweeps()
    return world


def _main_pages(world) -> list[str]:
    ana, forum, programme = world.contacts[0], world.events[0], world.programmes[0]
    return [
        reverse("today"),
        reverse("contacts:list"),
        reverse("contacts:detail", args=[ana.pk]),
        reverse("contacts:organization_list"),
        reverse("contacts:organization_detail", args=[world.organizations[0].pk]),
        reverse("events:list"),
        reverse("events:detail", args=[forum.pk]),
        reverse("events:programme_list"),
        reverse("events:programme_detail", args=[programme.pk]),
        reverse("signal_list"),
        reverse("network_health"),
        reverse("dashboard"),
    ]


@pytest.mark.django_db
def test_no_link_on_the_main_pages_answers_403():
    with time_machine.travel(NOW, tick=False):
        world = _world()
        refused = []
        for persona in PERSONAS:
            client = Client(raise_request_exception=False)
            client.force_login(world.users[persona])
            links: dict[tuple, tuple[str, str]] = {}
            for url in _main_pages(world):
                response = client.get(url)
                if persona == "plain":
                    # No role: every page is the one that says so, and links nowhere.
                    assert response.status_code == 403, url
                    assert "trackii/no_role.html" in [t.name for t in response.templates]
                    assert [h for h in _parse(response).links if _same_site(h)] == [], url
                    continue
                if response.status_code == 403:
                    continue  # a page the menu does not offer to this persona
                assert response.status_code == 200, (persona, url, response.status_code)
                for href in _parse(response).links:
                    target = _same_site(href)
                    if target:
                        links.setdefault(_kind_of_link(target), (target, url))
            for target, found_on in sorted(links.values()):
                status = client.get(target).status_code
                if status == 403 or status >= 500:
                    refused.append(f"{persona}: {target} (on {found_on}) -> {status}")
        assert refused == [], "\n".join(refused)


@pytest.mark.django_db
def test_the_buttons_of_today_and_a_contact_page_are_shown_only_to_who_may_press_them():
    with time_machine.travel(NOW, tick=False):
        world = _world()
        ana = world.contacts[0]
        refused, pressed = [], 0
        for persona in PERSONAS:
            client = Client(raise_request_exception=False)
            client.force_login(world.users[persona])
            for url in (reverse("today"), reverse("contacts:detail", args=[ana.pk])):
                page = _parse(client.get(url))
                for form in page.forms:
                    action = form["action"] or url
                    status = client.post(action, form["data"]).status_code
                    pressed += 1
                    if status == 403 or status >= 500:
                        refused.append(f"{persona}: POST {action} (on {url}) -> {status}")
        assert refused == [], "\n".join(refused)
        # The planner's and the officer's reminders and channels offer buttons at all.
        assert pressed > 0
