"""The report API's answer as the reports page shows it: the table of counts
and durations (in human units) per group with the totals, and the weekly
trend as two charts. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ec_console.views.chart_shapes import Chart, Series, bar_chart, line_chart
from ec_console.views.charts import duration_unit
from ec_console.views.display import span

COUNTS = {
    "started": "Started",
    "closed": "Closed",
    "closed_with_agreement": "Closed with the customer's agreement",
    "open": "Open",
    "withdrawn": "Withdrawn",
    "recurrences": "Recurrences",
    "monitoring_passed": "Monitoring passed",
    "raises_manual": "Raised by hand",
    "raises_automatic": "Raised automatically",
    "missed_plan_review": "Missed plan reviews",
    "missed_progress_update": "Missed updates",
    "problem_inputs": "Problem inputs",
}
DURATIONS = {
    "time_to_escalate": "To escalate",
    "time_to_manager": "To a manager",
    "time_to_team": "To a team",
    "time_to_assessment": "To an assessment",
    "time_to_plan": "To a plan",
    "time_to_agreed_plan": "To an agreed plan",
    "time_to_resolution": "To resolution",
    "time_to_closure": "To closure",
    "closure_to_review": "Closure to review",
    "time_in_state": "In its state (open ones)",
}
WEEK_AXIS = "week (by its Monday, UTC)"
TREND = {
    "time_to_manager": ("To a manager", "s1"),
    "time_to_resolution": ("To resolution", "s2"),
    "time_to_closure": ("To closure", "s3"),
}


@dataclass(frozen=True)
class Spread:
    median: str
    p90: str
    max: str


@dataclass(frozen=True)
class Row:
    group: str
    counts: list[int]
    durations: list[Spread]


def human(seconds: float | None) -> str:
    return "—" if seconds is None else span(seconds)


def week_label(monday: str) -> str:
    """2026-03-02 → 2 Mar (the week's Monday)."""
    day = date.fromisoformat(monday)
    return f"{day.day} {day:%b}"


def _row(group: str, figures: dict[str, Any]) -> Row:
    durations = figures["durations"]
    return Row(
        group=group,
        counts=[int(figures["counts"].get(name, 0)) for name in COUNTS],
        durations=[
            Spread(*(human(durations.get(name, {}).get(stat)) for stat in ("median", "p90", "max")))
            for name in DURATIONS
        ],
    )


def table(answer: dict[str, Any]) -> tuple[list[Row], Row]:
    """A row per group (a week named by its Monday), and the totals' row."""
    weekly = answer["group_by"] == "week"
    rows = [
        _row(f"Week of {week_label(g['group'])}" if weekly else g["group"], g)
        for g in answer["groups"]
    ]
    return rows, _row("Total", answer["totals"])


def trend_charts(weekly: dict[str, Any]) -> list[Chart]:
    """Started and closed per week (bars); the median time to a manager, to
    resolution and to closure per week (lines), in the unit that suits them."""
    groups = weekly["groups"]
    weeks = [week_label(g["group"]) for g in groups]
    counted = bar_chart(
        id="chart-counts",
        title="Escalations per week",
        description="Escalations started in each week, and how many of those are closed now.",
        y_title="escalations",
        x_title=WEEK_AXIS,
        category_heading="Week of",
        categories=weeks,
        series=[
            Series(label, css, [g["counts"][name] for g in groups])
            for name, label, css in (("started", "Started", "s1"), ("closed", "Closed", "s2"))
        ],
    )
    medians = {name: [g["durations"].get(name, {}).get("median") for g in groups] for name in TREND}
    largest = max((v for values in medians.values() for v in values if v is not None), default=0)
    unit, seconds = duration_unit(largest)
    timed = line_chart(
        id="chart-durations",
        title="Median durations per week",
        description="For the escalations started in each week, the median time from the start "
        "to a manager, to resolution and to closure.",
        y_title=f"median, {unit}",
        x_title=WEEK_AXIS,
        category_heading="Week of",
        categories=weeks,
        series=[
            Series(label, css, [None if v is None else v / seconds for v in medians[name]])
            for name, (label, css) in TREND.items()
        ],
        cell=lambda value: human(None if value is None else value * seconds),
    )
    return [counted, timed]
