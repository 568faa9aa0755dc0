"""Month-start states of channels: whether each channel was kept within its cadence at
midnight starting each month (``TIME_ZONE``), recorded once so that the network-health
indicators read one small row per channel and year instead of every exchange.

The rule is the keep-in-touch rule of ``contacts.querysets`` (``cadence_start`` and
``kept_up_at``) applied at each month start under the climate in force then. The hourly
task records the month starts not recorded yet; ``services.record_touches`` re-records a
channel's months whenever its exchanges change, so that an exchange logged late, edited
or deleted counts where it happened; a climate level dated in the past makes the months
after it unrecorded again (``forget_months_from``) until the task records them. A later
change of a channel's cadence or kind does not rewrite the months already recorded: they
hold the state as it was.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
import zoneinfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Min, Q, QuerySet, Value, When

from contacts.models import Channel, ChannelState, RecordedMonth
from contacts.querysets import cadence_start, informal_factor, kept_up_at


def month_instant(month: dt.date) -> dt.datetime:
    """Midnight starting ``month`` in the mission's time zone (``TIME_ZONE``)."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return dt.datetime.combine(month.replace(day=1), dt.time.min, tzinfo=zone)


def month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=31)).replace(day=1)
    return months


def missing_months(now: dt.datetime) -> list[dt.date]:
    """Month starts from the first channel's creation up to ``now`` not recorded yet."""
    first = Channel.objects.aggregate(first=Min("created_at"))["first"]
    if first is None:
        return []
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    starts = month_starts(first.astimezone(zone).date(), now.astimezone(zone).date())
    # A month recorded at midnight in another zone (TIME_ZONE changed since) is missing too.
    recorded = {
        month
        for month, instant in RecordedMonth.objects.values_list("starts_on", "starts_at")
        if instant == month_instant(month)
    }
    return [month for month in starts if month not in recorded and month_instant(month) <= now]


@transaction.atomic
def record_months(months: list[dt.date], *, now: dt.datetime) -> int:
    """Record the state of every channel at each of these month starts (none in the
    future), and mark them recorded. Idempotent. Returns the months recorded."""
    months = sorted({month.replace(day=1) for month in months if month_instant(month) <= now})
    _record(Channel.objects.all(), months)
    for month in months:
        RecordedMonth.objects.update_or_create(
            starts_on=month, defaults={"starts_at": month_instant(month), "recorded_at": now}
        )
    return len(months)


def record_missing_months(*, now: dt.datetime) -> int:
    """What the hourly task does: record the month starts not recorded yet."""
    return record_months(missing_months(now), now=now)


def forget_months_from(moment: dt.datetime) -> int:
    """Stop reading the month starts from ``moment`` on as recorded (a climate level dated
    in the past changes every informal channel's state after it): the indicators read
    them from the exchanges until the hourly task records them again. Returns how many."""
    forgotten, _ = RecordedMonth.objects.filter(starts_at__gte=moment).delete()
    return forgotten


def rerecord(channels: QuerySet) -> None:
    """Record again every recorded month of these channels (their exchanges changed)."""
    months = list(RecordedMonth.objects.values_list("starts_on", flat=True))
    if months:
        _record(channels, months)


def _record(channels: QuerySet, months: list[dt.date]) -> None:
    for year, of_year in itertools.groupby(sorted(months), key=lambda month: month.year):
        _record_year(channels, year, list(of_year))


def _record_year(channels: QuerySet, year: int, months: list[dt.date]) -> None:
    """One ``INSERT ... SELECT`` of the year's bits for the months given; the bits of the
    year's other months stay as they were."""
    instants = [(month, month_instant(month)) for month in months]
    rows = channels.filter(created_at__lte=max(when for _, when in instants))
    bits = []
    for month, when in instants:
        since, factor = f"since_{month.month}", informal_factor(when)
        rows = rows.annotate(**{since: cadence_start(when, factor)})
        kept = kept_up_at(when, since, factor, among=channels)
        bits.append(
            Case(
                When(Q(created_at__lte=when) & kept, then=Value(_bit(month))),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    rows = rows.annotate(
        s_channel_id=F("pk"),
        s_year=Value(year, output_field=IntegerField()),
        s_kept_up=functools.reduce(operator.add, bits),
    )
    select_sql, params = (
        rows.order_by().values("s_channel_id", "s_year", "s_kept_up").query.sql_with_params()
    )
    quote = connection.ops.quote_name
    table = quote(ChannelState._meta.db_table)
    kept_up = quote("kept_up")
    others = ~functools.reduce(operator.or_, (_bit(month) for month in months))
    # Only quoted identifiers, an integer and Django's compiled SQL are interpolated;
    # values travel as parameters. WHERE 1 = 1 lets SQLite parse ON CONFLICT after SELECT.
    sql = (
        f"INSERT INTO {table} ({quote('channel_id')}, {quote('year')}, {kept_up}) "  # noqa: S608
        f"SELECT s_channel_id, s_year, s_kept_up FROM ({select_sql}) AS states WHERE 1 = 1 "
        f"ON CONFLICT ({quote('channel_id')}, {quote('year')}) DO UPDATE SET "
        f"{kept_up} = ({table}.{kept_up} & ({int(others)})) | excluded.{kept_up}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _bit(month: dt.date) -> int:
    return 1 << (month.month - 1)


def bit_of(instant: dt.datetime, recorded: dict[dt.datetime, dt.date]) -> tuple[int, int] | None:
    """(year, bit) of ``instant`` when it is a recorded month start, else None."""
    month = recorded.get(instant)
    return None if month is None else (month.year, _bit(month))


def recorded_instants(instants) -> dict[dt.datetime, dt.date]:
    """Which of these instants are recorded month starts: {instant: month}."""
    return dict(
        RecordedMonth.objects.filter(starts_at__in=list(instants)).values_list(
            "starts_at", "starts_on"
        )
    )
