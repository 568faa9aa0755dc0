"""iCalendar documents: one event's ``.ics`` and a user's private feed (icalendar).

Each VEVENT has a UID that never changes, a SEQUENCE bumped on every change clients must
notice, STATUS:CANCELLED for cancelled events, and the VTIMEZONE of the event's zone.
"""

from __future__ import annotations

import datetime as dt
import re

import icalendar
from django.conf import settings

from events.models import Event

PRODUCT_ID = "-//Track II//Events//EN"
# RFC 5545 allows no control character in a TEXT value but HTAB (a line break is escaped as
# \n by icalendar); a URI holds no whitespace at all.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
URI_BREAKERS = re.compile(r"[\x00-\x20\x7f]")


def ical_text(value: str) -> str:
    """Free text as an iCalendar TEXT value: each line break one LF, no control character."""
    return CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def event_uid(event: Event) -> str:
    """Stable across every update of the event."""
    return f"event-{event.pk}@track-ii"


def calendar_for(events, *, name: str, now: dt.datetime, for_guests: bool = False) -> bytes:
    """An iCalendar document with these events and the time zones they need. A guest's
    (``for_guests``, attached to their e-mails) leaves out the event's description: it is
    the staff's text about the event, shown on its page to those who plan it, never on the
    guest's RSVP page."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # An X- property is written as it is unless it is given as TEXT, which escapes it.
    calendar.add("x-wr-calname", icalendar.vText(ical_text(name)))
    for event in events:
        calendar.add_component(_vevent(event, now, for_guests=for_guests))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _vevent(event: Event, now: dt.datetime, *, for_guests: bool) -> icalendar.Event:
    zone = event.timezone
    vevent = icalendar.Event()
    vevent.add("uid", event_uid(event))
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", now)
    vevent.add("last-modified", event.updated_at)
    vevent.add("summary", ical_text(event.title))
    vevent.add("dtstart", event.starts_at.astimezone(zone))
    vevent.add("dtend", event.ends_at.astimezone(zone))
    if event.venue:
        vevent.add("location", ical_text(event.venue))
    if event.online_url:
        vevent.add("url", URI_BREAKERS.sub("", event.online_url))
    if event.description and not for_guests:
        vevent.add("description", ical_text(event.description))
    vevent.add("status", "CANCELLED" if event.status == Event.Status.CANCELLED else _status(event))
    return vevent


def _status(event: Event) -> str:
    return (
        "CONFIRMED" if event.status in (Event.Status.CONFIRMED, Event.Status.HELD) else "TENTATIVE"
    )


def feed_window_start(now: dt.datetime) -> dt.datetime:
    """Feeds list events from this far back (calendar clients keep older ones)."""
    return now - dt.timedelta(days=settings.CALENDAR_FEED_PAST_DAYS)
