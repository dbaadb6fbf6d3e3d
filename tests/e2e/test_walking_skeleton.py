"""A P1 incident through all four services: as separate processes on real Kafka
and PostgreSQL, and as the single embedded process."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.factories import bearer, incident_body
from harness.processes import ServiceProcess
from harness.waiting import eventually
from tests.support.kafka_reader import headers_of, read_until

pytestmark = pytest.mark.e2e


async def get_items(url: str, role: str, **params: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as client:
        response = await client.get(url, params=params, headers=bearer(role), timeout=30)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_p1_incident_crosses_every_hop_on_kafka_and_postgres(
    cluster: dict[str, ServiceProcess], kafka_servers: str, topic_prefix: str
) -> None:
    intake, escalation = cluster["intake"], cluster["escalation"]
    notifier, monitor = cluster["notifier"], cluster["monitor"]

    # given a P1 incident posted to the intake
    async with httpx.AsyncClient() as client:
        posted = await client.post(
            f"{intake.url}/v1/incidents",
            json=incident_body(priority="P1"),
            headers=bearer("intake"),
        )
    assert posted.status_code == 202, posted.text
    incident_id = posted.json()["id"]

    # then IncidentReported is on the incidents topic as a CloudEvent
    reported = await read_until(
        kafka_servers,
        f"{topic_prefix}incidents",
        lambda records: any(r.key == incident_id.encode() for r in records),
    )
    [incident_record] = [r for r in reported if r.key == incident_id.encode()]
    assert headers_of(incident_record)["ce_type"].endswith("IncidentReported")
    assert json.loads(incident_record.value)["incident_id"] == incident_id

    # and the escalation service started an escalation for it
    [listed] = await eventually(
        lambda: get_items(f"{escalation.url}/v1/escalations", "operator", incident_id=incident_id),
    )
    escalation_id = listed["id"]

    # and published EscalationStarted on the escalations topic
    started = await read_until(
        kafka_servers,
        f"{topic_prefix}escalations",
        lambda records: any(r.key == escalation_id.encode() for r in records),
    )
    [record] = [r for r in started if r.key == escalation_id.encode()]
    headers = headers_of(record)
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_type"].endswith("EscalationStarted")
    assert headers["ce_subject"] == escalation_id
    assert headers["content-type"] == "application/json"
    assert {"ce_id", "ce_source", "ce_time"} <= set(headers)
    assert json.loads(record.value)["incident_ids"] == [incident_id]
    events = await get_items(f"{escalation.url}/v1/escalations/{escalation_id}/events", "auditor")
    assert [e["id"] for e in events] == [headers["ce_id"]]

    # and the notifier recorded a delivery, and the monitor a timer, for it
    [delivery] = await eventually(
        lambda: get_items(f"{notifier.url}/v1/deliveries", "operator", escalation_id=escalation_id),
    )
    assert delivery["event_id"] == headers["ce_id"]
    [timer] = await eventually(
        lambda: get_items(f"{monitor.url}/v1/timers", "auditor", escalation_id=escalation_id),
    )
    assert timer["kind"] == "auto_raise"


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServiceProcess]:
    # No EC_API_TOKENS: the embedded mode must generate an admin token and print it.
    monkeypatch.delenv("EC_API_TOKENS", raising=False)
    process = ServiceProcess(
        "ec_embedded",
        env={"EC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/ec.db"},
        log_dir=tmp_path,
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


async def test_the_embedded_process_escalates_a_p1_and_tells_its_people(
    embedded: ServiceProcess,
) -> None:
    await embedded.wait_healthy()
    match = re.search(r"admin token is: (\S+)", embedded.output())
    assert match, embedded.log_tail()
    admin = {"Authorization": f"Bearer {match.group(1)}"}

    async with httpx.AsyncClient(base_url=embedded.url, headers=admin, timeout=30) as client:
        posted = await client.post("/v1/incidents", json=incident_body(priority="P1"))
        assert posted.status_code == 202, posted.text

        async def listed() -> list[dict[str, Any]]:
            response = await client.get(
                "/v1/escalations", params={"incident_id": posted.json()["id"]}
            )
            items: list[dict[str, Any]] = response.json()["items"]
            return items

        [escalation] = await eventually(listed)

        async def delivered() -> list[dict[str, Any]]:
            response = await client.get(
                "/v1/deliveries", params={"escalation_id": escalation["id"]}
            )
            items: list[dict[str, Any]] = response.json()["items"]
            return items

        await eventually(delivered)
