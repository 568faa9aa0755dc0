"""Hostile text in every file and message the project writes: line breaks, lone CRs, NUL and
other control characters, right-to-left marks, emoji, formula starts and 10,000 characters.
No output answers 500, and each parses back in its own format with the text intact, bar the
control characters that format cannot carry."""

import csv
import datetime as dt
import email
import email.policy
import io
import json
import re

import icalendar
import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from contacts import notifications, services
from contacts.models import Channel, OfficerProfile
from events import calendar
from events.models import Event
from indicators import exports
from indicators.measures import COUNT, Part, Point, Result
from indicators.models import Signal
from tests import factories

NASTY = {
    "crlf": "Round-table\r\nEND:VEVENT\r\nBEGIN:VEVENT",
    "lone-cr": "Dinner\rat eight",
    "lf": "Line one\nLine two",
    "controls": "bell\x07 escape\x1b vertical-tab\x0b form-feed\x0c delete\x7f tab\tend",
    "rtl": "\u202etxt.exe \u200fשלום \u200eмир",
    "emoji": "Forum 🇮🇱👩🏽‍💻🎻",
    "formula": '=HYPERLINK("http://evil.example","click")',
    "plus": "+972 555 0199",
    "minus": "-2+3",
    "at": "@SUM(A1:A2)",
    "long": "Ж" * 10_000,
}
# PostgreSQL stores no NUL character (and forms refuse one); the builders still take it.
UNSTORABLE = {"nul": "Before\x00after"}
# What a TEXT value keeps: every character but the control ones; a line break is one LF.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)
Q1_QUERY = {"from": "2026-01-01", "to": "2026-03-31"}


def _kept(value: str) -> str:
    return CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


# A phone number as people write it stays as it is (trackii.spreadsheets.PHONE).
PHONE = re.compile(r"\+[0-9 ().\-/]*[0-9][0-9 ().\-/]*")


def _cells(value: str) -> str:
    """A spreadsheet cell's text: what is kept, with a quote before a formula start (not
    before a phone number)."""
    kept = _kept(value)
    guarded = kept.startswith(("=", "+", "-", "@", "\t")) and not PHONE.fullmatch(kept)
    return f"'{kept}" if guarded else kept


# iCalendar


def _nasty_event(value: str, **fields) -> Event:
    return factories.EventFactory(title=value[:200], venue=value[:200], description=value, **fields)


def _assert_vevent_carries(vevent, value: str) -> None:
    assert str(vevent["summary"]) == _kept(value[:200])
    assert str(vevent["location"]) == _kept(value[:200])
    assert str(vevent["description"]) == _kept(value)


@pytest.mark.parametrize("value", NASTY.values(), ids=NASTY.keys())
def test_an_events_ics_file_and_a_feed_parse_back_with_the_text_intact(client, planner, value):
    nasty = _nasty_event(value, planners=[planner])
    plain = factories.EventFactory(
        title="Plain evening", starts_at=nasty.starts_at + dt.timedelta(days=1), planners=[planner]
    )
    feed = factories.CalendarFeedFactory(user=planner)
    client.force_login(planner)

    one = client.get(reverse("events:event_ics", args=[nasty.pk]))
    every = client.get(reverse("events:feed", args=[feed.token]))

    assert one.status_code == every.status_code == 200
    (vevent,) = icalendar.Calendar.from_ical(one.content).events
    _assert_vevent_carries(vevent, value)
    assert str(vevent["uid"]) == calendar.event_uid(nasty)
    parsed = icalendar.Calendar.from_ical(every.content)
    assert [str(vevent["uid"]) for vevent in parsed.events] == [
        calendar.event_uid(nasty),
        calendar.event_uid(plain),
    ]
    _assert_vevent_carries(parsed.events[0], value)
    assert str(parsed.events[1]["summary"]) == "Plain evening"


@pytest.mark.parametrize(
    "value", [*NASTY.values(), *UNSTORABLE.values()], ids=[*NASTY, *UNSTORABLE]
)
def test_a_calendar_named_after_nasty_text_parses_back(db, value):
    event = Event(
        pk=1,
        title=value,
        kind=Event.Kind.ACADEMIC,
        starts_at=NOW,
        ends_at=NOW + dt.timedelta(hours=2),
        timezone="Asia/Jerusalem",
        venue=value,
        description=value,
        online_url="https://meet.example/room",
        updated_at=NOW,
    )

    body = calendar.calendar_for([event, event], name=value, now=NOW)

    parsed = icalendar.Calendar.from_ical(body)
    assert len(parsed.events) == 2
    assert str(parsed.events[1]["summary"]) == _kept(value)
    assert str(parsed.events[1]["description"]) == _kept(value)
    assert b"\x00" not in body
    assert all(line.startswith(b" ") or b":" in line for line in body.split(b"\r\n")[:-1])


# CSV and XLSX


def _nasty_platform(value: str) -> str:
    platform = value[:50]
    Signal.objects.create(
        kind=Signal.Kind.DIGITAL_REACH,
        occurred_on=dt.date(2026, 1, 15),
        title=value[:300],
        platform=platform,
        audience=700,
        note=value,
        layer=Signal.default_layer(Signal.Kind.DIGITAL_REACH),
    )
    return platform


