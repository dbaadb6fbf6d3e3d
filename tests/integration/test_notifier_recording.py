"""What the recorder writes is due when it is written, on SQLite and real
PostgreSQL: the events of one consumed batch are kept in arrival order, and
none of their deliveries waits for the clock to move on."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from ec_events import Envelope
from ec_events.base import Event
from ec_notifier.domain.connections import load_connections
from ec_notifier.routing_file import load_routing
from ec_notifier.store.claims import Claims
from ec_notifier.store.recording import Recorder
from harness.infra import DATABASES, database_of
from harness.notifier import CUSTOMER, NOW, Story
from tests.support.delivery_log import delivery_log


@dataclass
class Log:
    claims: Claims
    recorder: Recorder

    async def record(self, *events: Event) -> int:
        batch = [(Envelope.wrap(e, id=uuid.uuid4(), source="/escalation"), e) for e in events]
        return await self.recorder.record_all(batch, now=NOW)

    async def claim_all(self) -> list[tuple[str, str, str]]:
        """(host, event type, recipient) of each delivery claimed now."""
        claimed = await self.claims.claim(
            NOW, limit=100, closed_hosts=[], capacity=lambda host: 100, per_host=100
        )
        return [(c.host, c.event_type, c.recipient) for c in claimed]


@pytest.fixture(params=DATABASES)
async def log(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Log]:
    async with (
        database_of(request.param, tmp_path) as url,
        delivery_log(url, lease=timedelta(seconds=30)) as claims,
    ):
        recorder = Recorder(claims.db, claims.tables, load_routing(None), load_connections(None))
        yield Log(claims, recorder)


async def test_every_event_of_a_batch_is_due_at_once_and_claimed_in_arrival_order(
    log: Log,
) -> None:
    # given an escalation whose start, contacts and progress arrive in one batch
    story = Story()
    recorded = await log.record(story.started(), story.contacts(), story.progress())

    # when a dispatcher claims what is due, the clock not having moved since
    claimed = await log.claim_all()

    # then every delivery of the three events is claimed, the last event's too
    assert recorded == len(claimed)
    assert ("smtp", "ProgressReported", CUSTOMER.email) in claimed
    # and each host gets one event's deliveries before the next one's
    arrival = ["EscalationStarted", "CommunicationContactsSet", "ProgressReported"]
    for host in {host for host, *_ in claimed}:
        order = [arrival.index(event) for h, event, _ in claimed if h == host]
        assert order == sorted(order), host
