"""The one query behind each kind of figure (flows by bucket, what ran during each bucket,
a state read at instants) and the filters, every one through ``visible_to`` where it
counts contacts, exchanges, channels or invitations."""

from __future__ import annotations

import bisect
import datetime as dt

from django.conf import settings
from django.db.models import Case, DateField, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Trunc

from contacts.models import Climate, Contact, Organization
from events.models import Event, Invitation, Programme
from indicators.measures.base import PREVIOUS, TOTAL, Window, mission_zone, moment
from indicators.models import Signal

STARTED = [Programme.Status.ACTIVE, Programme.Status.COMPLETED]
SAID_YES = [
    Invitation.Status.ACCEPTED,
    Invitation.Status.WAITLISTED,
    Invitation.Status.ATTENDED,
    Invitation.Status.NO_SHOW,
]
EXPECTED = [Invitation.Status.ACCEPTED, Invitation.Status.ATTENDED, Invitation.Status.NO_SHOW]
ON_STAGE = [Invitation.Role.SPEAKER, Invitation.Role.MODERATOR]
BEYOND_SECURITY = [theme for theme in Signal.Theme.values if theme != Signal.Theme.SECURITY]


def flow(queryset: QuerySet, date_field: str, window: Window, *, is_moment: bool, keys=(), **agg):
    """Group what happened in the previous window and in this one by (in this window?,
    bucket, *keys), with the aggregates ``numerator`` and, for rates, ``denominator``."""
    bound = moment if is_moment else (lambda day: day)
    previous = window.previous()
    current = Q(**{f"{date_field}__gte": bound(window.start)})

    def between(lower: dt.date, upper: dt.date) -> Q:
        return Q(**{f"{date_field}__gte": bound(lower), f"{date_field}__lt": bound(upper)})

    counted = between(previous.start, window.stop)
    if previous.stop < window.start:
        # A running window's previous figure counts the same days only, not the rest.
        counted = between(previous.start, previous.stop) | between(window.start, window.stop)
    rows = (
        queryset.filter(counted)
        .annotate(
            in_window=Case(When(current, then=Value(True)), default=Value(False)),
            bucket=Trunc(
                date_field,
                window.period,
                output_field=DateField(),
                tzinfo=mission_zone() if is_moment else None,
            ),
        )
        .order_by()
        .values("in_window", "bucket", *keys)
        .annotate(**agg)
    )
    return list(rows)


def spans_of(window: Window) -> list[tuple[object, dt.date, dt.date]]:
    """(slot, lower, upper) of each bucket, of the window and of the previous window."""
    previous = window.previous()
    return [
        *((bucket.start, bucket.lower, bucket.upper) for bucket in window.buckets()),
        (TOTAL, window.start, window.stop),
        (PREVIOUS, previous.start, previous.stop),
    ]


def instants_of(window: Window) -> tuple[list[tuple[object, dt.datetime]], set]:
    """(slot, instant) at which a state is read: each bucket's end (or now, for the bucket
    in progress), the window's end, and its start for the previous figure. Slots wholly
    in the future are missing."""
    now = window.now
    ends = [
        *((bucket.start, bucket.lower, bucket.upper) for bucket in window.buckets()),
        (TOTAL, window.start, window.stop),
        (PREVIOUS, window.previous().start, window.start),
    ]
    instants, missing = [], set()
    for slot, lower, upper in ends:
        if moment(lower) > now:
            missing.add(slot)
        else:
            instants.append((slot, min(moment(upper), now)))
    return instants, missing


def column_name(slot) -> str:
    return slot if isinstance(slot, str) else slot.strftime("%Y%m%d")


def overlapping(prefix: str, lower: dt.date, upper: dt.date) -> Q:
    """Programmes (reached through ``prefix``) that started and ran during [lower, upper)."""
    return Q(**{f"{prefix}status__in": STARTED, f"{prefix}starts_on__lt": upper}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": lower})
    )


def climate_factors(instants) -> dict:
    """The informal cadence factor in force at each instant of (slot, instant) pairs, by
    instant, from one read of the climate history."""
    if not instants:
        return {}
    history = list(
        Climate.objects.filter(started_at__lte=max(when for _, when in instants))
        .order_by("started_at", "pk")
        .values_list("started_at", "level")
    )
    starts = [started_at for started_at, _ in history]
    factors = {}
    for _, when in instants:
        index = bisect.bisect_right(starts, when) - 1
        level = history[index][1] if index >= 0 else Climate.Level.NORMAL
        factors[when] = settings.CLIMATE_FACTORS[level]
    return factors


# Filters


def contact_filter(prefix: str, *, layer=None, category=None, country=None) -> Q:
    conditions = {"layer": layer, "category": category, "country": country}
    return Q(**{f"{prefix}{name}": value for name, value in conditions.items() if value})


def events_of(user, *, layer, category, country) -> QuerySet:
    """Events of the layer; with a category or country, those with a guest (whom the
    reader may see) of it."""
    events = Event.objects.all()
    if layer:
        events = events.filter(layer=layer)
    if category or country:
        guests = Invitation.objects.visible_to(user).filter(
            contact_filter("contact__", category=category, country=country),
            event=OuterRef("pk"),
            revoked_at__isnull=True,
        )
        events = events.filter(Exists(guests))
    return events


def invitations_of(user, *, layer, category, country) -> QuerySet:
    invitations = Invitation.objects.visible_to(user).filter(
        contact_filter("contact__", category=category, country=country),
        revoked_at__isnull=True,
    )
    return invitations.filter(event__layer=layer) if layer else invitations


def programmes_of(user, *, layer, category, country) -> QuerySet:
    """Programmes of the layer; with a category, those with a participant (whom the reader
    may see) of it; with a country, those with a partner there."""
    programmes = Programme.objects.all()
    if layer:
        programmes = programmes.filter(layer=layer)
    if category:
        participants = Programme.participants.through.objects.filter(
            programme=OuterRef("pk"),
            contact__in=Contact.objects.visible_to(user).filter(category=category),
        )
        programmes = programmes.filter(Exists(participants))
    if country:
        partners = Programme.partners.through.objects.filter(
            programme=OuterRef("pk"), organization__country=country
        )
        programmes = programmes.filter(Exists(partners))
    return programmes


def organizations_of(*, country) -> QuerySet:
    organizations = Organization.objects.all()
    return organizations.filter(country=country) if country else organizations


def signal_flow(kind: str, window: Window, *, key: str, layer, country, **aggregates) -> list:
    """``flow`` of the signals of one kind (by the day they occurred), grouped by ``key``."""
    signals = signals_of(kind, layer=layer, country=country)
    return flow(signals, "occurred_on", window, is_moment=False, keys=[key], **aggregates)


def signals_of(kind: str, *, layer, country) -> QuerySet:
    signals = Signal.objects.filter(kind=kind)
    if layer:
        signals = signals.filter(layer=layer)
    return signals.filter(country=country) if country else signals
