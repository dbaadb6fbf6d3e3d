"""A captured PagerDuty delivery sent again does not rewrite the present: the
intake and the escalation service as processes on real Kafka and PostgreSQL.
The incident triggers an escalation, is resolved, and the escalation goes into
monitoring; the same `incident.triggered` delivery replayed afterwards is
acknowledged, counted and shown as ignored, and the escalation stays in
monitoring."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ec_intake.webhooks import pagerduty_signature
from harness.factories import bearer
from harness.processes import ServiceProcess, running_processes
from tests.e2e.conftest import cluster_env
from tests.support.metrics_text import scrape
from tests.support.roundtrip import PD_SECRET, WEBHOOK_SECRETS, escalation_of
from tests.unit.webhooks.golden import GOLDEN, example

pytestmark = pytest.mark.e2e


@dataclass
class Cluster:
    intake: httpx.AsyncClient
    escalation: httpx.AsyncClient


@pytest.fixture
async def cluster(
    postgres_url: str, kafka_servers: str, topic_prefix: str, tmp_path: Path
) -> AsyncIterator[Cluster]:
    sources = tmp_path / "sources.yaml"
    sources.write_text((GOLDEN / "sources.example.yaml").read_text())
    env = cluster_env(postgres_url, kafka_servers, topic_prefix) | {
        "EC_INTAKE_SOURCES_FILE": str(sources),
        "EC_WEBHOOK_SECRETS": WEBHOOK_SECRETS,
    }
    processes = {
        name: ServiceProcess(f"ec_{name}", env=env, log_dir=tmp_path)
        for name in ("intake", "escalation")
    }
    async with (
        running_processes(processes),
        httpx.AsyncClient(base_url=processes["intake"].url, timeout=10) as intake,
        httpx.AsyncClient(base_url=processes["escalation"].url, timeout=10) as escalation,
    ):
        yield Cluster(intake, escalation)


def pagerduty_delivery(name: str, incident_id: str, number: int) -> bytes:
    payload = example("pagerduty", name)
    payload["event"]["id"] = f"01{uuid.uuid4().hex.upper()}"
    payload["event"]["data"] |= {"id": incident_id, "number": number}
    payload["event"]["data"]["priority"]["summary"] = "P1"
    return json.dumps(payload).encode()


async def deliver(intake: httpx.AsyncClient, body: bytes) -> dict[str, Any]:
    """Posts the delivery as PagerDuty signs it; its one incident's answer."""
    headers = {
        "content-type": "application/json",
        "X-PagerDuty-Signature": pagerduty_signature(body, PD_SECRET),
    }
    answer = await intake.post("/v1/webhooks/pagerduty", content=body, headers=headers)
    assert answer.status_code == 202, answer.text
    [incident] = answer.json()["incidents"]
    return dict(incident)


async def escalation_state(escalation: httpx.AsyncClient, escalation_id: str) -> str:
    answer = await escalation.get(f"/v1/escalations/{escalation_id}", headers=bearer("operator"))
    assert answer.status_code == 200, answer.text
    return str(answer.json()["state"])


async def test_a_replayed_trigger_after_resolution_leaves_the_escalation_in_monitoring(
    cluster: Cluster,
) -> None:
    # given a PagerDuty incident whose trigger started an escalation
    incident_ref = "Q" + "".join(random.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=13))
    number = random.randrange(10**6)
    trigger = pagerduty_delivery("incident_triggered", incident_ref, number)
    captured = trigger  # the bytes as PagerDuty sent them, signature and all
    incident_id = (await deliver(cluster.intake, trigger))["id"]
    escalation_id = await escalation_of(cluster.escalation, incident_id)

    # and the incident resolved on PagerDuty, the escalation resolved into monitoring
    resolved = await deliver(
        cluster.intake, pagerduty_delivery("incident_resolved", incident_ref, number)
    )
    assert resolved["events"] == ["IncidentResolved"]
    manager = {"id": "u-117", "name": "Dana Okafor", "email": "dana@provider.example"}
    answer = await cluster.escalation.put(
        f"/v1/escalations/{escalation_id}/manager",
        json={"manager": manager},
        headers=bearer("operator"),
    )
    assert answer.status_code == 200, answer.text
    answer = await cluster.escalation.post(
        f"/v1/escalations/{escalation_id}/resolution",
        json={
            "customer_confirmed": True,
            "override_reason": "confirmed on the phone",
            "monitoring_period": "PT1H",
        },
        headers=bearer("operator"),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "monitoring"
    before = await scrape(cluster.intake)
    counted = before.value(
        "ec_intake_stale_deliveries_total", source="pagerduty", reason="duplicate"
    )

    # when the captured trigger is posted again, signed as it was
    replay = await deliver(cluster.intake, captured)

    # then it is acknowledged and changes nothing: no event, counted, shown as ignored
    assert replay["events"] == []
    assert replay["ignored"] == "duplicate"
    after = await scrape(cluster.intake)
    assert (
        after.value("ec_intake_stale_deliveries_total", source="pagerduty", reason="duplicate")
        == (counted or 0) + 1
    )
    shown = await cluster.intake.get(f"/v1/incidents/{incident_id}", headers=bearer("auditor"))
    history = shown.json()["history"]
    assert [entry["type"] for entry in history] == [
        "IncidentReported",
        "IncidentResolved",
        "DeliveryIgnored",
    ]
    assert history[-1]["data"]["reason"] == "duplicate"
    assert shown.json()["status"] == "resolved"

    # and with no event published for it, the escalation is still monitoring
    assert shown.json()["version"] == 2
    assert await escalation_state(cluster.escalation, escalation_id) == "monitoring"
