"""kill -9 of the escalation service while it works through a backlog of
incidents in batches, on real Kafka and PostgreSQL: after a restart every
incident event has exactly one decision, every P1 exactly one escalation, and
nothing else started one."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import create_async_engine

from ec_events import Envelope
from ec_events.incidents import IncidentFacts, IncidentReported, IncidentUpdated
from ec_platform.bus import open_bus
from ec_platform.settings import PlatformSettings
from harness.factories import incident_body
from harness.processes import ServiceProcess
from harness.waiting import eventually
from tests.e2e.conftest import cluster_env

pytestmark = pytest.mark.e2e
INCIDENTS = 1200


def incidents() -> list[IncidentFacts]:
    """A P1 in four, the rest P4; one in five reported twice (an update)."""
    events: list[IncidentFacts] = []
    for n in range(INCIDENTS):
        report = IncidentReported.model_validate(
            {**incident_body(priority="P1" if n % 4 == 0 else "P4"), "incident_id": uuid.uuid4()}
        )
        events.append(report)
        if n % 5 == 0:
            facts = report.model_dump(mode="json")
            events.append(
                IncidentUpdated.model_validate({**facts, "title": "worse", "changed": ["title"]})
            )
    return events


class Store:
    """The escalation service's tables, read straight from PostgreSQL."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_async_engine(database_url)

    async def rows(self, sql: str) -> list[Any]:
        async with self.engine.connect() as conn:
            return list(await conn.execute(text(sql)))

    async def decided(self) -> int:
        try:
            [(count,)] = await self.rows("SELECT count(*) FROM escalation.incident_decisions")
        except ProgrammingError:  # the service has not created its tables yet
            return 0
        return int(count)


async def test_an_escalation_service_killed_mid_batch_handles_each_incident_exactly_once(
    postgres_url: str, kafka_servers: str, topic_prefix: str, tmp_path: Path
) -> None:
    env = cluster_env(postgres_url, kafka_servers, topic_prefix)
    store = Store(postgres_url)
    try:
        await _kill_mid_batch_and_check(store, env, kafka_servers, topic_prefix, tmp_path)
    finally:
        await store.engine.dispose()


async def _kill_mid_batch_and_check(
    store: Store, env: dict[str, str], kafka_servers: str, topic_prefix: str, tmp_path: Path
) -> None:
    settings = PlatformSettings(kafka_bootstrap_servers=kafka_servers, topic_prefix=topic_prefix)
    events = incidents()
    envelopes = [Envelope.wrap(e, id=uuid.uuid4(), source="/itsm") for e in events]

    # given a backlog on the incidents topic, so every poll returns a full batch
    async with open_bus(settings, client_id="batch-crash-test") as bus:
        await bus.ensure_topics(settings.topics.all())
        await bus.publish(settings.topics.incidents, [e.to_binary() for e in envelopes])

    # when the escalation service is killed (-9) once it has committed a first batch
    first = ServiceProcess("ec_escalation", env=env, log_dir=tmp_path)
    first.start()
    try:
        await eventually(store.decided, interval=0.01)
    finally:
        first.kill()
    assert await store.decided() < len(events), "the kill came after the backlog"

    # and restarted
    second = ServiceProcess("ec_escalation", env=env, log_dir=tmp_path)
    second.start()
    try:
        await second.wait_healthy()

        async def all_decided() -> bool:
            return await store.decided() >= len(events)

        await eventually(all_decided)
    finally:
        second.stop()

    # then each incident event has one decision, each P1 one escalation, nothing more
    rows = await store.rows("SELECT message_id FROM escalation.incident_decisions")
    per_message = Counter(row.message_id for row in rows)
    assert set(per_message) == {e.id for e in envelopes}
    assert set(per_message.values()) == {1}
    links = await store.rows("SELECT incident_id, escalation_id FROM escalation.incident_links")
    p1s = {e.incident_id for e in events if e.priority == "P1"}
    assert Counter(row.incident_id for row in links) == Counter(p1s)
    [(escalations,)] = await store.rows("SELECT count(*) FROM escalation.board")
    assert escalations == len(p1s)
    outcomes = await store.rows(
        "SELECT outcome, count(*) AS n FROM escalation.incident_decisions GROUP BY outcome",
    )
    updated_p1s = sum(1 for e in events if isinstance(e, IncidentUpdated) and e.priority == "P1")
    assert {row.outcome: row.n for row in outcomes} == {
        "started": len(p1s),
        "linked": updated_p1s,
        "nothing": len(events) - len(p1s) - updated_p1s,
    }
