"""The monitor's timers at scale, on its own process with real PostgreSQL and
Kafka: how late timers fire, and how many fire per second, with 100,000
other timers pending; the baseline is the same burst with none pending."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bench.report import Figure
from bench.service import running

PENDING = 100_000
BURST = 20_000
STEADY = 1_000
COLUMNS = (
    "id",
    "escalation_id",
    "kind",
    "status",
    "due_at",
    "round",
    "source_event_id",
    "created_at",
)


def _timers(due: list[datetime]) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    return [
        (uuid.uuid4(), uuid.uuid4(), "monitoring_period", "pending", at, 1, uuid.uuid4(), now)
        for at in due
    ]


async def _seed(db: asyncpg.Connection, due: list[datetime]) -> list[uuid.UUID]:
    rows = _timers(due)
    await db.copy_records_to_table("timers", records=rows, columns=COLUMNS, schema_name="monitor")
    return [row[0] for row in rows]


async def _fired(
    db: asyncpg.Connection, ids: list[uuid.UUID], *, timeout: float
) -> list[tuple[datetime, datetime]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = await db.fetch(
            "SELECT due_at, fired_at FROM monitor.timers WHERE id = ANY($1) AND status = 'fired'",
            ids,
        )
        if len(rows) == len(ids):
            return [(r["due_at"], r["fired_at"]) for r in rows]
        await asyncio.sleep(0.2)
    raise TimeoutError(f"only some of {len(ids)} timers fired in {timeout} s")


async def _lateness_ms(db: asyncpg.Connection) -> list[float]:
    """STEADY timers due 5 ms apart, from 3 s on: how late each fired."""
    start = datetime.now(UTC) + timedelta(seconds=3)
    steady = await _seed(db, [start + timedelta(milliseconds=5 * n) for n in range(STEADY)])
    return sorted((f - d).total_seconds() * 1000 for d, f in await _fired(db, steady, timeout=60))


def _p(values: list[float], share: float) -> float:
    return values[max(int(len(values) * share) - 1, 0)]


async def _burst_rate(db: asyncpg.Connection) -> float:
    due = datetime.now(UTC) + timedelta(seconds=2)
    fired = await _fired(db, await _seed(db, [due] * BURST), timeout=120)
    return BURST / (max(f for _, f in fired) - due).total_seconds()


async def run(*, kafka: str) -> list[Figure]:
    async with running("ec_monitor", kafka=kafka) as service:
        dsn = make_url(service.database_url).set(drivername="postgresql")
        db = await asyncpg.connect(dsn.render_as_string(hide_password=False))
        try:
            late_alone, alone = await _lateness_ms(db), await _burst_rate(db)
            far = datetime.now(UTC) + timedelta(days=30)
            await _seed(db, [far + timedelta(seconds=n) for n in range(PENDING)])
            await db.execute("ANALYZE monitor.timers")
            late, crowded = await _lateness_ms(db), await _burst_rate(db)
        finally:
            await db.close()
    alone_name = "the same, nothing else pending"
    return [
        Figure(
            f"timer lateness p50 ms ({PENDING:,} pending)",
            _p(late, 0.5),
            "ms",
            alone_name,
            _p(late_alone, 0.5),
        ),
        Figure(
            f"timer lateness p99 ms ({PENDING:,} pending)",
            _p(late, 0.99),
            "ms",
            alone_name,
            _p(late_alone, 0.99),
            "< 1,000 ms",
        ),
        Figure(
            f"timers fired/s, burst of {BURST:,} ({PENDING:,} pending)",
            crowded,
            "timers/s",
            alone_name,
            alone,
        ),
    ]
