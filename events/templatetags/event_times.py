"""Event times in the event's own zone, named as guests read it, and, in brackets, in the
viewer's zone: "Mon 1 Jun 2099, 19:00–21:00 UTC+03:00, Jerusalem (16:00–18:00 your
time)", in the viewer's language."""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext

from events.mail import zone_label

register = template.Library()

DAY = "D j M Y"
CLOCK = "H:i"


def _span(starts_at, ends_at, *, day: str) -> str:
    if starts_at.date() == ends_at.date():
        return f"{date_format(starts_at, day)}, {_clock(starts_at)}–{_clock(ends_at)}"
    return (
        f"{date_format(starts_at, day)}, {_clock(starts_at)} – "
        f"{date_format(ends_at, day)}, {_clock(ends_at)}"
    )


def _clock(moment) -> str:
    return date_format(moment, CLOCK)


def _yours(zone) -> str | None:
    """The viewer's zone, or None when it is the event's own."""
    viewer = timezone.get_current_timezone()
    return None if str(viewer) == str(zone) else viewer


def _with_yours(text: str, yours: str) -> str:
    return gettext("%(event_time)s (%(your_time)s your time)") % {
        "event_time": text,
        "your_time": yours,
    }


@register.simple_tag
def event_span(event) -> str:
    """When an event runs, in its zone and (when different) the viewer's."""
    zone = event.timezone
    starts_at = timezone.localtime(event.starts_at, zone)
    ends_at = timezone.localtime(event.ends_at, zone)
    text = f"{_span(starts_at, ends_at, day=DAY)} {zone_label(event)}"
    viewer = _yours(zone)
    if viewer is None:
        return text
    my_start = timezone.localtime(event.starts_at, viewer)
    my_end = timezone.localtime(event.ends_at, viewer)
    if (my_start.date(), my_end.date()) == (starts_at.date(), ends_at.date()):
        mine = f"{_clock(my_start)}–{_clock(my_end)}"
    else:
        mine = _span(my_start, my_end, day="D j M")
    return _with_yours(text, mine)


@register.simple_tag
def event_clock(event) -> str:
    """The start time alone, for a day in the month calendar: "19:00 UTC+03:00, Jerusalem
    (16:00 your time)"."""
    zone = event.timezone
    local = timezone.localtime(event.starts_at, zone)
    text = f"{_clock(local)} {zone_label(event)}"
    viewer = _yours(zone)
    if viewer is None:
        return text
    mine = timezone.localtime(event.starts_at, viewer)
    if mine.date() != local.date():
        return _with_yours(text, f"{date_format(mine, 'D j M')}, {_clock(mine)}")
    return _with_yours(text, _clock(mine))


@register.filter
def event_zone(event) -> str:
    """The event's zone as guests read it: "UTC+03:00, Jerusalem"."""
    return zone_label(event)
