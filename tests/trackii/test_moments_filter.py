"""``|iso`` (trackii/templatetags/moments.py) writes what ``|date:'c'`` wrote in the
``datetime`` attribute of ``<time>``, in whichever time zone is current."""

import datetime as dt
import zoneinfo

import pytest
from django.template import engines
from django.utils import timezone

MOMENTS = [
    dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),  # Jerusalem's clocks move that night
    dt.datetime(2026, 12, 7, 23, 59, 59, 999999, tzinfo=dt.UTC),
    dt.datetime(2026, 6, 1, 12, 0),  # noqa: DTZ001 - naive
    dt.date(2026, 2, 28),
    None,
    "",
]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Jerusalem", "Europe/Moscow", "America/New_York"])
@pytest.mark.parametrize("moment", MOMENTS)
def test_iso_writes_what_the_date_filter_wrote(zone, moment):
    template = engines["django"].from_string(
        "{% load moments %}{{ moment|iso }}|{{ moment|date:'c' }}"
    )
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        ours, django = template.render({"moment": moment}).split("|")

    assert ours == django
    if isinstance(moment, dt.datetime) and timezone.is_aware(moment):
        assert dt.datetime.fromisoformat(ours) == moment
