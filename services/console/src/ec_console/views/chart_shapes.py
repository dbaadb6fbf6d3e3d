"""A chart's every shape, placed: what the template draws as SVG, and the same
figures as a table for whoever cannot see the drawing. Pure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ec_console.views.charts import HEIGHT, WIDTH, Bands, Box, Scale, labelled, line_path, ticks


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # the class that colours it (console.css), also in the legend
    values: Sequence[float | None]


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class XLabel:
    x: float
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Line:
    css: str
    path: str
    dots: list[Dot]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    y_title: str
    x_title: str
    ticks: list[Tick]
    x_labels: list[XLabel]
    legend: list[tuple[str, str]]
    table_head: list[str]
    table_rows: list[list[str]]
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    box: Box = field(default_factory=Box)
    width: int = WIDTH
    height: int = HEIGHT


def _frame(
    categories: Sequence[str], series: Sequence[Series], *, whole: bool
) -> tuple[Bands, Scale, list[Tick], list[XLabel]]:
    box = Box()
    bands = Bands(len(categories), box)
    largest = max((v for s in series for v in s.values if v is not None), default=0.0)
    marks = ticks(largest, whole=whole)
    scale = Scale(marks[-1], box)
    placed = [Tick(scale.y(mark), _number(mark)) for mark in marks]
    x_labels = [XLabel(bands.middle(i), categories[i]) for i in labelled(len(categories))]
    return bands, scale, placed, x_labels


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _table(
    categories: Sequence[str], series: Sequence[Series], cell: Callable[[float | None], str]
) -> list[list[str]]:
    return [
        [category, *(cell(s.values[i]) for s in series)] for i, category in enumerate(categories)
    ]


def bar_chart(
    *,
    id: str,
    title: str,
    description: str,
    y_title: str,
    x_title: str,
    category_heading: str,
    categories: Sequence[str],
    series: Sequence[Series],
) -> Chart:
    """Counts: one bar per series side by side in each category's band."""
    bands, scale, placed, x_labels = _frame(categories, series, whole=True)
    bars = []
    for index, category in enumerate(categories):
        for number, one in enumerate(series):
            value = one.values[index]
            if not value:
                continue
            x, width = bands.slot(index, number, len(series))
            top = scale.y(value)
            said = f"{one.name}, {category}: {_number(value)}"
            bars.append(Bar(x, top, width, scale.box.bottom - top, one.css, said))
    return Chart(
        id=id,
        title=title,
        description=description,
        y_title=y_title,
        x_title=x_title,
        ticks=placed,
        x_labels=x_labels,
        legend=[(s.name, s.css) for s in series],
        table_head=[category_heading, *(s.name for s in series)],
        table_rows=_table(categories, series, lambda v: "0" if v is None else _number(v)),
        bars=bars,
    )


def line_chart(
    *,
    id: str,
    title: str,
    description: str,
    y_title: str,
    x_title: str,
    category_heading: str,
    categories: Sequence[str],
    series: Sequence[Series],
    cell: Callable[[float | None], str],
) -> Chart:
    """Values over the categories, a line per series with a dot at each value;
    `cell` writes a value for the dots' titles and the table."""
    bands, scale, placed, x_labels = _frame(categories, series, whole=False)
    lines = []
    for one in series:
        points = [
            None if value is None else (bands.middle(i), scale.y(value))
            for i, value in enumerate(one.values)
        ]
        dots = [
            Dot(point[0], point[1], f"{one.name}, {categories[i]}: {cell(one.values[i])}")
            for i, point in enumerate(points)
            if point is not None
        ]
        lines.append(Line(one.css, line_path(points), dots))
    return Chart(
        id=id,
        title=title,
        description=description,
        y_title=y_title,
        x_title=x_title,
        ticks=placed,
        x_labels=x_labels,
        legend=[(s.name, s.css) for s in series],
        table_head=[category_heading, *(s.name for s in series)],
        table_rows=_table(categories, series, cell),
        lines=lines,
    )
