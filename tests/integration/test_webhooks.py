"""The platforms' own webhooks through the intake route, in the embedded mode:
each example becomes the right incident and event; a P1 from any of them
starts an escalation; bad deliveries are refused, counted, and publish nothing;
authentic deliveries that hold no incident are acknowledged, counted, and
record nothing; customers come from the mappings of the README's example
sources file, and an incident without one says so."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ec_embedded.app import create_app
from ec_events import Envelope
from ec_intake.webhooks import ec_signature, pagerduty_signature
from ec_platform.bus import InMemoryBus
from harness.apps import serving
from harness.factories import API_TOKENS, bearer
from harness.waiting import eventually
from tests.unit.webhooks.golden import GOLDEN, example
from tests.unit.webhooks.test_generic import ACME

PAGERDUTY_SECRET = "pd-secret"
SERVICENOW_SECRET = "sn-secret"


@pytest.fixture
async def intake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, InMemoryBus]]:
    # The README's example sources file, plus the generic source of the unit tests.
    document = yaml.safe_load((GOLDEN / "sources.example.yaml").read_text())
    document["sources"]["acme"] = ACME
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump(document))
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


async def metric(client: httpx.AsyncClient, sample: str) -> float:
    """A sample's value in /metrics (0 when it has none yet)."""
    text = (await client.get("/metrics", headers=bearer("auditor"))).text
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def alertmanager_group_without_alerts() -> dict[str, Any]:
    return example("alertmanager", "two_alerts_firing_and_resolved") | {"alerts": []}


def servicenow_problem_record() -> dict[str, Any]:
    return example("servicenow", "p1_new") | {"sys_class_name": "problem", "number": "PRB0040012"}


@pytest.mark.parametrize(
    ("source", "payload", "reason"),
    [
        ("pagerduty", lambda: example("pagerduty", "pagey_ping"), "ping"),
        ("pagerduty", lambda: example("pagerduty", "service_updated"), "event_type"),
        ("pagerduty", lambda: example("pagerduty", "incident_annotated"), "event_type"),
        ("jira", lambda: example("jira", "comment_created"), "event_type"),
        ("servicenow", servicenow_problem_record, "record_type"),
        ("alertmanager", alertmanager_group_without_alerts, "no_alerts"),
        ("acme-monitor", lambda: example("generic", "acme_ping"), "event_type"),
    ],
)
async def test_an_authentic_delivery_that_is_not_an_incident_is_acknowledged_and_ignored(
    intake: tuple[httpx.AsyncClient, InMemoryBus],
    source: str,
    payload: Callable[[], dict[str, Any]],
    reason: str,
) -> None:
    client, bus = intake
    sample = f'ec_intake_ignored_total{{reason="{reason}",source="{source}"}}'
    before = await metric(client, sample)

    # when the platform delivers something that is not an incident
    response = await deliver(client, source, payload())

    # then it gets a 2xx saying it was ignored, and the ignore is counted
    assert response.status_code == 200, response.text
    assert response.json()["ignored"] is True
    assert response.json()["reason"] == reason
    assert response.json()["incidents"] == []
    assert await metric(client, sample) == before + 1
    # and nothing was recorded: the next incident is the first thing on the topic
    # (the relay publishes the log in order, so anything recorded before would show)
    marker = await deliver(client, "servicenow", p1("servicenow", "p1_new"))
    assert marker.status_code == 202, marker.text
    marker_id = marker.json()["incidents"][0]["id"]

    async def the_marker_arrived() -> list[Envelope]:
        return [e for e in published(bus) if e.subject == marker_id]

    await eventually(the_marker_arrived)
    assert {e.subject for e in published(bus)} == {marker_id}


async def test_pagerdutys_test_event_is_refused_when_its_signature_is_wrong(
    intake: tuple[httpx.AsyncClient, InMemoryBus],
) -> None:
    client, _ = intake
    body = json.dumps(example("pagerduty", "pagey_ping")).encode()

    response = await client.post(
        "/v1/webhooks/pagerduty",
        content=body,
        headers={"X-PagerDuty-Signature": "v1=" + "0" * 64, "content-type": "application/json"},
    )

    assert response.status_code == 401
    assert response.json()["type"] == "/problems/bad-signature"


async def reported(bus: InMemoryBus, incident_id: str) -> dict[str, Any]:
    async def on_the_topic() -> list[Envelope]:
        return [e for e in published(bus) if e.subject == incident_id]

    [envelope] = await eventually(on_the_topic)
    assert envelope.type == "IncidentReported"
    data: dict[str, Any] = envelope.event().model_dump(mode="json")
    return data


async def test_a_new_servicenow_record_without_short_description_is_reported_with_a_title(
    intake: tuple[httpx.AsyncClient, InMemoryBus],
) -> None:
    client, bus = intake
    # given the Table API's answer for an incident created a moment ago
    payload = example("servicenow", "table_api_new_without_short_description")
    payload["result"]["number"] = f"INC{uuid.uuid4().hex[:7].upper()}"

    # when ServiceNow delivers it
    response = await deliver(client, "servicenow", payload)

    # then it is accepted and reported, titled from its number and category
    assert response.status_code == 202, response.text
    event = await reported(bus, response.json()["incidents"][0]["id"])
    assert event["title"] == f"ServiceNow incident {payload['result']['number']} (inquiry)"
    assert event["priority"] == "P5"
    assert event["attributes"]["defaulted"] == ["title", "service"]


async def test_an_incident_whose_customer_no_mapping_covers_is_flagged_and_counted(
    intake: tuple[httpx.AsyncClient, InMemoryBus],
) -> None:
    client, bus = intake
    sample = 'ec_intake_customer_unresolved_total{source="pagerduty"}'
    before = await metric(client, sample)
    # given a PagerDuty incident on a service and team no mapping lists
    payload = example("pagerduty", "incident_triggered")
    data = payload["event"]["data"]
    data["id"] = f"Q{uuid.uuid4().hex[:13].upper()}"
    data["service"] |= {"id": "PUNMAPD", "summary": "internal-wiki"}
    data["teams"] = [{"id": "PNOTEAM", "summary": "Docs", "type": "team_reference"}]

    # when PagerDuty delivers it
    response = await deliver(client, "pagerduty", payload)

    # then it is taken for the unknown customer, flagged in the event, and counted
    assert response.status_code == 202, response.text
    event = await reported(bus, response.json()["incidents"][0]["id"])
    assert event["customer"]["id"] == "unknown"
    assert event["customer_resolved"] is False
    assert await metric(client, sample) == before + 1


@pytest.mark.parametrize(
    ("name", "customer", "mapped_by"),
    [
        ("incident_triggered", "fabrikam", "service.id"),
        ("incident_triggered_low_urgency_no_priority", "contoso", "teams"),
    ],
)
async def test_a_pagerduty_incident_gets_the_customer_its_service_or_team_maps_to(
    intake: tuple[httpx.AsyncClient, InMemoryBus], name: str, customer: str, mapped_by: str
) -> None:
    client, bus = intake
    sample = 'ec_intake_customer_unresolved_total{source="pagerduty"}'
    before = await metric(client, sample)
    payload = example("pagerduty", name)
    payload["event"]["data"]["id"] = f"Q{uuid.uuid4().hex[:13].upper()}"

    response = await deliver(client, "pagerduty", payload)

    assert response.status_code == 202, response.text
    event = await reported(bus, response.json()["incidents"][0]["id"])
    assert event["customer"]["id"] == customer
    assert event["customer_resolved"] is True
    assert event["attributes"]["customer_mapped_by"] == mapped_by
    assert await metric(client, sample) == before


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
