"""A period still running is marked partial and compared with the same days of the period
before, never with a whole one: on the dashboard, in the monthly report, the files and the
API alike.

Read on 6 December 2025 at noon (UTC, the mission's zone in tests): December has run six
days. Friction incidents: 2 and 5 November, 20 November, 3 December.
"""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.urls import reverse

from indicators import measures
from indicators.measures import Window
from indicators.models import Signal
from tests.conftest import api

NOW = dt.datetime(2025, 12, 6, 12, 0, tzinfo=dt.UTC)
DECEMBER = {"from": "2025-12-01", "to": "2025-12-31"}
NOV, DEC = dt.date(2025, 11, 1), dt.date(2025, 12, 1)

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def incidents(db):
    for day in ("2025-11-02", "2025-11-05", "2025-11-20", "2025-12-03"):
        Signal.objects.create(
            kind=Signal.Kind.FRICTION_INCIDENT,
            occurred_on=dt.date.fromisoformat(day),
            title=f"Incident {day}",
            severity="low",
            layer=Signal.default_layer(Signal.Kind.FRICTION_INCIDENT),
        )


def _window(start: str, end: str, period="month", now=NOW) -> Window:
    return Window(dt.date.fromisoformat(start), dt.date.fromisoformat(end), period, now)


def _span(window: Window) -> tuple[str, str]:
    previous = window.previous()
    return previous.start.isoformat(), previous.end.isoformat()


# The window compared with


def test_a_running_month_is_compared_with_the_same_days_of_the_month_before():
    assert _span(_window("2025-12-01", "2025-12-31")) == ("2025-11-01", "2025-11-06")
    assert _span(_window("2025-12-01", "2025-12-06")) == ("2025-11-01", "2025-11-06")


def test_the_same_days_stop_at_the_end_of_a_shorter_month():
    on_30_march = dt.datetime(2026, 3, 30, 9, 0, tzinfo=dt.UTC)

    assert _span(_window("2026-03-01", "2026-03-31", now=on_30_march)) == (
        "2026-02-01",
        "2026-02-28",
    )


def test_running_quarters_years_and_the_default_window_shift_by_whole_periods():
    quarter = _window("2025-10-01", "2025-12-31", "quarter")
    default = _window("2025-01-01", "2025-12-06")  # the last twelve months, to today
    years = _window("2024-01-01", "2025-12-06", "year")
    days = _window("2025-11-27", "2025-12-10")  # a custom range: 10 days run, 10 before

    assert _span(quarter) == ("2025-07-01", "2025-09-06")
    assert _span(default) == ("2024-01-01", "2024-12-06")
    assert _span(years) == ("2022-01-01", "2023-12-06")
    assert _span(days) == ("2025-11-17", "2025-11-26")


def test_a_window_that_is_over_keeps_its_whole_window_before():
    assert _span(_window("2025-11-01", "2025-11-30")) == ("2025-10-01", "2025-10-31")
    assert _span(_window("2025-11-10", "2025-11-19")) == ("2025-10-31", "2025-11-09")


def test_only_the_running_period_is_partial():
    window = _window("2025-10-01", "2025-12-31")

    assert [window.is_partial(bucket) for bucket in window.buckets()] == [False, False, True]
    assert window.covered(window.buckets()[-1]) == (DEC, dt.date(2025, 12, 6))


# The figures


def test_a_running_month_counts_against_the_same_days_before(incidents, lead):
    december = measures.friction_incidents(
        lead, start=DEC, end=dt.date(2025, 12, 31), period="month", now=NOW
    )
    autumn = measures.friction_incidents(
        lead, start=NOV, end=dt.date(2025, 12, 31), period="month", now=NOW
    )

    # 3 December against 2 and 5 November, not against all three November incidents.
    assert (december.total, december.previous, december.change) == (1, 2, -1)
    assert (december.previous_start, december.previous_end) == (NOV, dt.date(2025, 11, 6))
    assert [(p.start, p.value, p.is_partial) for p in december.series] == [(DEC, 1, True)]
    assert [(p.value, p.is_partial) for p in autumn.series] == [(3, False), (1, True)]


def test_the_report_marks_the_running_month_partial_and_compares_the_same_days(
    client, lead, incidents, frozen
):
    client.force_login(lead)

    response = client.get(reverse("indicator_report"), {"from": "2025-11-01", "to": "2026-01-31"})

    body = response.content.decode()
    december = re.search(r'id="month-2025-12".*?</section>', body, re.S).group(0)
    november = re.search(r'id="month-2025-11".*?</section>', body, re.S).group(0)
    january = re.search(r'id="month-2026-01".*?</section>', body, re.S).group(0)
    row = re.search(r"Friction incidents</th>(.*?)</tr>", december).group(1)
    assert 'December 2025 <span class="partial-mark">(partial: 1–6 Dec)</span>' in december
    assert '<th scope="col">1–6 Nov</th>' in december
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row) == ["1", "2", "-1", "better"]
    assert "partial" not in november
    november_row = re.search(r"Friction incidents</th>(.*?)</tr>", november).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", november_row)[:3] == ["3", "0", "+3"]
    # January has not begun: nothing to compare.
    january_row = re.search(r"Friction incidents</th>(.*?)</tr>", january).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", january_row)[1:] == ["–", "–", ""]
    assert "(to come)" in january


def test_the_dashboard_marks_the_running_month_and_says_what_it_compares(
    client, lead, incidents, frozen
):
    client.force_login(lead)

    response = client.get(reverse("dashboard"), {"from": "2025-11-01", "to": "2025-12-31"})

    body = response.content.decode()
    assert '<th scope="row">Dec 2025 (partial: 1–6 Dec)</th>' in body
    assert '<th scope="row">Nov 2025</th>' in body
    assert "compared with the same days of the range before" in body
    assert "Each change is against 1 Sep 2025 to 6 Oct 2025" in body
    assert 'id="partial-note"' in body
    chart = next(
        panel["chart"]
        for area in response.context["areas"]
        for panel in area["panels"]
        if panel["name"] == "friction_incidents"
    )
    assert [column.is_partial for column in chart.columns] == [False, True]
    assert 'stroke-dasharray="5 3"' in body  # the partial column is drawn apart


def test_the_files_and_the_api_agree_on_the_partial_period(client, lead, incidents, frozen):
    client.force_login(lead)

    as_csv = client.get(reverse("indicator_export_csv", args=["friction_incidents"]), DECEMBER)
    body = api(lead).get("/api/v1/indicators/friction_incidents/", DECEMBER).json()

    rows = [
        row
        for row in csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig")))
        if row["by"] == ""
    ]
    by_figure = {row["figure"]: row for row in rows}
    assert (by_figure["period"]["period_start"], by_figure["period"]["partial"]) == (
        "2025-12-01",
        "true",
    )
    assert (by_figure["previous"]["value"], by_figure["change"]["value"]) == ("2", "-1")
    assert (by_figure["previous"]["compared_from"], by_figure["previous"]["compared_to"]) == (
        "2025-11-01",
        "2025-11-06",
    )
    assert body["series"] == [{"start": "2025-12-01", "value": 1, "partial": True}]
    assert (body["previous"], body["previous_start"], body["previous_end"]) == (
        2,
        "2025-11-01",
        "2025-11-06",
    )
