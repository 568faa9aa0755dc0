"""Touches (``contacts.Touch``), kept by the triggers of migration ``contacts.0021``, are
always exactly the exchanges naming a channel's contact and officer, with the exchange's
date: after every kind of write that can change them, through the services, the ORM's bulk
paths and raw SQL, on PostgreSQL and on SQLite (the embedded default's triggers, run on an
SQLite database of the same tables)."""

import datetime as dt
import importlib
import random
import sqlite3

import pytest
from django.db import connection

from contacts import services
from contacts.models import Channel, Exchange, Touch
from tests import factories

migration = importlib.import_module("contacts.migrations.0021_touches")

EXPECTED = """
    SELECT ch.id, ec.exchange_id, e.occurred_at FROM contacts_channel ch
    JOIN contacts_exchange_contacts ec ON ec.contact_id = ch.contact_id
    JOIN contacts_exchange_officers eo
        ON eo.exchange_id = ec.exchange_id AND eo.user_id = ch.officer_id
    JOIN contacts_exchange e ON e.id = ec.exchange_id"""
NOW = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _expected() -> set:
    with connection.cursor() as cursor:
        cursor.execute(EXPECTED)
        return set(cursor.fetchall())


def _stored() -> set:
    return set(Touch.objects.values_list("channel_id", "exchange_id", "occurred_at"))


def _check(step: str) -> None:
    expected = _expected()
    assert _stored() == expected, step
    return expected


@pytest.fixture
def people(db):
    officers = [factories.UserFactory(roles=["officer"]) for _ in range(3)]
    contacts = [factories.ContactFactory() for _ in range(4)]
    return officers, contacts


def test_the_touches_follow_every_write_to_exchanges_and_channels(people):
    officers, contacts = people
    a, b, c = officers
    one, two, three, four = contacts
    for officer, contact in [(a, one), (a, two), (b, one), (c, three)]:
        services.open_channel(contact=contact, officer=officer, now=NOW)
    assert not _check("channels, no exchange yet")

    logged = services.log_exchange(
        occurred_at=NOW - 3 * DAY,
        kind="meeting",
        contacts=[one, two],
        officers=[a, b],
        summary="Lunch",
        created_by=a,
        now=NOW,
    )
    touched = _check("logged through the service")
    assert len(touched) == 3  # a-one, a-two, b-one
    factories.ExchangeFactory(occurred_at=NOW - 2 * DAY, contacts=[three, four], officers=[c])
    assert len(_check("a factory's exchange (m2m add)")) == 4

    services.update_exchange(logged, now=NOW, occurred_at=NOW - 5 * DAY)
    _check("its date changed")
    services.update_exchange(logged, now=NOW, contacts=[two, three], officers=[a, c])
    _check("its contacts and officers changed")
    logged.officers.remove(a)
    _check("an officer removed (m2m remove)")
    logged.officers.add(b)
    logged.contacts.add(one)
    _check("an officer and a contact added (m2m add)")
    Exchange.objects.filter(pk=logged.pk).update(occurred_at=NOW - 7 * DAY)
    _check("a bulk update of the date")
    Exchange.contacts.through.objects.filter(contact=one).update(contact=four)
    _check("a link moved to another contact (bulk update of the through table)")
    Exchange.officers.through.objects.filter(user=b).update(user=a)
    _check("a link moved to another officer")

    services.open_channel(contact=four, officer=a, now=NOW)
    _check("a channel opened where exchanges exist")
    Channel.objects.filter(contact=two, officer=a).update(contact=three)
    _check("a channel moved to another contact")
    Channel.objects.filter(contact=three, officer=c).delete()
    _check("a channel deleted")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM contacts_exchange_contacts WHERE contact_id = %s", [three.pk])
    _check("links deleted by raw SQL")

    assert _check("before the exchange is deleted")
    services.delete_exchange(logged, now=NOW)
    _check("the exchange deleted through the service")
    Exchange.objects.all().delete()
    assert not _check("every exchange deleted")


def test_a_merge_and_its_undoing_move_the_touches_with_the_channels_and_exchanges(
    people, admin_user
):
    officers, contacts = people
    a, b, _ = officers
    keep, other = contacts[:2]
    services.open_channel(contact=keep, officer=a, now=NOW)
    services.open_channel(contact=other, officer=b, now=NOW)
    for contact, officer, days in [(keep, a, 4), (other, b, 3), (other, a, 2)]:
        services.log_exchange(
            occurred_at=NOW - days * DAY,
            kind="call",
            contacts=[contact],
            officers=[officer],
            summary="Call",
            created_by=officer,
            now=NOW,
        )
    before = _check("before the merge")

    record = services.merge_contacts(admin_user, keep, other, choices={}, surface="web", now=NOW)
    after = _check("after the merge")
    services.undo_merge(admin_user, record, surface="web", now=NOW + DAY)
    undone = _check("after the merge is undone")

    assert len(after) == len(before) + 1  # a's call with the other now touches a's channel
    assert len(undone) == len(before)


