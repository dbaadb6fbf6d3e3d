"""The reports page's query and view: given the page's parameters or the
report API's answer, when read, then the API's parameters, the quick periods,
the table in human units and the weekly trend."""

from __future__ import annotations

from datetime import date
from typing import Any

from ec_console.views.report_query import ReportQuery, quick_choices, read_query
from ec_console.views.report_view import table, trend_charts, week_label

TODAY = date(2026, 5, 14)


def figures(started: int, closed: int, manager_median: float | None) -> dict[str, Any]:
    stats = {"median": manager_median, "p90": manager_median, "max": manager_median}
    return {
        "counts": {"started": started, "closed": closed},
        "durations": {
            "time_to_manager": stats,
            "time_to_resolution": {"median": None, "p90": None, "max": None},
        },
    }


def test_the_days_chosen_are_whole_utc_days_with_the_last_one_included() -> None:
    query = read_query({"from": "2026-03-01", "to": "2026-03-31", "group_by": "week"}, TODAY)

    assert query.api_params() == {
        "from": "2026-03-01T00:00:00Z",
        "to": "2026-04-01T00:00:00Z",
        "group_by": "week",
    }
    assert query.api_params(format="csv")["format"] == "csv"


def test_without_parameters_the_page_shows_the_last_30_days_per_customer() -> None:
    assert read_query({}, TODAY) == ReportQuery("2026-04-15", "2026-05-14", "customer")


def test_what_is_not_a_date_goes_to_the_api_as_typed_so_its_refusal_names_it() -> None:
    query = read_query({"from": "2026-02-30", "to": " soon "}, TODAY)

    assert query.api_params()["from"] == "2026-02-30"
    assert query.api_params()["to"] == "soon"


def test_the_quick_periods_end_today_and_keep_the_grouping() -> None:
    chosen = dict(quick_choices(TODAY, "service"))

    assert chosen["Last 7 days"] == ReportQuery("2026-05-08", "2026-05-14", "service")
    assert chosen["Last 90 days"].since == "2026-02-14"
    assert chosen["This quarter"] == ReportQuery("2026-04-01", "2026-05-14", "service")
    assert dict(quick_choices(date(2026, 12, 31), "week"))["This quarter"].since == "2026-10-01"


def test_the_table_shows_durations_in_human_units_and_a_totals_row() -> None:
    answer = {
        "group_by": "customer",
        "groups": [{"group": "cust-a", **figures(2, 1, 5400.0)}],
        "totals": figures(2, 1, 5400.0),
    }

    rows, totals = table(answer)

    [row] = rows
    assert row.group == "cust-a"
    assert row.counts[:2] == [2, 1]
    assert row.durations[1].median == "1h 30m"
    assert row.durations[0].max == "—"
    assert totals.group == "Total"


def test_weeks_are_named_by_their_monday() -> None:
    answer = {
        "group_by": "week",
        "groups": [{"group": "2026-03-02", **figures(1, 0, None)}],
        "totals": figures(1, 0, None),
    }

    rows, _ = table(answer)

    assert week_label("2026-03-02") == "2 Mar"
    assert rows[0].group == "Week of 2 Mar"


def test_the_trend_charts_count_per_week_and_draw_medians_in_a_fitting_unit() -> None:
    weekly = {
        "group_by": "week",
        "groups": [
            {"group": "2026-03-02", **figures(3, 1, 1800.0)},
            {"group": "2026-03-09", **figures(0, 0, None)},
            {"group": "2026-03-16", **figures(1, 1, 7200.0)},
        ],
    }

    counted, timed = trend_charts(weekly)

    assert counted.table_rows == [["2 Mar", "3", "1"], ["9 Mar", "0", "0"], ["16 Mar", "1", "1"]]
    assert timed.y_title == "median, minutes"
    assert timed.table_rows[0][:2] == ["2 Mar", "30m"]
    manager, resolution, _ = timed.lines
    assert len(manager.dots) == 2
    assert resolution.path == ""
