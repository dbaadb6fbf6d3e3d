"""GET /v1/reports/escalations through the embedded app on SQLite and real
PostgreSQL: escalations taken through the process at known moments of an
injected clock, the report's JSON and CSV, its refusals, and the same report
after rebuild-projections."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete

from ec_escalation.http.schemas import EscalationReport
from ec_escalation.store.rebuild import rebuild
from harness.factories import bearer
from harness.infra import DATABASES
from tests.support.process_walk import (
    HOUR,
    MANAGER,
    MINUTE,
    T0,
    Setup,
    act,
    manual_start,
    reporting_app,
    two_escalations,
)


@pytest.fixture(params=DATABASES)
async def setup(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Setup]:
    async with reporting_app(request.param, tmp_path, monkeypatch) as setup:
        yield setup


async def get_report(setup: Setup, **params: str) -> httpx.Response:
    return await setup.client.get(
        "/v1/reports/escalations", params=params, headers=bearer("auditor")
    )


PERIOD = {"from": T0.isoformat(), "to": (T0 + 24 * HOUR).isoformat()}


async def test_the_report_per_customer_gives_every_measure(setup: Setup) -> None:
    await two_escalations(setup)

    response = await get_report(setup, **PERIOD, group_by="customer")

    assert response.status_code == 200, response.text
    body = response.json()
    EscalationReport.model_validate(body)
    a, b = body["groups"]
    assert (a["group"], b["group"]) == ("cust-a", "cust-b")
    assert a["counts"] == {
        "started": 1,
        "closed": 1,
        "closed_with_agreement": 1,
        "open": 0,
        "withdrawn": 0,
        "recurrences": 0,
        "monitoring_passed": 1,
        "raises_manual": 1,
        "raises_automatic": 0,
        "missed_plan_review": 0,
        "missed_progress_update": 0,
        "problem_inputs": 2,
    }
    assert {name: d["max"] for name, d in a["durations"].items()} == {
        "time_to_escalate": 1800.0,
        "time_to_manager": 600.0,
        "time_to_team": None,
        "time_to_assessment": 1200.0,
        "time_to_plan": 3600.0,
        "time_to_agreed_plan": 3600.0,
        "time_to_resolution": 10800.0,
        "time_to_closure": 21600.0,
        "closure_to_review": 86400.0,
        "time_in_state": None,
        "time_at_level_1": 7200.0,
        "time_at_level_2": 14400.0,
    }
    assert {name: d["median"] for name, d in b["durations"].items()} == {
        "time_to_escalate": None,
        "time_to_manager": 1800.0,
        "time_to_team": None,
        "time_to_assessment": None,
        "time_to_plan": 3600.0,
        "time_to_agreed_plan": None,
        "time_to_resolution": 5400.0,
        "time_to_closure": None,
        "closure_to_review": None,
        "time_in_state": 134100.0,
        "time_at_level_1": 140400.0,
        "time_at_level_2": None,
    }
    assert (b["counts"]["open"], b["counts"]["recurrences"]) == (1, 1)
    totals = body["totals"]
    assert totals["counts"]["started"] == 2
    assert totals["durations"]["time_to_manager"] == {
        "median": 1200.0,
        "p90": 1800.0,
        "max": 1800.0,
    }


async def test_the_period_counts_escalations_by_when_they_started(setup: Setup) -> None:
    await two_escalations(setup)

    later = await get_report(setup, **{**PERIOD, "from": (T0 + MINUTE).isoformat()})
    before = await get_report(
        setup, **{**PERIOD, "to": T0.isoformat(), "from": "2026-03-01T00:00Z"}
    )

    assert [g["group"] for g in later.json()["groups"]] == ["cust-b"]
    assert before.json()["groups"] == []
    assert before.json()["totals"]["counts"]["started"] == 0


async def test_the_csv_has_a_row_per_group_and_the_totals(setup: Setup) -> None:
    await two_escalations(setup)

    by_header = await setup.client.get(
        "/v1/reports/escalations",
        params={**PERIOD, "group_by": "level"},
        headers={**bearer("operator"), "Accept": "text/csv"},
    )
    by_format = await get_report(setup, **PERIOD, group_by="level", format="csv")

    assert by_header.headers["content-type"].startswith("text/csv")
    assert by_header.text == by_format.text
    rows = list(csv.DictReader(io.StringIO(by_header.text)))
    assert [(r["level"], r["started"], r["open"]) for r in rows] == [
        ("1", "1", "1"),
        ("2", "1", "0"),
        ("total", "2", "1"),
    ]
    assert rows[1]["time_to_closure_max"] == "21600"
    assert rows[2]["time_to_manager_median"] == "1200"


async def test_the_weekly_trend_has_every_week_of_the_period_in_time_order(setup: Setup) -> None:
    await two_escalations(setup)  # both in the week of Monday T0
    period = {"from": "2026-02-20T00:00Z", "to": "2026-03-20T00:00Z", "group_by": "week"}

    weekly = await get_report(setup, **period)
    as_csv = await get_report(setup, **period, format="csv")

    assert weekly.status_code == 200, weekly.text
    groups = weekly.json()["groups"]
    assert [(g["group"], g["counts"]["started"], g["counts"]["closed"]) for g in groups] == [
        ("2026-02-16", 0, 0),
        ("2026-02-23", 0, 0),
        ("2026-03-02", 2, 1),
        ("2026-03-09", 0, 0),
        ("2026-03-16", 0, 0),
    ]
    assert groups[2]["durations"]["time_to_manager"]["median"] == 1200.0
    assert groups[0]["durations"]["time_to_manager"]["median"] is None
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["week"], r["started"]) for r in rows] == [
        *((g["group"], str(g["counts"]["started"])) for g in groups),
        ("total", "2"),
    ]


async def test_a_weekly_trend_over_more_than_ten_years_is_refused(setup: Setup) -> None:
    response = await get_report(
        setup, **{"from": "2000-01-01T00:00Z", "to": "2026-01-01T00:00Z", "group_by": "week"}
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "at most 530 weeks" in response.json()["errors"][0]["message"]


async def test_rebuilding_the_projections_gives_the_same_report(setup: Setup) -> None:
    await two_escalations(setup)
    reports = [
        (await get_report(setup, **PERIOD, group_by=g)).text
        for g in ("customer", "service", "manager", "level", "criteria", "week")
    ]

    await rebuild(setup.context.escalations.store)

    again = [
        (await get_report(setup, **PERIOD, group_by=g)).text
        for g in ("customer", "service", "manager", "level", "criteria", "week")
    ]
    assert again == reports


async def test_an_escalation_the_measures_missed_is_measured_at_its_next_event(
    setup: Setup,
) -> None:
    """As after an upgrade that added the measures to a store without a rebuild."""
    escalation_id = await manual_start(setup, HOUR)
    store = setup.context.escalations.store
    async with store.db.transaction() as conn:
        await conn.execute(delete(store.tables.measures))

    await act(setup, 2 * HOUR, escalation_id, "manager", {"manager": MANAGER})

    setup.clock.now = T0 + 3 * HOUR
    totals = (await get_report(setup, **PERIOD)).json()["totals"]
    assert totals["counts"]["started"] == 1
    assert totals["durations"]["time_to_manager"]["max"] == 3600.0
    assert totals["durations"]["time_at_level_1"]["max"] == 2 * 3600.0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "weather"}, "group_by"),
        ({"from": "2026-03-02T00:00:00"}, "from"),
        ({"from": "2026-03-03T00:00Z", "to": "2026-03-02T00:00Z"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"format": "xlsx"}, "format"),
    ],
)
async def test_bad_parameters_are_refused_as_problems(
    setup: Setup, params: dict[str, str], field: str
) -> None:
    response = await get_report(setup, **params)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_only_operators_and_auditors_read_reports(setup: Setup) -> None:
    response = await setup.client.get("/v1/reports/escalations", headers=bearer("intake"))

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
