"""The embedded mode in-process: all four services, SQLite and the in-process bus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from ec_embedded.app import create_app
from harness.apps import serving
from harness.factories import API_TOKENS, bearer, incident_body
from harness.waiting import eventually


async def report(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post(
        "/v1/incidents", json=incident_body(**overrides), headers=bearer("intake")
    )
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


async def escalations_of(client: httpx.AsyncClient, incident_id: str) -> list[dict[str, Any]]:
    response = await client.get(
        "/v1/escalations", params={"incident_id": incident_id}, headers=bearer("operator")
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_p1_incident_is_escalated_notified_and_watched(client: httpx.AsyncClient) -> None:
    # given a P1 incident reported by an ITSM platform
    incident = await report(client, priority="P1")

    # then an escalation starts for it
    [listed] = await eventually(lambda: escalations_of(client, incident["id"]))
    assert listed["state"] == "active"
    assert listed["level"] == 1

    detail = await client.get(f"/v1/escalations/{listed['id']}", headers=bearer("auditor"))
    assert detail.status_code == 200
    assert detail.headers["etag"] == '"1"'
    assert detail.json()["incident_ids"] == [incident["id"]]
    assert detail.json()["criteria"] == ["p1"]

    events = (
        await client.get(f"/v1/escalations/{listed['id']}/events", headers=bearer("operator"))
    ).json()
    [started] = events["items"]
    assert started["type"] == "EscalationStarted"
    assert started["version"] == 1
    assert started["actor"] == {"role": "service", "name": "escalation"}

    # and the notifier and the monitor saw it
    async def delivered() -> list[dict[str, Any]]:
        response = await client.get(
            "/v1/deliveries", params={"escalation_id": listed["id"]}, headers=bearer("operator")
        )
        return [d for d in response.json()["items"] if d["status"] == "delivered"]

    [delivery] = await eventually(delivered)
    assert delivery["event_type"] == "EscalationStarted"

    async def timers() -> list[dict[str, Any]]:
        response = await client.get(
            "/v1/timers", params={"escalation_id": listed["id"]}, headers=bearer("auditor")
        )
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    [timer] = await eventually(timers)
    assert timer["kind"] == "auto_raise"
    assert timer["status"] == "pending"


async def test_a_low_priority_incident_of_a_small_customer_starts_nothing(
    client: httpx.AsyncClient,
) -> None:
    control = await report(client, priority="P1")
    quiet = await report(
        client, priority="P4", customer={"id": "c-b", "name": "B", "tier": "bronze"}
    )

    await eventually(lambda: escalations_of(client, control["id"]))  # the pipeline has run
    assert await escalations_of(client, quiet["id"]) == []


async def test_reporting_the_same_incident_again_starts_no_second_escalation(
    client: httpx.AsyncClient,
) -> None:
    body = incident_body(priority="P1")
    first = await client.post("/v1/incidents", json=body, headers=bearer("intake"))
    again = await client.post("/v1/incidents", json=body, headers=bearer("intake"))
    changed = await client.post(
        "/v1/incidents", json={**body, "title": "Worse now"}, headers=bearer("intake")
    )

    assert first.json()["events"] == ["IncidentReported"]
    assert again.json()["events"] == []
    assert changed.json()["events"] == ["IncidentUpdated"]
    assert first.json()["id"] == again.json()["id"] == changed.json()["id"]
    await eventually(lambda: escalations_of(client, first.json()["id"]))
    control = await report(client, priority="P1")
    await eventually(lambda: escalations_of(client, control["id"]))
    assert len(await escalations_of(client, first.json()["id"])) == 1


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("POST", "/v1/incidents", "operator"),
        ("POST", "/v1/incidents", "auditor"),
        ("GET", "/v1/escalations", "intake"),
        ("GET", "/v1/deliveries", "intake"),
        ("GET", "/v1/timers", "intake"),
    ],
)
async def test_a_known_token_without_the_role_is_forbidden(
    client: httpx.AsyncClient, method: str, path: str, role: str
) -> None:
    response = await client.request(method, path, json=incident_body(), headers=bearer(role))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "may not" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/v1/escalations", "/v1/deliveries", "/v1/timers", "/metrics"])
@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}]
)
async def test_a_missing_or_unknown_token_is_unauthorized(
    client: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    response = await client.get(path, headers=headers)
    assert response.status_code == 401
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_health_needs_no_token_and_metrics_count_requests(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json()["status"] == "ok"
    await client.get("/v1/escalations", headers=bearer("operator"))

    metrics = await client.get("/metrics", headers=bearer("auditor"))

    assert metrics.status_code == 200
    assert (
        'ec_http_requests_total{method="GET",route="/v1/escalations",status="200"}' in metrics.text
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"priority": "P0"}, "priority"),
        ({"customer": {"id": "c", "name": "C"}}, "customer.tier"),
        ({"title": ""}, "title"),
        ({"occurred_at": "2026-11-27T08:00:00"}, "occurred_at"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
async def test_invalid_incidents_are_refused_naming_the_field(
    client: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    response = await client.post(
        "/v1/incidents", json=incident_body(**change), headers=bearer("intake")
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_malformed_and_oversized_bodies_are_refused(client: httpx.AsyncClient) -> None:
    malformed = await client.post(
        "/v1/incidents",
        content=b"{not json",
        headers={**bearer("intake"), "content-type": "application/json"},
    )
    oversized = await client.post(
        "/v1/incidents",
        json=incident_body(attributes={"blob": "x" * 300_000}),
        headers=bearer("intake"),
    )
    assert malformed.status_code == 400
    assert oversized.status_code == 413


async def test_an_unknown_escalation_is_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/escalations/8c3e4b9e-1111-4b9e-9c3e-000000000000", headers=bearer("operator")
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_active_criteria_are_shown_with_their_version(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/criteria", headers=bearer("auditor"))

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "default-1"
    assert [rule["id"] for rule in body["rules"]] == [
        "p1",
        "p2-key-customer",
        "sla-breached",
        "reopened",
        "customer-request",
    ]


async def test_criteria_come_from_the_configured_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "criteria.yaml"
    rules.write_text(
        "version: strict-2\nrules:\n  - id: p3-gold\n    when: {priority: [P3], tier: [gold]}\n"
    )
    monkeypatch.setenv("EC_API_TOKENS", API_TOKENS)
    monkeypatch.setenv("EC_CRITERIA_FILE", str(rules))
    async with serving(create_app(database_url=f"sqlite+aiosqlite:///{tmp_path}/ec.db")) as client:
        shown = (await client.get("/v1/criteria", headers=bearer("operator"))).json()
        p3 = await report(client, priority="P3")
        [escalation] = await eventually(lambda: escalations_of(client, p3["id"]))

    assert shown["version"] == "strict-2"
    assert escalation["level"] == 1