@pytest.mark.parametrize("seed", range(3))
def test_random_writes_keep_the_touches_right_on_sqlite(seed):
    """The SQLite triggers, on an SQLite database holding the tables they read and write
    (with the links' unique pairs), after a random sequence of the writes above."""
    rng = random.Random(seed)
    db = sqlite3.connect(":memory:")
    db.executescript(
        """
        CREATE TABLE contacts_channel (id INTEGER PRIMARY KEY, contact_id INT, officer_id INT);
        CREATE TABLE contacts_exchange (id INTEGER PRIMARY KEY, occurred_at TEXT);
        CREATE TABLE contacts_exchange_contacts (
            id INTEGER PRIMARY KEY, exchange_id INT, contact_id INT,
            UNIQUE (exchange_id, contact_id));
        CREATE TABLE contacts_exchange_officers (
            id INTEGER PRIMARY KEY, exchange_id INT, user_id INT, UNIQUE (exchange_id, user_id));
        CREATE TABLE contacts_touch (id INTEGER PRIMARY KEY, channel_id INT, exchange_id INT,
            occurred_at TEXT, UNIQUE (channel_id, exchange_id));
        """
    )
    for statement in migration.create_statements("sqlite"):
        db.execute(statement)

    def ids(table):
        return [pk for (pk,) in db.execute(f"SELECT id FROM {table}")]  # noqa: S608

    exchanges, channels = "contacts_exchange", "contacts_channel"
    links = {"contact": "contacts_exchange_contacts", "officer": "contacts_exchange_officers"}
    # (statement, the table its {e} is an id of): links only to exchanges that exist, as
    # the foreign keys demand.
    steps = [
        ("INSERT INTO contacts_channel (contact_id, officer_id) VALUES ({c}, {o})", None, 3),
        ("INSERT INTO contacts_exchange (occurred_at) VALUES ('2026-0{m}-01')", None, 3),
        ("INSERT OR IGNORE INTO contacts_exchange_contacts (exchange_id, contact_id) "
         "VALUES ({e}, {c})", exchanges, 6),
        ("INSERT OR IGNORE INTO contacts_exchange_officers (exchange_id, user_id) "
         "VALUES ({e}, {o})", exchanges, 6),
        ("UPDATE contacts_exchange SET occurred_at = '2026-0{m}-15' WHERE id = {e}",
         exchanges, 1),
        ("UPDATE OR IGNORE contacts_exchange_contacts SET contact_id = {c} WHERE id = {e}",
         links["contact"], 1),
        ("UPDATE OR IGNORE contacts_exchange_officers SET user_id = {o} WHERE id = {e}",
         links["officer"], 1),
        ("UPDATE contacts_channel SET contact_id = {c} WHERE id = {e}", channels, 1),
        ("UPDATE contacts_channel SET officer_id = {o} WHERE id = {e}", channels, 1),
        ("DELETE FROM contacts_exchange_contacts WHERE id = {e}", links["contact"], 1),
        ("DELETE FROM contacts_exchange_officers WHERE id = {e}", links["officer"], 1),
        ("DELETE FROM contacts_channel WHERE id = {e}", channels, 1),
        ("DELETE FROM contacts_exchange WHERE id = {e}", exchanges, 1),
    ]  # fmt: skip
    touched = set()
    for number in range(300):
        step, table, _ = rng.choices(steps, [weight for *_, weight in steps])[0]
        existing = ids(table) if table else [0]
        if not existing:
            continue
        e = rng.choice(existing)
        if table == exchanges and step.startswith("DELETE"):
            # As Django deletes an exchange: its links first.
            for link in links.values():
                db.execute(f"DELETE FROM {link} WHERE exchange_id = {e}")  # noqa: S608
        db.execute(step.format(c=rng.randint(1, 4), o=rng.randint(1, 3), e=e, m=rng.randint(1, 9)))
        expected = set(db.execute(EXPECTED).fetchall())
        stored = set(db.execute("SELECT channel_id, exchange_id, occurred_at FROM contacts_touch"))
        assert stored == expected, (number, step)
        touched |= stored
    assert len(touched) > 20  # the sequence did touch channels


def test_the_rule_at_a_past_moment_reads_the_touches(people):
    """``kept_up_at`` at a past moment reads a channel's touches, not the exchanges' links:
    a channel touched since that moment was kept up then only if a touch within its
    cadence before it exists."""
    from contacts.querysets import cadence_start, kept_up_at

    officers, contacts = people
    factories.ChannelFactory(
        officer=officers[0], contact=contacts[0], cadence_days=10, last_touch_at=NOW
    )
    for occurred_at in (NOW - 12 * DAY, NOW):
        factories.ExchangeFactory(
            occurred_at=occurred_at, contacts=[contacts[0]], officers=[officers[0]]
        )
    channels = Channel.objects.all()

    def kept(when):
        rule = kept_up_at(when, "since", 1.0, channels)
        return channels.annotate(since=cadence_start(when, 1.0)).filter(rule)

    assert kept(NOW - 5 * DAY).exists()  # the touch 12 days before NOW is 7 days old then
    assert not kept(NOW - DAY).exists()  # and 11 days old then, past the 10-day cadence
    sql = str(kept(NOW - DAY).query)
    assert '"contacts_touch"' in sql
    assert '"contacts_exchange_contacts"' not in sql
