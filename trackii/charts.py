"""Horizontal bar charts drawn as inline SVG on the server: no library, no script, no style.

This module computes the geometry; ``templates/trackii/_bar_chart.html`` writes the SVG
with the template engine's escaping. Every number is formatted here, with a dot as the
decimal separator, so that no locale can change an SVG attribute.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 180
VALUE_WIDTH = 110
ROW_HEIGHT = 28
BAR_HEIGHT = 18
GAP = 8
LABEL_CHARACTERS = 22  # what fits in LABEL_WIDTH at the font size; the table has the rest


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: str
    width: str
    text_y: str


@dataclass(frozen=True)
class BarChart:
    title: str
    summary: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_x: int
    bar_x: int
    track_width: int
    value_x: int
    bar_height: int

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def bar_chart(
    *, title: str, rows: Iterable[tuple[str, float, str]], maximum: float | None = None
) -> BarChart:
    """A chart of ``(label, value, value_text)`` rows, bars scaled to ``maximum`` or the largest."""
    rows = list(rows)
    track_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 2 * GAP
    top = maximum if maximum is not None else max((value for _, value, _ in rows), default=0)
    scale = track_width / top if top > 0 else 0
    bars = tuple(
        Bar(
            label=_shortened(label),
            value_text=value_text,
            y=_number(index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2),
            width=_number(min(max(value, 0), top) * scale),
            text_y=_number(index * ROW_HEIGHT + ROW_HEIGHT / 2),
        )
        for index, (label, value, value_text) in enumerate(rows)
    )
    summary = "; ".join(f"{label}: {value_text}" for label, _, value_text in rows)
    return BarChart(
        title=title,
        summary=summary or "no data",
        bars=bars,
        width=WIDTH,
        height=max(len(rows), 1) * ROW_HEIGHT,
        label_x=LABEL_WIDTH,
        bar_x=LABEL_WIDTH + GAP,
        track_width=track_width,
        value_x=LABEL_WIDTH + GAP + track_width + GAP,
        bar_height=BAR_HEIGHT,
    )


def _shortened(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


def _number(value: float) -> str:
    return f"{value:.1f}"
