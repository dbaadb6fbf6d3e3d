"""GET /v1/reports/escalations through the embedded app on SQLite and real
PostgreSQL: escalations taken through the process at known moments of an
injected clock, the report's JSON and CSV, its refusals, and the same report
after rebuild-projections."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from ec_embedded.app import create_app
from ec_escalation.api_context import EscalationContext
from ec_escalation.rebuild import rebuild
from ec_escalation.schemas import EscalationReport
from tests.support.apps import serving
from tests.support.clocks import SettableClock
from tests.support.factories import API_TOKENS, bearer, incident_body
from tests.support.infra import DATABASES, database_of
from tests.support.waiting import eventually

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)
FAR = (T0 + 1000 * HOUR).isoformat()
MANAGER = {"id": "u-7", "name": "Dana Okafor", "email": "dana@provider.example"}
ACTION = {"title": "Roll back the gateway", "owner": "Lee Park", "due": FAR}


@dataclass
class Setup:
    client: httpx.AsyncClient
    clock: SettableClock
    context: EscalationContext


@pytest.fixture(params=DATABASES)
async def setup(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Setup]:
    monkeypatch.setenv("EC_API_TOKENS", API_TOKENS)
    # No automatic raises: only the moments the test chooses are recorded.
    monkeypatch.setenv("EC_RAISE_AFTER", "[]")
    clock = SettableClock(T0)
    async with database_of(request.param, tmp_path) as url:
        app = create_app(database_url=url, clock=clock)
        async with serving(app) as client:
            yield Setup(client, clock, app.state.escalation)


async def act(setup: Setup, at: timedelta, escalation_id: str, suffix: str, body: Any) -> None:
    setup.clock.now = T0 + at
    method = "PUT" if suffix in ("manager", "plan") else "POST"
    response = await setup.client.request(
        method, f"/v1/escalations/{escalation_id}/{suffix}", json=body, headers=bearer("operator")
    )
    assert response.status_code == 200, response.text


async def state_of(setup: Setup, escalation_id: str) -> str:
    response = await setup.client.get(
        f"/v1/escalations/{escalation_id}", headers=bearer("operator")
    )
    state: str = response.json()["state"]
    return state


def plan(*, agreed: bool) -> dict[str, Any]:
    return {"actions": [ACTION], "customer_agreed": agreed, "reason": "plan", "review_by": FAR}


async def automatic_start(setup: Setup) -> str:
    """A P1 incident that happened 30 minutes before it reached the service at T0."""
    body = incident_body(
        customer={"id": "cust-a", "name": "Northwind", "tier": "gold"},
        occurred_at=(T0 - 30 * MINUTE).isoformat(),
    )
    posted = await setup.client.post("/v1/incidents", json=body, headers=bearer("intake"))
    assert posted.status_code == 202, posted.text
    incident_id = posted.json()["id"]

    async def listed() -> list[dict[str, Any]]:
        response = await setup.client.get(
            "/v1/escalations", params={"incident_id": incident_id}, headers=bearer("operator")
        )
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    [item] = await eventually(listed)
    escalation_id: str = item["id"]
    return escalation_id


async def manual_start(setup: Setup, at: timedelta) -> str:
    setup.clock.now = T0 + at
    response = await setup.client.post(
        "/v1/escalations",
        json={
            "reason": "the customer called",
            "title": "Invoices are not sent",
            "customer": {"id": "cust-b", "name": "Contoso", "tier": "silver"},
            "service": "billing",
        },
        headers=bearer("operator"),
    )
    assert response.status_code == 201, response.text
    escalation_id: str = response.json()["id"]
    return escalation_id


async def two_escalations(setup: Setup) -> tuple[str, str]:
    """A: automatic, taken to its review. B: manual, resolved, came back, still open."""
    a = await automatic_start(setup)
    await act(setup, 10 * MINUTE, a, "manager", {"manager": MANAGER})
    await act(
        setup, 20 * MINUTE, a, "assessment", {"summary": "down", "impact": "all", "risk": "x"}
    )
    await act(setup, HOUR, a, "plan", plan(agreed=True))
    b = await manual_start(setup, HOUR)
    await act(setup, 90 * MINUTE, b, "manager", {"manager": {**MANAGER, "id": "u-8"}})
    await act(setup, 2 * HOUR, a, "level", {"level": 2, "reason": "directors must know"})
    await act(setup, 2 * HOUR, b, "plan", plan(agreed=False))
    resolution = {"customer_confirmed": True, "monitoring_period": "PT1000H"}
    await act(setup, 150 * MINUTE, b, "resolution", resolution)
    await act(setup, 165 * MINUTE, b, "recurrence", {"note": "invoices stuck again"})
    await act(setup, 3 * HOUR, a, "resolution", {**resolution, "monitoring_period": "PT1H"})
    # The monitor passes A's monitoring period once the clock is past its end.
    setup.clock.now = T0 + 5 * HOUR
    await eventually(lambda: _in_state(setup, a, "monitoring_passed"))
    agreement = {"customer_agreement": {"by": "Jo Meyer", "note": "agreed on the call"}}
    await act(setup, 6 * HOUR, a, "closure", agreement)
    inputs = [
        {"kind": "open_problem", "description": "gateway canaries"},
        {"kind": "follow_up_action", "description": "rotation runbook", "owner": "Lee"},
    ]
    await act(
        setup,
        30 * HOUR,
        a,
        "review",
        {"findings": "no canary", "problem_management_inputs": inputs},
    )
    setup.clock.now = T0 + 40 * HOUR
    return a, b


async def _in_state(setup: Setup, escalation_id: str, state: str) -> bool:
    return await state_of(setup, escalation_id) == state


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
