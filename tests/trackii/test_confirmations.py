"""Buttons that act at once and cannot be taken back ask first (``data-confirm``, which the
pages' script turns into a confirmation): sending every invitation e-mail not sent yet,
marking a duplicate pair as two people, revoking an API token. A user's findings."""

import re

from django.urls import reverse

from contacts.models import DuplicatePair
from tests import factories
from tests.events.pages import make_event
from tests.pages import page_text
from trackii.tokens import create_token


def _asks(page: str, button_text: str) -> str:
    """The question of the button showing ``button_text``, failing if it asks none."""
    for match in re.finditer(r"<button\b([^>]*)>(.*?)</button>", page, re.DOTALL):
        if button_text in match.group(2):
            question = re.search(r'data-confirm="([^"]+)"', match.group(1))
            assert question, f"{button_text!r} asks nothing: {match.group(0)}"
            return question.group(1)
    raise AssertionError(f"No button {button_text!r}")


def test_sending_every_invitation_e_mail_asks_first(client, planner):
    event = make_event(planners=[planner])
    for name in ("ada@example.org", "ben@example.org"):
        factories.InvitationFactory(event=event, contact=factories.ContactFactory(email=name))
    client.force_login(planner)

    page = page_text(client.get(reverse("events:detail", args=[event.pk])))

    assert _asks(page, "Send to all 2 not sent yet") == (
        "Send the invitation e-mails to 2 guests now?"
    )


def test_marking_a_pair_as_two_people_asks_first(client, owner):
    one, other = sorted(
        (factories.ContactFactory(owner=owner) for _ in range(2)), key=lambda c: c.pk
    )
    DuplicatePair.objects.create(
        contact_a=one, contact_b=other, score=80, reasons=["name"], found_at="2026-01-01T00:00Z"
    )
    client.force_login(owner)

    page = page_text(client.get(reverse("contacts:duplicate_list")))

    assert "for good" in _asks(page, "Not the same person")


def test_revoking_a_token_asks_first(client, owner):
    create_token(owner, name="Calendar sync")
    client.force_login(owner)

    page = page_text(client.get(reverse("security")))

    assert _asks(page, "Revoke") == (
        "Revoke the token “Calendar sync”? Integrations using it stop at once."
    )
