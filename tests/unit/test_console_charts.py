"""The geometry of the charts the console draws: given values, when scaled,
ticked and traced, then the shapes land where the SVG needs them."""

from __future__ import annotations

import pytest

from ec_console.views.chart_shapes import Series, bar_chart, line_chart
from ec_console.views.charts import (
    Bands,
    Box,
    Scale,
    duration_unit,
    labelled,
    line_path,
    nice_step,
    ticks,
)

BOX = Box(left=50, top=10, right=650, bottom=210)


@pytest.mark.parametrize(
    ("maximum", "step"),
    [(10, 2), (7, 2), (23, 5), (0.9, 0.2), (100, 20), (101, 50), (4, 1), (0, 1)],
)
def test_ticks_step_by_one_two_or_five_times_a_power_of_ten(maximum: float, step: float) -> None:
    assert nice_step(maximum) == pytest.approx(step)


def test_ticks_start_at_zero_and_end_at_or_above_the_maximum() -> None:
    assert ticks(7) == [0, 2, 4, 6, 8]
    assert ticks(10) == [0, 2, 4, 6, 8, 10]
    assert ticks(0.9) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]


def test_counts_tick_in_whole_numbers_and_nothing_still_has_an_axis() -> None:
    assert ticks(2, whole=True) == [0, 1, 2]
    assert ticks(0, whole=True) == [0, 1]
    assert ticks(0) == [0, 1]


def test_the_scale_puts_zero_at_the_bottom_and_the_top_tick_at_the_top() -> None:
    scale = Scale(8, BOX)

    assert scale.y(0) == 210
    assert scale.y(8) == 10
    assert scale.y(2) == 160


def test_bands_split_the_width_and_bars_sit_side_by_side_inside_them() -> None:
    bands = Bands(4, BOX)

    assert bands.width == 150
    assert [bands.middle(i) for i in range(4)] == [125, 275, 425, 575]
    first, width = bands.slot(1, 0, 2)
    second, _ = bands.slot(1, 1, 2)
    assert (first, width, second) == (215, 60, 275)


def test_at_most_twelve_categories_are_labelled_evenly() -> None:
    assert labelled(5) == [0, 1, 2, 3, 4]
    assert labelled(53) == list(range(0, 53, 5))
    assert labelled(0) == []


def test_a_line_path_breaks_where_a_value_is_missing() -> None:
    path = line_path([(10, 20), (30, 40.25), None, (70, 80), (90, 100)])

    assert path == "M10.0 20.0 L30.0 40.2 M70.0 80.0 L90.0 100.0"
    assert line_path([None, None]) == ""


@pytest.mark.parametrize(
    ("seconds", "unit"),
    [
        (30, "seconds"),
        (600, "minutes"),
        (5400, "minutes"),
        (3 * 3600, "hours"),
        (2 * 86_400, "hours"),
        (3 * 86_400, "days"),
        (0, "seconds"),
    ],
)
def test_durations_are_drawn_in_the_largest_unit_that_fits(seconds: float, unit: str) -> None:
    assert duration_unit(seconds)[0] == unit


def test_a_bar_chart_draws_a_bar_per_nonzero_value_with_its_title() -> None:
    chart = bar_chart(
        id="c",
        title="Per week",
        description="d",
        y_title="escalations",
        x_title="week",
        category_heading="Week of",
        categories=["2 Mar", "9 Mar", "16 Mar"],
        series=[Series("Started", "s1", [4, 0, 1]), Series("Closed", "s2", [2, 0, 0])],
    )

    assert [(b.css, b.title) for b in chart.bars] == [
        ("s1", "Started, 2 Mar: 4"),
        ("s2", "Closed, 2 Mar: 2"),
        ("s1", "Started, 16 Mar: 1"),
    ]
    tallest, half = chart.bars[0], chart.bars[1]
    assert tallest.y == chart.box.top  # 4 is the top tick
    assert half.height == pytest.approx(tallest.height / 2)
    assert [t.label for t in chart.ticks] == ["0", "1", "2", "3", "4"]
    assert chart.table_rows == [["2 Mar", "4", "2"], ["9 Mar", "0", "0"], ["16 Mar", "1", "0"]]


def test_a_line_chart_traces_each_series_and_tells_its_values_in_words() -> None:
    chart = line_chart(
        id="c",
        title="Medians",
        description="d",
        y_title="median, hours",
        x_title="week",
        category_heading="Week of",
        categories=["2 Mar", "9 Mar", "16 Mar"],
        series=[Series("To a manager", "s1", [0.5, None, 2.0])],
        cell=lambda v: "—" if v is None else f"{v:g} h",
    )

    [line] = chart.lines
    assert line.path.count("M") == 2  # the missing week breaks the line
    assert [d.title for d in line.dots] == [
        "To a manager, 2 Mar: 0.5 h",
        "To a manager, 16 Mar: 2 h",
    ]
    assert line.dots[1].y == chart.box.top
    assert chart.table_rows[1] == ["9 Mar", "—"]
