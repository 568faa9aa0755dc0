"""Horizontal bar charts drawn as inline SVG on the server: no library, no script, no style.

This module computes the geometry; ``templates/indicators/_bar_chart.html`` writes the SVG
with the template engine's escaping. Every number is formatted here, with a dot as the
decimal separator, so that no locale can change an SVG attribute.

Right to left (Hebrew: the active language's direction, or ``rtl=True``), every chart is
mirrored by computing its x from the other end: bars grow from the right with their labels
on the right, time runs from right to left with the scale on the right. Numbers stay left to
right (``direction="ltr"`` on their text).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import get_language_bidi, gettext

# Each bar has its label on a line of its own above it, so that the chart stays legible
# when a phone shrinks it to 360 px: no column of labels eats the bars' width.
WIDTH = 360
VALUE_WIDTH = 100
GAP = 8
FONT_SIZE_BARS = 14
LABEL_HEIGHT = 18
BAR_HEIGHT = 16
ROW_HEIGHT = LABEL_HEIGHT + BAR_HEIGHT + 10
LABEL_CHARACTERS = 44  # what fits in WIDTH at the font size; the table has the rest


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    label_y: str
    y: str
    width: str
    text_y: str
    x: str  # where the bar starts: the left edge, or (right to left) its width from the right


@dataclass(frozen=True)
class BarChart:
    title: str
    summary: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    bar_x: int
    track_width: int
    value_x: int
    bar_height: int
    font_size: int
    is_rtl: bool = False
    label_x: int = 0  # labels start there (their right end, right to left)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def bar_chart(
    *,
    title: str,
    rows: Iterable[tuple[str, float, str]],
    maximum: float | None = None,
    rtl: bool | None = None,
) -> BarChart:
    """A chart of ``(label, value, value_text)`` rows, bars scaled to ``maximum`` or the
    largest; mirrored right to left when ``rtl`` (default: the active language's direction)."""
    rows = list(rows)
    rtl = get_language_bidi() if rtl is None else rtl
    track_width = WIDTH - VALUE_WIDTH - GAP
    top = maximum if maximum is not None else max((value for _, value, _ in rows), default=0)
    scale = track_width / top if top > 0 else 0
    bars = []
    for index, (label, value, value_text) in enumerate(rows):
        width = min(max(value, 0), top) * scale
        bars.append(
            Bar(
                label=_shortened(label),
                value_text=value_text,
                label_y=_number(index * ROW_HEIGHT + LABEL_HEIGHT - 5),
                y=_number(index * ROW_HEIGHT + LABEL_HEIGHT),
                width=_number(width),
                text_y=_number(index * ROW_HEIGHT + LABEL_HEIGHT + BAR_HEIGHT / 2),
                x=_number(WIDTH - width) if rtl else "0",
            )
        )
    summary = "; ".join(f"{label}: {value_text}" for label, _, value_text in rows)
    return BarChart(
        title=title,
        summary=summary or gettext("no data"),
        bars=tuple(bars),
        width=WIDTH,
        height=max(len(rows), 1) * ROW_HEIGHT,
        # Right to left: the track on the right, each value at its left, ending there.
        bar_x=WIDTH - track_width if rtl else 0,
        track_width=track_width,
        value_x=VALUE_WIDTH if rtl else track_width + GAP,
        bar_height=BAR_HEIGHT,
        font_size=FONT_SIZE_BARS,
        is_rtl=rtl,
        label_x=WIDTH if rtl else 0,
    )


def _shortened(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


def _number(value: float) -> str:
    return f"{value:.1f}"


# Column charts of a time series (the indicators dashboard): narrower than the bar charts,
# so that their text stays legible when a phone shrinks them to its width.

COLUMN_WIDTH = 480
COLUMN_HEIGHT = 160
AXIS_WIDTH = 64
TOP_MARGIN = 22
BOTTOM_MARGIN = 28
FONT_SIZE = 15
PERIOD_LABEL_WIDTH = 56  # room for "Jan 26" at FONT_SIZE; fewer labels when columns are narrower
VALUE_LABEL_WIDTH = 52  # room for a value above its column, else the table has it


@dataclass(frozen=True)
class Column:
    label: str  # empty when this period's label is skipped to avoid overlap
    value_text: str  # empty when values do not fit above the columns
    x: str
    y: str
    width: str
    height: str
    label_x: str
    value_y: str
    is_missing: bool
    is_partial: bool  # drawn lighter and outlined; its label in the summary says so


@dataclass(frozen=True)
class ColumnChart:
    title: str
    summary: str
    columns: tuple[Column, ...]
    width: int
    height: int
    font_size: int
    plot_left: int
    plot_right: int
    axis_x: int
    top_y: str
    top_text: str
    bottom_y: str
    bottom_text: str
    zero_y: str
    label_y: int
    is_rtl: bool = False
    axis_anchor: str = "end"  # the scale's numbers end at axis_x (start there, right to left)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def column_chart(
    *,
    title: str,
    points: Iterable[tuple[str, str, float | None, str, bool]],
    axis_text,
    minimum: float | None = None,
    maximum: float | None = None,
    rtl: bool | None = None,
) -> ColumnChart:
    """A chart of ``(short label, label, value or None, value_text, is_partial)`` points,
    one column each, from zero (negative values hang below it), the scale at least ``minimum`` to
    ``maximum``; ``axis_text(value)`` formats the scale's ends. Right to left when ``rtl``
    (default: the active language's direction): the first period on the right."""
    points = list(points)
    rtl = get_language_bidi() if rtl is None else rtl
    values = [value for _, _, value, _, _ in points if value is not None]
    low = min([0, *values, *([minimum] if minimum is not None else [])])
    high = max([0, *values, *([maximum] if maximum is not None else [])])
    if high == low:
        high = low + 1
    scale = (COLUMN_HEIGHT - TOP_MARGIN - BOTTOM_MARGIN) / (high - low)
    slot = (COLUMN_WIDTH - AXIS_WIDTH) / max(len(points), 1)
    step = max(1, math.ceil(PERIOD_LABEL_WIDTH / slot))
    show_values = slot >= VALUE_LABEL_WIDTH

    def y_of(value: float) -> float:
        return TOP_MARGIN + (high - value) * scale

    def x_of(x: float, width: float = 0) -> str:
        # Right to left, a shape of ``width`` at ``x`` is drawn at its mirror image.
        return _number(COLUMN_WIDTH - x - width if rtl else x)

    columns = tuple(
        Column(
            label=short_label if index % step == 0 else "",
            value_text=value_text if show_values and value is not None else "",
            x=x_of(AXIS_WIDTH + index * slot + slot * 0.15, slot * 0.7),
            y=_number(y_of(max(value or 0, 0))),
            width=_number(slot * 0.7),
            height=_number(abs(value or 0) * scale),
            label_x=x_of(AXIS_WIDTH + index * slot + slot / 2),
            value_y=_number(y_of(max(value or 0, 0)) - 5),
            is_missing=value is None,
            is_partial=is_partial,
        )
        for index, (short_label, _, value, value_text, is_partial) in enumerate(points)
    )
    summary = "; ".join(f"{label}: {value_text}" for _, label, _, value_text, _ in points)
    return ColumnChart(
        title=title,
        summary=summary or gettext("no data"),
        columns=columns,
        width=COLUMN_WIDTH,
        height=COLUMN_HEIGHT,
        font_size=FONT_SIZE,
        plot_left=0 if rtl else AXIS_WIDTH,
        plot_right=COLUMN_WIDTH - AXIS_WIDTH if rtl else COLUMN_WIDTH,
        axis_x=COLUMN_WIDTH - AXIS_WIDTH + 6 if rtl else AXIS_WIDTH - 6,
        top_y=_number(y_of(high)),
        top_text=axis_text(high),
        bottom_y=_number(y_of(low)),
        bottom_text=axis_text(low),
        zero_y=_number(y_of(0)),
        label_y=COLUMN_HEIGHT - 8,
        is_rtl=rtl,
        axis_anchor="start" if rtl else "end",
    )
