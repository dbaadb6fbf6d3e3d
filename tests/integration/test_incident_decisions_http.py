"""GET /v1/incidents/{id}/decisions through the real app on SQLite and real
PostgreSQL: what came in, and what came of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ec_escalation.http.schemas import IncidentDecisionView, Page
from harness.apps import app_on
from harness.factories import bearer, incident_body
from harness.infra import DATABASES
from harness.waiting import eventually


@pytest.fixture(params=DATABASES)
async def client(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_on(request.param, tmp_path, monkeypatch) as client:
        yield client


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> str:
    posted = await client.post("/v1/incidents", json=body, headers=bearer("intake"))
    assert posted.status_code == 202, posted.text
    incident_id: str = posted.json()["id"]
    return incident_id


async def decided(client: httpx.AsyncClient, incident_id: str, count: int) -> list[dict[str, Any]]:
    async def listed() -> list[dict[str, Any]] | None:
        response = await client.get(
            f"/v1/incidents/{incident_id}/decisions", headers=bearer("auditor")
        )
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        Page[IncidentDecisionView].model_validate(response.json())
        items: list[dict[str, Any]] = response.json()["items"]
        return items if len(items) >= count else None

    return await eventually(listed)


async def test_an_incident_that_did_not_escalate_says_why(client: httpx.AsyncClient) -> None:
    silver = {"id": "cust-s", "name": "Silverline", "tier": "silver"}
    incident_id = await post(client, incident_body(priority="P4", customer=silver))

    [decision] = await decided(client, incident_id, 1)

    assert decision["outcome"] == "nothing"
    assert decision["escalation_id"] is None
    assert (
        decision["explanation"] == "P4 for a silver customer (cust-s) on payments-eu: no rule fired"
    )
    assert {r["id"]: r["matched"] for r in decision["rules"]}["p1"] is False
    assert decision["event_type"] == "IncidentReported"


async def test_an_escalated_incident_names_its_escalation_and_the_rules_that_fired(
    client: httpx.AsyncClient,
) -> None:
    body = incident_body(priority="P1")
    incident_id = await post(client, body)
    [started] = await decided(client, incident_id, 1)
    await post(client, {**body, "title": "Now with more detail"})

    first, second = await decided(client, incident_id, 2)

    assert first == started
    assert first["outcome"] == "started"
    assert [r["id"] for r in first["rules"] if r["matched"]] == ["p1"]
    escalation = await client.get(
        f"/v1/escalations/{first['escalation_id']}", headers=bearer("operator")
    )
    assert escalation.json()["incident_ids"] == [incident_id]
    assert (second["outcome"], second["escalation_id"]) == ("linked", first["escalation_id"])


async def test_a_withdrawn_incident_escalates_again_only_on_news_the_criteria_look_at(
    client: httpx.AsyncClient,
) -> None:
    body = incident_body(priority="P1")
    incident_id = await post(client, body)
    [started] = await decided(client, incident_id, 1)
    withdrawn = await client.post(
        f"/v1/escalations/{started['escalation_id']}/withdrawal",
        json={"reason": "the payload's priority was misread"},
        headers=bearer("operator"),
    )
    assert withdrawn.status_code == 200, withdrawn.text

    await post(client, {**body, "title": "Retitled in the platform"})
    assert (await decided(client, incident_id, 2))[1]["outcome"] == "nothing"
    await post(client, {**body, "title": "Retitled in the platform", "sla_breached": True})
    restarted = (await decided(client, incident_id, 3))[2]

    assert restarted["outcome"] == "started"
    assert restarted["escalation_id"] != started["escalation_id"]
    board = await client.get(
        "/v1/escalations", params={"incident_id": incident_id}, headers=bearer("operator")
    )
    assert [(i["id"], i["state"]) for i in board.json()["items"]] == [
        (restarted["escalation_id"], "active")
    ]


async def test_decisions_need_a_reader_and_a_known_incident(client: httpx.AsyncClient) -> None:
    path = "/v1/incidents/6f1c3f5e-2b7a-4d59-9a57-0c8f3f1e4b21/decisions"
    assert (await client.get(path, headers=bearer("operator"))).status_code == 404
    assert (await client.get(path, headers=bearer("intake"))).status_code == 403
    assert (await client.get(path)).status_code == 401
