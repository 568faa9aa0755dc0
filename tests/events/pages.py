"""Helpers for the events page tests: events at fixed dates, far from the real clock that the
views read, and figures read back from a rendered page."""

import datetime as dt
import re

from django.utils import timezone

from tests import factories

STARTS_AT = dt.datetime(2099, 6, 1, 16, 0, tzinfo=dt.UTC)  # 19:00 in Jerusalem (UTC+3)
PAST_STARTS_AT = dt.datetime(2020, 6, 1, 16, 0, tzinfo=dt.UTC)


def make_event(**fields):
    """An event two hours long, starting at STARTS_AT unless ``starts_at`` is given."""
    fields.setdefault("starts_at", STARTS_AT)
    fields.setdefault("ends_at", fields["starts_at"] + dt.timedelta(hours=2))
    return factories.EventFactory(**fields)


def event_under_way(**fields):
    """An event that started an hour ago by the real clock: check-in is open."""
    now = timezone.now()
    return make_event(
        **fields, starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1)
    )


def guest_count(body: str, status: str) -> int:
    """A figure of the guest list's counts (``total``, ``accepted``, …) on the event page."""
    return int(re.search(rf'<dd id="count-{status}">(\d+)</dd>', body).group(1))
