"""The server-drawn charts mirror right to left (Hebrew): bars grow from the right with their
labels there, time runs from right to left with the scale on the right, numbers stay left
to right; left to right nothing moves."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from indicators.charts import COLUMN_WIDTH, WIDTH, bar_chart, column_chart

ROWS = [("Active", 6, "6"), ("Paused", 3, "3")]
POINTS = [("Jan", "January", 1.0, "1", False), ("Feb", "February", 3.0, "3", False)]


def _columns(**kwargs):
    return column_chart(title="Exchanges", points=POINTS, axis_text=str, **kwargs)


def test_left_to_right_bars_start_at_the_left_edge():
    chart = bar_chart(title="Channels", rows=ROWS, rtl=False)

    assert (chart.is_rtl, chart.label_x, chart.bar_x) == (False, 0, 0)
    assert [bar.x for bar in chart.bars] == ["0", "0"]
    assert chart.value_x == chart.track_width + 8


def test_right_to_left_bars_grow_from_the_right_edge():
    ltr = bar_chart(title="Channels", rows=ROWS, rtl=False)
    rtl = bar_chart(title="Channels", rows=ROWS, rtl=True)

    assert rtl.label_x == WIDTH
    assert rtl.bar_x + rtl.track_width == WIDTH  # the track ends at the right edge
    for left, right in zip(ltr.bars, rtl.bars, strict=True):
        assert right.width == left.width
        assert float(right.x) + float(right.width) == pytest.approx(WIDTH)
    assert rtl.value_x < rtl.bar_x  # the values sit left of the bars


def test_right_to_left_time_runs_from_the_right():
    ltr, rtl = _columns(rtl=False), _columns(rtl=True)

    for left, right in zip(ltr.columns, rtl.columns, strict=True):
        assert float(right.x) == pytest.approx(COLUMN_WIDTH - float(left.x) - float(left.width))
        assert float(right.label_x) == pytest.approx(COLUMN_WIDTH - float(left.label_x))
    assert float(rtl.columns[0].x) > float(rtl.columns[1].x)  # January on the right
    assert (rtl.plot_left, rtl.plot_right) == (0, COLUMN_WIDTH - ltr.plot_left)
    assert (ltr.axis_anchor, rtl.axis_anchor) == ("end", "start")


def test_the_direction_defaults_to_the_active_languages():
    with translation.override("he"):
        assert bar_chart(title="x", rows=ROWS).is_rtl is True
        assert _columns().is_rtl is True
    with translation.override("ru"):
        assert bar_chart(title="x", rows=ROWS).is_rtl is False


def test_numbers_stay_left_to_right_inside_a_mirrored_chart():
    bars = render_to_string(
        "indicators/_bar_chart.html", {"chart": bar_chart(title="x", rows=ROWS, rtl=True)}
    )
    columns = render_to_string("indicators/dashboard_chart.html", {"chart": _columns(rtl=True)})
    plain = render_to_string(
        "indicators/_bar_chart.html", {"chart": bar_chart(title="x", rows=ROWS, rtl=False)}
    )

    assert 'direction="rtl"' in bars
    assert 'direction="ltr" text-anchor="end">6</text>' in bars
    assert 'text-anchor="start" dominant-baseline="middle" font-size="15" fill="#5a6470" ' in (
        columns
    )
    assert 'direction="ltr">3</text>' in columns
    assert "direction=" not in plain
