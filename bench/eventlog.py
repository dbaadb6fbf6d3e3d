"""Appends to the event log on PostgreSQL, against plain INSERTs of the same rows."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, insert

from ec_platform.storage.database import Database
from ec_platform.storage.eventlog import EventLog, NewEvent, append_only_ddl, event_log_table

SECONDS = 3.0
CONCURRENCY = (1, 8, 32)
DATA = {"escalation_id": "x", "note": "Certificate chain restored on 3 of 5 gateways"}

from bench.report import Figure  # noqa: E402


async def _drive(work: Any, concurrency: int) -> float:
    count = 0
    deadline = time.perf_counter() + SECONDS

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            await work()
            count += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


async def run(*, database_url: str) -> list[Figure]:
    db = Database.open(database_url, schema=f"bench_{uuid.uuid4().hex[:8]}", pool_size=40)
    metadata = MetaData()
    events = event_log_table(metadata, schema=db.schema)
    plain = event_log_table(metadata, schema=db.schema, name="plain_rows")
    await db.create(metadata, append_only_ddl(db, events))
    log = EventLog(db, events)
    now = datetime.now(UTC)
    figures = []
    try:
        for concurrency in CONCURRENCY:

            async def append_one() -> None:
                event = NewEvent(uuid.uuid4(), "ProgressReported", DATA, "operator", "bench")
                async with db.transaction() as conn:
                    await log.append(conn, str(uuid.uuid4()), 0, [event], recorded_at=now)

            async def insert_one() -> None:
                async with db.transaction() as conn:
                    await conn.execute(insert(plain).values(_plain_row(now)))

            baseline = await _drive(insert_one, concurrency)
            rate = await _drive(append_one, concurrency)
            figures.append(
                Figure(
                    f"store appends/s, 1 event, {concurrency} writers",
                    rate,
                    "events/s",
                    f"plain INSERT, {concurrency} writers",
                    baseline,
                    ">= 0.5 x baseline",
                )
            )
    finally:
        await db.close()
    return figures


def _plain_row(now: datetime) -> dict[str, Any]:
    return {
        "position": uuid.uuid4().int >> 66,
        "event_id": uuid.uuid4(),
        "stream_id": str(uuid.uuid4()),
        "stream_version": 1,
        "type": "ProgressReported",
        "schema_version": 1,
        "data": DATA,
        "recorded_at": now,
        "actor_role": "operator",
        "actor_name": "bench",
        "correlation_id": None,
        "causation_id": None,
        "hash": "0" * 64,
    }
