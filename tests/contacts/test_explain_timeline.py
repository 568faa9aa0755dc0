"""A contact's timeline (``Exchange.objects.naming(contact).visible_to(user, few=True)``):
the same exchanges as ``visible_to`` would give, found through the contact's own links and
tested each by index on PostgreSQL, never by reading every exchange's contact links."""

import datetime as dt
import re

import pytest
from django.db import connection

from contacts.models import Contact, Exchange, Grant, Sensitivity
from tests import factories

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MISSION_WIDE = re.compile(r"Seq Scan on contacts_exchange_contacts\b")


def _mission(owner, others, contact) -> None:
    """4,000 recent exchanges with contacts of every sensitivity, some granted to the owner;
    then the contact's 80, a month and more ago: one link in fifty is theirs, where reading
    their links by index is the plan (with one in fifteen a scan of the small link table
    could cost as little, and the planner chose either)."""
    sensitivities = [Sensitivity.STANDARD, Sensitivity.RESTRICTED, Sensitivity.PROTECTED]
    contacts = Contact.objects.bulk_create(
        Contact(
            full_name=f"Bulk {number}",
            category=Contact.Category.ACADEMIC,
            layer="civil_epistemic",
            sensitivity=sensitivities[number % 3],
            owner=others[number % len(others)],
        )
        for number in range(600)
    )
    Grant.objects.bulk_create(Grant(contact=granted, user=owner) for granted in contacts[:40])
    links = Exchange.contacts.through
    recent = Exchange.objects.bulk_create(
        Exchange(occurred_at=NOW - dt.timedelta(minutes=n), kind="call", summary="Bulk")
        for n in range(4000)
    )
    links.objects.bulk_create(
        links(exchange=exchange, contact=contacts[n % len(contacts)])
        for n, exchange in enumerate(recent)
    )
    old = Exchange.objects.bulk_create(
        Exchange(occurred_at=NOW - dt.timedelta(days=30 + n), kind="call", summary="Theirs")
        for n in range(80)
    )
    links.objects.bulk_create(links(exchange=exchange, contact=contact) for exchange in old)


def test_a_timeline_reads_the_contacts_own_links_by_index(owner, teammate, outsider):
    contact = factories.ContactFactory(owner=owner)
    _mission(owner, [teammate, outsider], contact)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    plan = Exchange.objects.naming(contact).visible_to(owner, few=True)[:50].explain()

    assert MISSION_WIDE.search(plan) is None, plan
    assert "contacts_exchange_contacts_contact_id" in plan, plan


@pytest.mark.parametrize("persona", ["owner", "teammate", "outsider", "grantee", "admin_user"])
def test_a_timeline_holds_what_visible_to_holds(persona, request, owner, teammate, outsider):
    """Exchanges naming the contact and others of every sensitivity, sealed or not, with
    readers or not: the timeline is ``visible_to``'s, in the same order."""
    user = request.getfixturevalue(persona)
    contact = factories.ContactFactory(owner=owner)
    others = [
        factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED),
        factories.ContactFactory(owner=teammate, sensitivity=Sensitivity.RESTRICTED),
        factories.ContactFactory(owner=outsider, sensitivity=Sensitivity.RESTRICTED),
        factories.ContactFactory(owner=outsider, sensitivity=Sensitivity.PROTECTED),
    ]
    factories.GrantFactory(contact=others[3], user=request.getfixturevalue("grantee"))
    for number, other in enumerate([None, *others]):
        for sealed in (False, True):
            exchange = factories.ExchangeFactory(
                contacts=[contact] if other is None else [contact, other],
                occurred_at=NOW - dt.timedelta(days=number % 3),
                is_sealed=sealed,
            )
            if sealed and number % 2:
                exchange.readers.add(user)

    timeline = list(Exchange.objects.naming(contact).visible_to(user, few=True))
    expected = list(
        Exchange.objects.visible_to(user).filter(contacts=contact).order_by("-occurred_at", "-pk")
    )

    assert timeline == expected
    assert len(expected) >= 2
