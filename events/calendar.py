"""iCalendar documents: one event's ``.ics`` and a user's private feed (icalendar).

Each VEVENT has a UID that never changes, a SEQUENCE bumped on every change clients must
notice, STATUS:CANCELLED for cancelled events, and the VTIMEZONE of the event's zone.
"""

from __future__ import annotations

import datetime as dt

import icalendar
from django.conf import settings
from django.db.models import Q

from events.models import Event

PRODUCT_ID = "-//Track II//Events//EN"


def event_uid(event: Event) -> str:
    """Stable across every update of the event."""
    return f"event-{event.pk}@track-ii"


def calendar_for(events, *, name: str, now: dt.datetime) -> bytes:
    """An iCalendar document with these events and the time zones they need."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(_vevent(event, now))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _vevent(event: Event, now: dt.datetime) -> icalendar.Event:
    zone = event.timezone
    vevent = icalendar.Event()
    vevent.add("uid", event_uid(event))
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", now)
    vevent.add("last-modified", event.updated_at)
    vevent.add("summary", event.title)
    vevent.add("dtstart", event.starts_at.astimezone(zone))
    vevent.add("dtend", event.ends_at.astimezone(zone))
    if event.venue:
        vevent.add("location", event.venue)
    if event.online_url:
        vevent.add("url", event.online_url)
    if event.description:
        vevent.add("description", event.description)
    vevent.add("status", "CANCELLED" if event.status == Event.Status.CANCELLED else _status(event))
    return vevent


def _status(event: Event) -> str:
    return (
        "CONFIRMED" if event.status in (Event.Status.CONFIRMED, Event.Status.HELD) else "TENTATIVE"
    )


def events_of(user):
    """The events a user plans or attends, for their feed."""
    return (
        Event.objects.filter(Q(planners=user) | Q(attending_officers=user))
        .distinct()
        .order_by("starts_at", "pk")
    )


def feed_window_start(now: dt.datetime) -> dt.datetime:
    """Feeds list events from this far back (calendar clients keep older ones)."""
    return now - dt.timedelta(days=settings.CALENDAR_FEED_PAST_DAYS)
