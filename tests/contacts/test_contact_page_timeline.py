"""The contact page: its timeline pages back beyond the latest 50 exchanges, its events
and programmes are links, a cancelled event is not "Invited", and people are named."""

import datetime as dt

import pytest
from django.urls import reverse

from events.models import Event
from tests import factories
from tests.pages import page_text


@pytest.fixture
def named_owner(press_team):
    return factories.UserFactory(
        username="u4711", first_name="Dana", last_name="Levi", roles=["officer"], teams=[press_team]
    )


def _detail(client, contact, **params):
    return client.get(reverse("contacts:detail", args=[contact.pk]), params)


def test_the_timeline_pages_back_through_every_exchange(client, named_owner):
    contact = factories.ContactFactory(owner=named_owner)
    start = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)
    exchanges = [
        factories.ExchangeFactory(
            occurred_at=start + dt.timedelta(days=day),
            contacts=[contact],
            officers=[named_owner],
            summary=f"Exchange number {day}.",
        )
        for day in range(55)
    ]
    client.force_login(named_owner)

    first = _detail(client, contact)
    second = _detail(client, contact, page="2")

    assert [e.pk for e in first.context["exchanges"]] == [e.pk for e in exchanges[:4:-1]]
    assert [e.pk for e in second.context["exchanges"]] == [e.pk for e in exchanges[4::-1]]
    assert "Exchange number 0." in page_text(second)
    assert "Exchanges 1–50 of 55" in page_text(first)
    assert 'href="?page=2#timeline-heading" rel="next"' in page_text(first)
    assert "by Dana Levi" in page_text(first)
    assert "u4711" not in page_text(first)
    # A page past the end or not a number shows a page, never an error.
    assert _detail(client, contact, page="99").context["exchanges"][0].pk == exchanges[4].pk
    assert _detail(client, contact, page="x\x00").status_code == 200


def test_events_and_programmes_are_links_and_a_cancelled_event_is_not_invited(client, named_owner):
    contact = factories.ContactFactory(owner=named_owner)
    held = factories.InvitationFactory(contact=contact, event__title="Water forum").event
    cancelled = factories.InvitationFactory(
        contact=contact, event__title="Cancelled evening", event__status=Event.Status.CANCELLED
    ).event
    programme = factories.ProgrammeFactory(title="Joint research on water")
    programme.participants.add(contact)
    client.force_login(named_owner)

    body = page_text(_detail(client, contact))

    assert f'<a href="{reverse("events:detail", args=[held.pk])}">Water forum</a>' in body
    cancelled_link = f'<a href="{reverse("events:detail", args=[cancelled.pk])}">'
    assert f"{cancelled_link}Cancelled evening</a>" in body
    cancelled_item = body[body.index(cancelled_link) :].split("</li>")[0]
    assert "Event cancelled" in cancelled_item
    assert "Invited" not in cancelled_item
    held_item = body[body.index("Water forum</a>") :].split("</li>")[0]
    assert "Invited" in held_item
    programme_url = reverse("events:programme_detail", args=[programme.pk])
    assert f'<a href="{programme_url}">Joint research on water</a>' in body
    assert "<dt>Owner</dt><dd>Dana Levi</dd>" in body