def _csv_rows(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"), newline="")))


@pytest.mark.parametrize("value", NASTY.values(), ids=NASTY.keys())
def test_an_indicators_csv_and_workbook_parse_back_row_for_row(client, lead, value):
    platform = _nasty_platform(value)
    client.force_login(lead)
    name = {"name": "digital_reach"}

    as_csv = client.get(reverse("indicator_export_csv", kwargs=name), Q1_QUERY)
    as_xlsx = client.get(reverse("indicator_export_xlsx", kwargs=name), Q1_QUERY)

    assert as_csv.status_code == as_xlsx.status_code == 200
    rows = _csv_rows(as_csv.content.decode())
    assert rows[0] == list(exports.CSV_COLUMNS)
    assert {len(row) for row in rows} == {len(exports.CSV_COLUMNS)}
    # The overall figures and one part, each three months and three window figures.
    assert len(rows) == 1 + 2 * 6
    assert [row[4] for row in rows if row[3] == "platform"] == [_cells(platform)] * 6
    assert [row[7] for row in rows if row[3] == "platform" and row[5] == "total"] == ["700"]
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content))["digital_reach"]
    assert [cell.value for cell in sheet[10]] == [
        "period_start",
        "value",
        f"platform: {_kept(platform)}",
    ]
    assert sheet.cell(14, 3).value == 700  # the part's total


def _result(key: str) -> Result:
    series = [Point(dt.date(2026, 1, 1), 1)]
    part = Part("platform", key, series, 1, 0, 1)
    return Result(
        "digital_reach", "digital", "Reach", COUNT, "month", dt.date(2026, 1, 1),
        dt.date(2026, 1, 31), (), series, 1, 0, 1, [part],
    )  # fmt: skip


@pytest.mark.parametrize(
    "value", [*NASTY.values(), *UNSTORABLE.values()], ids=[*NASTY, *UNSTORABLE]
)
def test_export_builders_take_any_key(value):
    result = _result(value)

    rows = _csv_rows(exports.to_csv([result]))
    reader = User(username="reader", first_name=value)
    built = exports.to_xlsx([result], {"period": "month"}, reader=reader)
    workbook = openpyxl.load_workbook(io.BytesIO(built))

    assert len(rows) == 1 + 2 * 4
    assert [row[4] for row in rows if row[3] == "platform"] == [_cells(value)] * 4
    assert workbook["digital_reach"].cell(10, 3).value == f"platform: {_kept(value)}"


# E-mail


@pytest.mark.parametrize("value", NASTY.values(), ids=NASTY.keys())
def test_digests_and_escalations_keep_their_headers_on_one_line(press_team, value):
    officer = factories.UserFactory(
        username=value[:150],
        first_name=value[:150],
        email="dana@mission.example",
        roles=["officer"],
        teams=[press_team],
    )
    OfficerProfile.objects.create(user=officer, timezone="UTC", digest_hour=NOW.hour)
    factories.UserFactory(username="lea", roles=["lead"], teams=[press_team])
    contact = factories.ContactFactory(full_name=value[:200], owner=officer)
    factories.ChannelFactory(
        contact=contact,
        officer=officer,
        priority=Channel.Priority.KEY,
        created_at=NOW - dt.timedelta(days=60),
    )
    services.sweep_reminders(now=NOW)

    assert notifications.send_notifications(now=NOW) == notifications.NotificationResult(1, 1)

    digest, escalation = mail.outbox
    assert digest.subject == "Track II: 1 open reminder"
    assert escalation.subject.startswith("Track II: key channel overdue — ")
    for message in mail.outbox:
        assert re.search(r"[\r\n]", message.subject) is None
        assert CONTROL.search(message.body) is None
        assert "\r" not in message.body
        assert _kept(value[:200]) in message.body
        parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
        assert parsed["Subject"].strip() == message.subject  # a folded header starts with one
        assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n") == message.body


# JSON (the data-subject export)


@pytest.mark.parametrize("value", NASTY.values(), ids=NASTY.keys())
def test_the_data_subject_export_parses_back_with_every_text_intact(client, admin_user, value):
    contact = factories.ContactFactory(
        full_name=value[:200], native_name=value[:200], phone=value[:50], owner=admin_user
    )
    contact.notes = value
    contact.save()
    factories.AffiliationFactory(contact=contact, role=value[:200])
    factories.ExchangeFactory(
        contacts=[contact], officers=[admin_user], summary=value, notes=value, topics=[value]
    )
    factories.InvitationFactory(contact=contact, event=factories.EventFactory(title=value[:200]))
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:contacts_contact_changelist"),
        {"action": "export_selected", "_selected_action": [contact.pk]},
    )

    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["contact"]["full_name"] == value[:200]
    assert document["contact"]["notes"] == value
    assert document["affiliations"][0]["role"] == value[:200]
    (exchange,) = document["exchanges"]
    assert (exchange["summary"], exchange["notes"], exchange["topics"]) == (value, value, [value])
    assert document["invitations"][0]["event"] == value[:200]
