"""The escalation report's arithmetic: given escalations' measures, when grouped
and summed up, then the counts, the medians, p90s and maxima, and the CSV."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from ec_escalation.domain.measures import Measures, Trail, measures
from ec_escalation.reports.period import (
    aggregate,
    as_csv,
    duration_names,
    percentile,
    report,
    summary,
    week_of,
    weeks_between,
)
from harness.escalations import NOW

HOUR = timedelta(hours=1)


def measured(*, manager_after: float | None = None, **fields: Any) -> Measures:
    """An escalation started at NOW, measured 10 hours later."""
    base: dict[str, Any] = {
        "escalation_id": uuid.uuid4(),
        "started_at": NOW,
        "trigger": "automatic",
        "level": 1,
        "level_since": NOW,
        "status": "active",
        "status_since": NOW,
        "manager_at": None if manager_after is None else NOW + manager_after * HOUR,
    }
    trail = Trail(**{**base, **fields})
    return measures(trail, NOW + 10 * HOUR)


def test_the_summary_is_median_nearest_rank_p90_and_max() -> None:
    values = [float(v) for v in range(1, 11)]

    assert summary(values) == {"median": 5.5, "p90": 9.0, "max": 10.0}


def test_the_summary_ignores_unknown_values_and_is_empty_without_any() -> None:
    assert summary([None, 3.0, None, 1.0, 2.0]) == {"median": 2.0, "p90": 3.0, "max": 3.0}
    assert summary([None, None]) == {"median": None, "p90": None, "max": None}
    assert summary([]) == {"median": None, "p90": None, "max": None}


def test_the_percentile_of_one_value_is_that_value() -> None:
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0


def test_counts_add_up_and_withdrawn_escalations_count_only_as_withdrawn() -> None:
    items = [
        measured(manager_after=1, recurrences=2, raises_manual=1, missed_plan_review=1),
        measured(manager_after=3, status="closed", closed_at=NOW + 5 * HOUR, problem_inputs=0),
        measured(
            status="reviewed",
            closed_at=NOW + 2 * HOUR,
            closed_with_agreement=True,
            problem_inputs=3,
            raises_automatic=2,
        ),
        measured(manager_after=0.5, status="withdrawn", missed_progress_update=4),
    ]

    summed = aggregate(items, duration_names([1]))

    assert summed["counts"] == {
        "started": 3,
        "closed": 2,
        "closed_with_agreement": 1,
        "open": 1,
        "withdrawn": 1,
        "recurrences": 2,
        "monitoring_passed": 0,
        "raises_manual": 1,
        "raises_automatic": 2,
        "missed_plan_review": 1,
        "missed_progress_update": 0,
        "problem_inputs": 3,
    }
    assert summed["durations"]["time_to_manager"] == {
        "median": 7200.0,
        "p90": 10800.0,
        "max": 10800.0,
    }
    assert summed["durations"]["time_in_state"]["max"] == 36000.0  # the open one only


def test_groups_are_ordered_and_an_escalation_counts_under_each_of_its_criteria() -> None:
    items = [
        measured(criteria=("p1", "sla_breach")),
        measured(criteria=("p1",)),
        measured(),
    ]

    grouped = report(items, "criteria")

    assert [(g["group"], g["counts"]["started"]) for g in grouped["groups"]] == [
        ("none", 1),
        ("p1", 2),
        ("sla_breach", 1),
    ]
    assert grouped["totals"]["counts"]["started"] == 3


def test_levels_group_in_number_order_with_time_at_each_level() -> None:
    items = [
        measured(level=10, level_since=NOW + 9 * HOUR, levels_left=((1, 9 * 3600.0),)),
        measured(level=2, level_since=NOW + 4 * HOUR, levels_left=((1, 4 * 3600.0),)),
        measured(),
    ]

    grouped = report(items, "level")

    assert [g["group"] for g in grouped["groups"]] == ["1", "2", "10"]
    totals = grouped["totals"]["durations"]
    assert totals["time_at_level_1"] == {"median": 32400.0, "p90": 36000.0, "max": 36000.0}
    assert totals["time_at_level_2"]["max"] == 6 * 3600.0
    assert totals["time_at_level_10"]["max"] == 3600.0


def test_the_csv_has_a_row_per_group_and_a_totals_row() -> None:
    items = [
        measured(customer_id="cust-a", manager_after=1),
        measured(customer_id="cust-b", manager_after=2.5),
    ]

    rows = list(csv.DictReader(io.StringIO(as_csv(report(items, "customer")))))

    assert [row["customer"] for row in rows] == ["cust-a", "cust-b", "total"]
    assert [row["started"] for row in rows] == ["1", "1", "2"]
    assert [row["time_to_manager_max"] for row in rows] == ["3600", "9000", "9000"]
    assert rows[0]["time_to_closure_median"] == ""


def test_a_moment_belongs_to_the_iso_week_that_began_on_monday_at_midnight_utc() -> None:
    monday = datetime(2026, 3, 2, tzinfo=UTC)
    sunday_night = datetime(2026, 3, 8, 23, 59, 59, tzinfo=UTC)
    # 00:30 on Monday in Berlin is still Sunday in UTC.
    berlin_monday = datetime.fromisoformat("2026-03-09T00:30:00+01:00")

    assert week_of(monday) == monday
    assert week_of(sunday_night) == monday
    assert week_of(berlin_monday) == monday
    assert week_of(datetime(2026, 3, 9, tzinfo=UTC)) == monday + timedelta(weeks=1)


def test_the_weeks_of_a_period_include_its_first_and_last_partial_weeks() -> None:
    weeks = weeks_between(
        datetime(2026, 2, 25, 12, tzinfo=UTC),  # a Wednesday
        datetime(2026, 3, 9, tzinfo=UTC),  # the next Monday but one: not included
    )

    assert weeks == ["2026-02-23", "2026-03-02"]


def test_weeks_come_in_time_order_and_weeks_without_escalations_count_zero() -> None:
    # NOW is a Friday; its week began on Monday 23 November 2026.
    items = [
        measured(started_at=NOW + timedelta(weeks=2)),
        measured(manager_after=3),
        measured(manager_after=5, status="closed", closed_at=NOW + HOUR),
    ]
    weeks = weeks_between(NOW, NOW + timedelta(weeks=3))

    grouped = report(items, "week", every=weeks)

    assert weeks == ["2026-11-23", "2026-11-30", "2026-12-07", "2026-12-14"]
    assert [
        (g["group"], g["counts"]["started"], g["counts"]["closed"]) for g in grouped["groups"]
    ] == [("2026-11-23", 2, 1), ("2026-11-30", 0, 0), ("2026-12-07", 1, 0), ("2026-12-14", 0, 0)]
    assert grouped["groups"][0]["durations"]["time_to_manager"]["median"] == 4 * 3600.0
    assert grouped["groups"][1]["durations"]["time_to_manager"] == {
        "median": None,
        "p90": None,
        "max": None,
    }
    rows = list(csv.DictReader(io.StringIO(as_csv(grouped))))
    assert [(row["week"], row["started"]) for row in rows] == [
        ("2026-11-23", "2"),
        ("2026-11-30", "0"),
        ("2026-12-07", "1"),
        ("2026-12-14", "0"),
        ("total", "3"),
    ]
