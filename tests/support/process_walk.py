"""An escalation process walked through HTTP at known moments of an injected
clock: two escalations whose every measure is known (the reports' and the
process metrics' integration tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ec_embedded.app import create_app
from ec_escalation.http.context import EscalationContext
from harness.apps import serving
from harness.factories import API_TOKENS, bearer, incident_body
from harness.infra import database_of
from harness.waiting import eventually
from tests.support.clocks import SettableClock

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


@asynccontextmanager
async def walking_app(
    url: str, monkeypatch: pytest.MonkeyPatch, clock: SettableClock | None = None
) -> AsyncIterator[Setup]:
    """The embedded app on `url`, its clock set by the test."""
    monkeypatch.setenv("EC_API_TOKENS", API_TOKENS)
    # No automatic raises: only the moments the test chooses are recorded.
    monkeypatch.setenv("EC_RAISE_AFTER", "[]")
    clock = clock or SettableClock(T0)
    app = create_app(database_url=url, clock=clock)
    async with serving(app) as client:
        yield Setup(client, clock, app.state.escalation)


@asynccontextmanager
async def reporting_app(
    kind: str, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Setup]:
    """`walking_app` on a fresh database of `kind` (sqlite or postgresql)."""
    async with database_of(kind, folder) as url, walking_app(url, monkeypatch) as setup:
        yield setup


async def act(setup: Setup, at: timedelta, escalation_id: str, suffix: str, body: Any) -> None:
    setup.clock.now = T0 + at
    method = "PUT" if suffix in ("manager", "team", "contacts", "plan") else "POST"
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
    body = {"actions": [ACTION], "customer_agreed": agreed, "reason": "plan", "review_by": FAR}
    return {**body, "override_reason": "agreed on the bridge call"} if agreed else body


async def automatic_start(setup: Setup, customer: dict[str, str] | None = None) -> str:
    """A P1 incident that happened 30 minutes before it reached the service at T0."""
    body = incident_body(
        customer=customer or {"id": "cust-a", "name": "Northwind", "tier": "gold"},
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
    resolution = {
        "customer_confirmed": True,
        "override_reason": "confirmed on the phone",
        "monitoring_period": "PT1000H",
    }
    await act(setup, 150 * MINUTE, b, "resolution", resolution)
    await act(setup, 165 * MINUTE, b, "recurrence", {"note": "invoices stuck again"})
    await act(setup, 3 * HOUR, a, "resolution", {**resolution, "monitoring_period": "PT1H"})
    # The monitor passes A's monitoring period once the clock is past its end.
    setup.clock.now = T0 + 5 * HOUR
    await eventually(lambda: _in_state(setup, a, "monitoring_passed"))
    agreement = {
        "customer_agreement": {"by": "Jo Meyer", "note": "agreed on the call"},
        "override_reason": "agreed on the phone",
    }
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
