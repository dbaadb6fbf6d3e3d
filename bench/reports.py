"""The escalation report over 10,000 escalations: the measures rows are what the
real fold makes of each escalation's events (golden payloads at varied moments),
bulk-inserted into the measures table on PostgreSQL. Timed: the report's own
query and arithmetic (GET /v1/reports/escalations, group_by customer, over the
whole period), and the open-escalation gauges a /metrics scrape reads; the
baseline of each is the driver reading the same rows, undecoded."""

from __future__ import annotations

import json
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from bench.report import Figure
from bench.seed import GOLDEN
from ec_escalation.domain.measures import Trail, trail_of, with_incident_time
from ec_escalation.process_metrics import OpenEscalations
from ec_escalation.reports.period import report
from ec_escalation.service import open_store
from ec_escalation.store import queries
from ec_escalation.store.measures_projection import measures_row
from ec_escalation.store.tables import SCHEMA
from ec_events.base import Event
from ec_events.registry import parse_event
from ec_platform.http.metrics import Metrics
from ec_platform.storage.database import Database

ESCALATIONS = 10_000
REPEATS = 7
START = datetime(2026, 1, 1, tzinfo=UTC)
INSERT_BATCH = 2_000


def _golden(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text())
    return data


def _story(rng: random.Random) -> list[str]:
    """One escalation's measured events: most resolved, some recurring, most closed."""
    steps = ["EscalationManagerAssigned", "EscalationTeamAssigned", "SituationAssessed"]
    steps += ["PlanRevised", "PlanRevised"]
    if rng.random() < 0.3:
        steps.append("EscalationLevelRaised")
    if rng.random() < 0.2:
        steps.append("DeadlineMissed")
    if rng.random() < 0.85:
        steps.append("MonitoringStarted")
        if rng.random() < 0.2:
            steps += ["EscalationReopened", "MonitoringStarted"]
        if rng.random() < 0.8:
            steps += ["MonitoringPassed", "EscalationClosed"]
            if rng.random() < 0.7:
                steps.append("EscalationReviewed")
    return steps


def _trail(number: int, rng: random.Random, golden: dict[str, dict[str, Any]]) -> tuple[Trail, int]:
    escalation_id = str(uuid.uuid4())
    started_at = START + timedelta(minutes=13 * number)
    first = {
        **golden["EscalationStarted"],
        "escalation_id": escalation_id,
        "started_at": started_at.isoformat(),
        "customer": {"id": f"cust-{rng.randrange(300):03d}", "name": "Customer", "tier": "gold"},
        "service": f"service-{rng.randrange(25):02d}",
    }
    timed: list[tuple[Event, datetime]] = [(parse_event("EscalationStarted", first), started_at)]
    at = started_at
    for name in _story(rng):
        at += timedelta(minutes=rng.randint(5, 600))
        event = parse_event(name, {**golden[name], "escalation_id": escalation_id})
        timed.append((event, at))
    trail = trail_of(timed)
    assert trail is not None
    incident_at = started_at - timedelta(minutes=rng.randint(1, 90))
    return with_incident_time(trail, incident_at), len(timed)


def measures_rows(count: int) -> list[dict[str, Any]]:
    rng = random.Random(13)
    golden = {name.stem: _golden(name.stem) for name in GOLDEN.glob("*.json")}
    rows = []
    for number in range(count):
        trail, version = _trail(number, rng, golden)
        rows.append(measures_row(trail, version))
    return rows


async def _median_ms(run: Callable[[], Awaitable[object]]) -> float:
    await run()  # warm: caches, prepared statements
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        await run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def run(*, database_url: str, escalations: int = ESCALATIONS) -> list[Figure]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    db = Database.open(database_url, schema=SCHEMA, physical_schema=schema)
    try:
        store = await open_store(db)
        table = store.tables.measures
        rows = measures_rows(escalations)
        async with db.transaction() as conn:
            for start in range(0, len(rows), INSERT_BATCH):
                await conn.execute(insert(table), rows[start : start + INSERT_BATCH])
        async with db.engine.begin() as conn:
            await conn.execute(text(f'ANALYZE "{schema}".measures'))
        since, until = START, START + timedelta(days=366)
        now = until

        async def report_by_customer() -> dict[str, Any]:
            items = await queries.measures_started(store, since, until, now=now)
            assert len(items) == escalations
            return report(items, "customer")

        async def driver_read() -> list[Any]:
            async with db.read() as conn:
                driver: Any = (await conn.get_raw_connection()).driver_connection
                found: list[Any] = await driver.fetch(
                    f'SELECT trail::text FROM "{schema}".measures '
                    "WHERE started_at >= $1 AND started_at < $2 ORDER BY started_at, escalation_id",
                    since,
                    until,
                )
            assert len(found) == escalations
            return found

        async def count_rows() -> int:
            async with db.read() as conn:
                driver: Any = (await conn.get_raw_connection()).driver_connection
                counted: int = await driver.fetchval(f'SELECT count(*) FROM "{schema}".measures')
            return counted

        gauges = OpenEscalations(Metrics(), db, store.tables, lambda: now)
        report_ms = await _median_ms(report_by_customer)
        read_ms = await _median_ms(driver_read)
        gauge_ms = await _median_ms(gauges.refresh)
        count_ms = await _median_ms(count_rows)
    finally:
        async with db.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await db.close()
    return [
        Figure(
            f"report by customer, {escalations:,} escalations",
            report_ms,
            "ms",
            "the driver reading those rows, undecoded",
            read_ms,
        ),
        Figure(
            "open-escalation gauges (a /metrics scrape)",
            gauge_ms,
            "ms",
            "the driver counting the same rows",
            count_ms,
        ),
    ]
