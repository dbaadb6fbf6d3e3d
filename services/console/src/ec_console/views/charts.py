"""Charts the console draws itself, as SVG on the server: their geometry. Pure.

A chart is categories along x (the weeks of a period) and one or more series
of values up y, as bars side by side or as lines. The template turns the shapes
computed here into SVG elements; nothing here knows HTML. A value of None is
"nothing to show" (a week when no escalation got that far): no bar, a gap in
the line."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 260
# Room for the y ticks and the axis title on the left, the x labels below.
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 14, 40
MOST_X_LABELS = 12


@dataclass(frozen=True)
class Box:
    """The plot area inside the chart, in SVG units (y grows downwards)."""

    left: float = LEFT
    top: float = TOP
    right: float = WIDTH - RIGHT
    bottom: float = HEIGHT - BOTTOM

    @property
    def width(self) -> float:
        return self.right - self.left


def nice_step(maximum: float, most: int = 5) -> float:
    """The smallest step of 1, 2 or 5 times a power of ten that covers
    [0, maximum] in at most `most` steps."""
    if maximum <= 0:
        return 1.0
    rough = maximum / most
    power = 10.0 ** math.floor(math.log10(rough))
    for factor in (1, 2, 5):
        if factor * power >= rough:
            return factor * power
    return 10 * power


def ticks(maximum: float, most: int = 5, *, whole: bool = False) -> list[float]:
    """0, step, twice the step, … up to the first tick at or above the maximum.
    `whole`: counts, so the step is at least 1."""
    step = nice_step(maximum, most)
    if whole:
        step = max(1.0, step)
    top = max(1, math.ceil(maximum / step - 1e-9))
    return [round(i * step, 10) for i in range(top + 1)]


@dataclass(frozen=True)
class Scale:
    """Values in [0, maximum] to y from the box's bottom to its top."""

    maximum: float
    box: Box

    def y(self, value: float) -> float:
        share = value / self.maximum if self.maximum else 0.0
        return self.box.bottom - share * (self.box.bottom - self.box.top)


@dataclass(frozen=True)
class Bands:
    """`count` equal bands across the box, one per category."""

    count: int
    box: Box

    @property
    def width(self) -> float:
        return self.box.width / max(1, self.count)

    def start(self, index: int) -> float:
        return self.box.left + index * self.width

    def middle(self, index: int) -> float:
        return self.start(index) + self.width / 2

    def slot(
        self, index: int, series: int, of: int, *, padding: float = 0.2
    ) -> tuple[float, float]:
        """x and width of the bar of series `series` (of `of`) in band `index`."""
        inner = self.width * (1 - padding)
        bar = inner / of
        return self.start(index) + self.width * padding / 2 + series * bar, bar


def labelled(count: int, most: int = MOST_X_LABELS) -> list[int]:
    """Which of `count` categories get a label, evenly, at most `most` of them."""
    every = max(1, math.ceil(count / most))
    return list(range(0, count, every))


def line_path(points: Sequence[tuple[float, float] | None]) -> str:
    """An SVG path through the points; a None breaks the line there."""
    parts: list[str] = []
    pen_down = False
    for point in points:
        if point is None:
            pen_down = False
            continue
        x, y = point
        parts.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
        pen_down = True
    return " ".join(parts)


UNITS = (("days", 86_400.0), ("hours", 3_600.0), ("minutes", 60.0), ("seconds", 1.0))


def duration_unit(largest_seconds: float) -> tuple[str, float]:
    """The largest unit in which the largest duration is at least 3 of it: a
    scale of 0 to 2 days would squash the shorter lines flat against 0."""
    for name, seconds in UNITS:
        if largest_seconds >= 3 * seconds:
            return name, seconds
    return UNITS[-1]
