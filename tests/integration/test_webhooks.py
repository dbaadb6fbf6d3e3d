"""The platforms' own webhooks through the intake route, in the embedded mode:
each example becomes the right incident and event; a P1 from any of them
starts an escalation; bad deliveries are refused, counted, and publish nothing."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ec_embedded.app import create_app
from ec_events import Envelope
from ec_intake.webhooks import ec_signature, pagerduty_signature
from ec_platform.bus import InMemoryBus
from tests.support.apps import serving
from tests.support.factories import API_TOKENS, bearer
from tests.support.waiting import eventually
from tests.unit.webhooks.golden import example
from tests.unit.webhooks.test_generic import ACME

PAGERDUTY_SECRET = "pd-secret"
SERVICENOW_SECRET = "sn-secret"


@pytest.fixture
async def intake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, InMemoryBus]]:
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": {"acme": ACME}}))
    monkeypatch.setenv("EC_API_TOKENS", API_TOKENS)
    monkeypatch.setenv("EC_INTAKE_SOURCES_FILE", str(sources))
    monkeypatch.setenv(
        "EC_WEBHOOK_SECRETS", f"pagerduty:{PAGERDUTY_SECRET},servicenow:{SERVICENOW_SECRET}"
    )
    bus = InMemoryBus()
    async with serving(
        create_app(database_url=f"sqlite+aiosqlite:///{tmp_path}/ec.db", bus=bus)
    ) as client:
        yield client, bus


def pagerduty_headers(body: bytes) -> dict[str, str]:
    return {"X-PagerDuty-Signature": pagerduty_signature(body, PAGERDUTY_SECRET)}


def servicenow_headers(body: bytes, *, at: int | None = None) -> dict[str, str]:
    stamp = at if at is not None else int(time.time())
    return {"X-EC-Signature": ec_signature(body, SERVICENOW_SECRET, stamp)}


def p1(platform: str, name: str) -> dict[str, Any]:
    payload = example(platform, name)
    if platform == "pagerduty":
        payload["event"]["data"]["priority"]["summary"] = "P1"
    return payload


async def deliver(
    client: httpx.AsyncClient, source: str, payload: dict[str, Any]
) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = {"content-type": "application/json"}
    if source == "pagerduty":
        headers |= pagerduty_headers(body)
    elif source == "servicenow":
        headers |= servicenow_headers(body)
    else:
        headers |= bearer("intake")
    return await client.post(f"/v1/webhooks/{source}", content=body, headers=headers)


def published(bus: InMemoryBus) -> list[Envelope]:
    return [Envelope.from_binary(m) for m in bus.messages("ec.incidents")]


@pytest.mark.parametrize(
    ("source", "platform", "name"),
    [
        ("servicenow", "servicenow", "p1_new"),
        ("jira", "jira", "issue_created"),
        ("pagerduty", "pagerduty", "incident_triggered"),
        ("alertmanager", "alertmanager", "two_alerts_firing_and_resolved"),
        ("acme", "generic", "acme_monitor"),
    ],
)
async def test_a_p1_from_any_platform_is_reported_and_escalated(
    intake: tuple[httpx.AsyncClient, InMemoryBus], source: str, platform: str, name: str
) -> None:
    client, bus = intake

    response = await deliver(client, source, p1(platform, name))

    assert response.status_code == 202, response.text
    incidents = response.json()["incidents"]
    assert incidents[0]["events"] == ["IncidentReported"]
    first = incidents[0]["id"]

    async def on_the_topic() -> list[Envelope]:
        return [e for e in published(bus) if e.subject == first]

    [envelope] = await eventually(on_the_topic)
    reported = envelope.event()
    assert envelope.type == "IncidentReported"
    assert reported.model_dump()["source"] == source
    assert reported.model_dump()["priority"] == "P1"

    async def escalated() -> list[dict[str, Any]]:
        found = await client.get(
            "/v1/escalations", params={"incident_id": first}, headers=bearer("operator")
        )
        items: list[dict[str, Any]] = found.json()["items"]
        return items

    [escalation] = await eventually(escalated)
    assert escalation["priority"] == "P1"


async def test_redelivered_webhooks_create_nothing_new(
    intake: tuple[httpx.AsyncClient, InMemoryBus],
) -> None:
    client, bus = intake
    payload = p1("servicenow", "p1_new")
    payload["number"] = "INC-REDELIVERED"

    first = await deliver(client, "servicenow", payload)
    again = await deliver(client, "servicenow", payload)

    assert first.json()["incidents"][0]["events"] == ["IncidentReported"]
    assert again.json()["incidents"][0]["events"] == []
    incident = first.json()["incidents"][0]["id"]
    await eventually(lambda: _one_on_topic(bus, incident))


async def _one_on_topic(bus: InMemoryBus, incident: str) -> bool:
    return len([e for e in published(bus) if e.subject == incident]) == 1


@pytest.mark.parametrize(
    ("source", "payload", "headers", "status", "problem"),
    [
        ("nowhere", b"{}", bearer("intake"), 404, "/problems/unknown-source"),
        ("jira", b"{not json", bearer("intake"), 400, "/problems/malformed-json"),
        (
            "jira",
            b'{"webhookEvent": "jira:issue_created", "issue": {}}',
            bearer("intake"),
            422,
            "/problems/invalid-input",
        ),
        ("jira", b'{"webhookEvent": "jira:issue_created"}', {}, 401, "about:blank"),
        ("jira", b'{"webhookEvent": "jira:issue_created"}', bearer("auditor"), 403, "about:blank"),
        (
            "pagerduty",
            b'{"event": {}}',
            {"X-PagerDuty-Signature": "v1=" + "0" * 64},
            401,
            "/problems/bad-signature",
        ),
        ("pagerduty", b'{"event": {}}', bearer("intake"), 401, "/problems/bad-signature"),
    ],
)
async def test_bad_deliveries_are_refused_with_a_problem_and_publish_nothing(
    intake: tuple[httpx.AsyncClient, InMemoryBus],
    source: str,
    payload: bytes,
    headers: dict[str, str],
    status: int,
    problem: str,
) -> None:
    client, bus = intake

    response = await client.post(
        f"/v1/webhooks/{source}",
        content=payload,
        headers={**headers, "content-type": "application/json"},
    )

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == problem
    assert published(bus) == []


async def test_an_event_that_is_not_an_incident_is_refused_and_counted(
    intake: tuple[httpx.AsyncClient, InMemoryBus],
) -> None:
    client, bus = intake
    body = json.dumps(example("pagerduty", "service_updated")).encode()

    response = await client.post(
        "/v1/webhooks/pagerduty", content=body, headers=pagerduty_headers(body)
    )

    assert response.status_code == 422
    assert response.json()["type"] == "/problems/not-an-incident"
    metrics = (await client.get("/metrics", headers=bearer("auditor"))).text
    assert (
        'ec_intake_rejected_total{problem="/problems/not-an-incident",source="pagerduty"} 1.0'
        in metrics
    )
    assert published(bus) == []


async def test_a_stale_signature_is_refused(intake: tuple[httpx.AsyncClient, InMemoryBus]) -> None:
    client, _ = intake
    body = json.dumps(p1("servicenow", "p1_new")).encode()

    response = await client.post(
        "/v1/webhooks/servicenow",
        content=body,
        headers=servicenow_headers(body, at=int(time.time()) - 3600),
    )

    assert response.status_code == 401
    assert SERVICENOW_SECRET not in response.text
