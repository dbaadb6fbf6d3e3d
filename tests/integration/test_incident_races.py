"""One incident never starts two open escalations, even when its report
arrives twice at the same moment on two consumers (real PostgreSQL and SQLite)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ec_escalation.domain.criteria import default_rules
from ec_escalation.service import open_store
from ec_escalation.store.tables import SCHEMA
from ec_escalation.use_cases.escalations import Escalations
from ec_escalation.use_cases.incidents import IncidentPolicy
from ec_events import Envelope
from ec_events.incidents import IncidentReported
from ec_platform.clock import utc_now
from ec_platform.storage.database import Database
from harness.factories import incident_body
from harness.infra import DATABASES, database_of


@pytest.fixture(params=DATABASES)
async def policy(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[IncidentPolicy]:
    async with database_of(request.param, tmp_path) as url:
        db = Database.open(url, schema=SCHEMA)
        try:
            escalations = Escalations(await open_store(db), utc_now, lambda: None)
            yield IncidentPolicy(escalations, default_rules(), utc_now)
        finally:
            await db.close()


def report() -> IncidentReported:
    return IncidentReported.model_validate(
        {**incident_body(priority="P1"), "incident_id": uuid.uuid4()}
    )


def envelope(event: IncidentReported) -> Envelope:
    return Envelope.wrap(event, id=uuid.uuid4(), source="/test")


async def escalations_for(policy: IncidentPolicy, incident_id: uuid.UUID) -> int:
    links = policy.tables.incident_links
    async with policy.escalations.store.db.read() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(links).where(links.c.incident_id == incident_id)
        )
    return int(count or 0)


async def test_two_reports_of_one_incident_at_once_start_one_escalation(
    policy: IncidentPolicy,
) -> None:
    incident = report()
    # two different messages (say, a re-post the intake saw as an update) at the same moment
    first, second = envelope(incident), envelope(incident)

    outcomes = await asyncio.gather(policy.handle(first, incident), policy.handle(second, incident))

    assert sum(1 for o in outcomes if o is not None and o.events) == 1
    assert await escalations_for(policy, incident.incident_id) == 1


async def test_the_same_message_delivered_twice_at_once_starts_one_escalation(
    policy: IncidentPolicy,
) -> None:
    incident = report()
    message = envelope(incident)

    await asyncio.gather(*(policy.handle(message, incident) for _ in range(4)))

    assert await escalations_for(policy, incident.incident_id) == 1
