"""Plans on PostgreSQL, over enough rows (and fresh statistics) that the planner prefers an
index where one serves: reminder visibility reads each reminder's own exchange and its
contact links by index, never the mission's whole exchanges or links."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from contacts.models import Contact, Exchange, Reminder, Sensitivity
from tests import factories

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
EXCHANGES = 4000
OFFICERS = 40
# The tables reminder visibility must not read whole.
MISSION_WIDE = re.compile(r"Seq Scan on (contacts_exchange|contacts_exchange_contacts)\b")


def _bulk_network(owner, others) -> None:
    """Contacts of every sensitivity, EXCHANGES exchanges naming two each, and a follow-up
    reminder for every other exchange, held by officers of another team."""
    sensitivities = [Sensitivity.STANDARD] * 6 + [Sensitivity.RESTRICTED, Sensitivity.PROTECTED]
    contacts = Contact.objects.bulk_create(
        Contact(
            full_name=f"Bulk {number}",
            category=Contact.Category.ACADEMIC,
            layer="civil_epistemic",
            sensitivity=sensitivities[number % len(sensitivities)],
            owner=others[number % len(others)] if number % 3 else owner,
        )
        for number in range(800)
    )
    exchanges = Exchange.objects.bulk_create(
        Exchange(occurred_at=NOW, kind=Exchange.Kind.CALL, summary="Bulk", follow_up_on=NOW.date())
        for _ in range(EXCHANGES)
    )
    links = Exchange.contacts.through
    links.objects.bulk_create(
        links(exchange=exchange, contact=contacts[(number + step) % len(contacts)])
        for number, exchange in enumerate(exchanges)
        for step in (0, 7)
    )
    Reminder.objects.bulk_create(
        Reminder(
            kind=Reminder.Kind.FOLLOW_UP,
            recipient=others[number % len(others)],
            exchange=exchange,
            due_at=NOW,
        )
        for number, exchange in enumerate(exchanges[::2])
    )


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return queryset.explain()


@pytest.mark.parametrize("persona", ["owner", "lead"])
def test_reminder_visibility_reads_each_reminders_own_exchange_by_index(
    persona, request, owner, culture_team, lead
):
    user = request.getfixturevalue(persona)
    others = get_user_model().objects.bulk_create(
        get_user_model()(username=f"officer{number}") for number in range(OFFICERS)
    )
    culture_team.members.add(*others)
    _bulk_network(owner, others)
    followed = factories.ExchangeFactory(
        contacts=[factories.ContactFactory(owner=owner)], follow_up_on=NOW.date()
    )
    factories.ReminderFactory(
        kind=Reminder.Kind.FOLLOW_UP, channel=None, exchange=followed, recipient=user
    )
    factories.ReminderFactory(channel=factories.ChannelFactory(officer=user))

    plan = _plan(Reminder.objects.visible_to(user).filter(status=Reminder.Status.OPEN))

    assert MISSION_WIDE.search(plan) is None, plan
    assert "contacts_exchange_pkey" in plan, plan
    assert Reminder.objects.visible_to(user).filter(exchange=followed).count() == 1
