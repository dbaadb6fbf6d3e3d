"""Readers never skip: many concurrent writers, a reader tailing the log, on
real PostgreSQL. The same harness pointed at a naive reader (one that tails by
position alone) must catch it skipping, or the test proves nothing."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import MetaData

from ec_platform.storage.database import Database
from ec_platform.storage.eventlog import EventLog, NewEvent, StoredEvent, event_log_table
from harness.infra import fresh_database

WRITERS = 16
EVENTS = 20_000
PER_TRANSACTION = 5
NOW = datetime(2026, 11, 27, tzinfo=UTC)

pytestmark = pytest.mark.postgres


@pytest.fixture
async def log() -> AsyncIterator[EventLog]:
    async with fresh_database() as url:
        db = Database.open(url, schema="tailing", pool_size=WRITERS + 4)
        metadata = MetaData()
        table = event_log_table(metadata, schema="tailing")
        await db.create(metadata)
        try:
            yield EventLog(db, table)
        finally:
            await db.close()


async def tail_while_writing(
    log: EventLog, *, below_horizon: bool
) -> tuple[set[uuid.UUID], list[uuid.UUID]]:
    """Writes EVENTS events from WRITERS concurrent writers, each transaction
    lingering a random moment before it commits, while one reader tails."""
    written: set[uuid.UUID] = set()
    seen: list[uuid.UUID] = []
    writing = True

    async def writer(transactions: int) -> None:
        for _ in range(transactions):
            events = [
                NewEvent(uuid.uuid4(), "T", {"n": 1}, "operator", "w")
                for _ in range(PER_TRANSACTION)
            ]
            async with log.db.transaction() as conn:
                await log.append(conn, str(uuid.uuid4()), 0, events, recorded_at=NOW)
                await asyncio.sleep(random.random() * 0.004)
            written.update(e.event_id for e in events)

    async def reader() -> None:
        after = 0
        while True:
            still_writing = writing
            async with log.db.read() as conn:
                batch: list[StoredEvent] = await log.read_after(
                    conn, after, limit=1000, below_horizon=below_horizon
                )
            seen.extend(e.event_id for e in batch)
            if batch:
                after = batch[-1].position
            elif not still_writing:
                return
            else:
                await asyncio.sleep(0.001)

    tail = asyncio.create_task(reader())
    per_writer = EVENTS // PER_TRANSACTION // WRITERS
    await asyncio.gather(*(writer(per_writer) for _ in range(WRITERS)))
    writing = False
    await tail
    return written, seen


async def test_a_tailing_reader_sees_every_committed_event_exactly_once(log: EventLog) -> None:
    written, seen = await tail_while_writing(log, below_horizon=True)

    assert len(written) == EVENTS
    assert len(seen) == len(set(seen)), "an event was read twice"
    assert set(seen) == written, f"{len(written - set(seen))} committed events were skipped"


async def test_the_harness_catches_a_naive_reader_that_tails_by_position_alone(
    log: EventLog,
) -> None:
    written, seen = await tail_while_writing(log, below_horizon=False)

    skipped = written - set(seen)
    assert skipped, (
        "the naive reader skipped nothing: this harness would not catch a skipping reader"
    )
