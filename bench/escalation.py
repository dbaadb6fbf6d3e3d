"""The escalation store at scale: replay into state and projection rebuild
over a million stored events; the baseline is reading the same rows raw."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.report import Figure
from bench.seed import seed_escalations
from ec_escalation.service import open_store
from ec_escalation.store.rebuild import rebuild, replay
from ec_escalation.store.tables import SCHEMA
from ec_platform.storage.database import Database

EVENTS = 1_000_000


async def _driver_read_rate(conn: AsyncConnection, schema: str) -> float:
    """Reading the same rows in the same batches with asyncpg alone: the floor
    of any replay, before decoding or folding anything."""
    driver: Any = (await conn.get_raw_connection()).driver_connection
    sql = (
        f'SELECT position, stream_id, type, data::text FROM "{schema}".events '
        "WHERE position > $1 ORDER BY position LIMIT 10000"
    )
    started, after, count = time.perf_counter(), 0, 0
    while rows := await driver.fetch(sql, after):
        count += len(rows)
        after = rows[-1][0]
    return count / (time.perf_counter() - started)


async def run(*, database_url: str, events: int = EVENTS) -> list[Figure]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    db = Database.open(database_url, schema=SCHEMA, physical_schema=schema)
    try:
        store = await open_store(db)
        # The triggers refuse nothing on INSERT; COPY is only the fast way in.
        stored = await seed_escalations(db, "events", events=events)

        async with db.read() as conn:
            raw_rate = await _driver_read_rate(conn, schema)

        async with db.read() as conn:
            started = time.perf_counter()
            replayed = await replay(conn, store.log)
            replay_rate = replayed.events / (time.perf_counter() - started)
        assert replayed.events == stored

        result = await rebuild(store)
        assert result.events == stored
    finally:
        async with db.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await db.close()
    baseline = "the driver reading those rows, undecoded"
    return [
        Figure(
            f"replay into state, {stored:,} events",
            replay_rate,
            "events/s",
            baseline,
            raw_rate,
            ">= 100,000 events/s",
        ),
        Figure(
            "projection rebuild", result.rate, "events/s", baseline, raw_rate, ">= 20,000 events/s"
        ),
    ]
