"""The whole lifecycle through the four service processes on real Kafka and
PostgreSQL, every stored event on the escalations topic, and the process
metrics on the escalation service's own /metrics."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.factories import bearer
from tests.support.kafka_reader import headers_of, read_until
from tests.support.lifecycle import EXPECTED_TYPES, Services, run_whole_lifecycle
from tests.support.metrics_text import scrape

pytestmark = pytest.mark.e2e


async def test_a_p1_incident_to_a_reviewed_escalation_across_processes(
    services: Services, kafka_servers: str, topic_prefix: str
) -> None:
    life = await run_whole_lifecycle(services)

    stored = (
        await services.escalation.get(
            f"/v1/escalations/{life.escalation_id}/events", headers=bearer("auditor")
        )
    ).json()["items"]
    assert [e["type"] for e in stored] == EXPECTED_TYPES

    history = (
        await services.escalation.get(
            "/v1/events", params={"limit": 10_000}, headers=bearer("auditor")
        )
    ).json()["items"]
    assert [e["position"] for e in history] == sorted(e["position"] for e in history)

    stored_ids = {e["id"] for e in history}
    records = await read_until(
        kafka_servers,
        f"{topic_prefix}escalations",
        lambda rs: stored_ids <= {headers_of(r)["ce_id"] for r in rs},
    )
    mine = [r for r in records if r.key == life.escalation_id.encode()]
    assert [headers_of(r)["ce_id"] for r in mine] == [e["id"] for e in stored]
    assert [headers_of(r)["ce_type"].rsplit(".", 1)[-1] for r in mine] == EXPECTED_TYPES
    first: dict[str, Any] = json.loads(mine[0].value)
    assert first["escalation_id"] == life.escalation_id

    scraped = await scrape(services.escalation)
    assert scraped.value("ec_escalation_started_total", criteria="p1", level="1") == 1
    closed = scraped.named("ec_escalation_closed_total")
    assert list(closed.values()) == [1]
    assert scraped.value("ec_escalation_recurrences_total") == 1
    assert scraped.value("ec_escalation_monitoring_passed_total") == 1
    for measure in (
        "time_to_manager",
        "time_to_resolution",
        "time_to_closure",
        "closure_to_review",
    ):
        assert scraped.value(f"ec_escalation_{measure}_seconds_count") == 1, measure
    assert not any(scraped.named("ec_escalation_open_escalations").values())
