"""A bar chart of searches per day, laid out for an SVG drawn by the server (no script).

:func:`daily_chart` turns the days of a report into :class:`BarChart`: each day's bar, the
part of it that had no close match, a rounded scale with grid lines, and a few date labels.
Coordinates are in the SVG's own units (``viewBox``); the page scales it to its width.
No Flask here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from faqkb.insights.report import DailySearches

WIDTH, HEIGHT = 720, 200
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 10, 26  # margins for the scale and the date labels
DATE_LABELS = 6  # at most


@dataclass(frozen=True, slots=True)
class Bar:
    """One day: its bar (``height`` in all, ``missed_height`` of it with no close match)."""

    x: float
    width: float
    y: float
    height: float
    missed_y: float
    missed_height: float
    label: str  # what the bar says on hover and to a screen reader


@dataclass(frozen=True, slots=True)
class Tick:
    """A line of the scale, at ``y``, saying ``value``."""

    y: float
    value: int


@dataclass(frozen=True, slots=True)
class DateLabel:
    """A date under the bars, centred on ``x``."""

    x: float
    text: str


@dataclass(frozen=True, slots=True)
class BarChart:
    """Everything the template draws."""

    width: int
    height: int
    left: int
    right: int
    baseline: float
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    dates: tuple[DateLabel, ...]


def daily_chart(daily: tuple[DailySearches, ...]) -> BarChart:
    """The bar chart of ``daily``, one bar a day, oldest on the left."""
    top = _scale_top(max((d.searches for d in daily), default=0))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    step = plot_width / max(1, len(daily))
    gap = min(2.0, step * 0.2)
    bars = []
    for index, day in enumerate(daily):
        height = plot_height * day.searches / top
        missed = plot_height * day.no_close_match / top
        noun = "search" if day.searches == 1 else "searches"
        bars.append(Bar(x=round(LEFT + index * step + gap / 2, 2), width=round(step - gap, 2),
                        y=round(baseline - height, 2), height=round(height, 2),
                        missed_y=round(baseline - missed, 2), missed_height=round(missed, 2),
                        label=f"{day.day.isoformat()}: {day.searches:,} {noun}, "
                              f"{day.no_close_match:,} with no close match"))
    ticks = tuple(Tick(y=round(baseline - plot_height * value / top, 2), value=value)
                  for value in _tick_values(top))
    every = max(1, math.ceil(len(daily) / DATE_LABELS))
    dates = tuple(DateLabel(x=round(LEFT + (index + 0.5) * step, 2),
                            text=f"{day.day:%b} {day.day.day}")
                  for index, day in enumerate(daily) if (len(daily) - 1 - index) % every == 0)
    return BarChart(WIDTH, HEIGHT, LEFT, RIGHT, baseline, tuple(bars), ticks, dates)


def _scale_top(highest: int) -> int:
    """The smallest round number (1, 2 or 5 times a power of ten) at or above ``highest``."""
    if highest <= 1:
        return 1
    power = int(10 ** math.floor(math.log10(highest)))
    for factor in (1, 2, 5, 10):
        if factor * power >= highest:
            return factor * power
    return 10 * power


def _tick_values(top: int) -> list[int]:
    values = [0, top // 2, top] if top % 2 == 0 and top > 1 else [0, top]
    return sorted(set(values))
