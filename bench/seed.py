"""Filling an escalation store fast (COPY), with realistic event payloads."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ec_platform.storage.database import Database
from ec_platform.storage.event_records import COLUMNS

GOLDEN = Path(__file__).parents[1] / "tests" / "golden" / "events"
# One escalation's life: what a store mostly holds.
STORY = (
    "EscalationStarted",
    "EscalationManagerAssigned",
    "RecordLinked",
    "EscalationTeamAssigned",
    "CommunicationContactsSet",
    "SituationAssessed",
    "PlanRevised",
    "ProgressReported",
    "EscalationLevelRaised",
    "ProgressReported",
    "PlanRevised",
    "ProgressReported",
    "ProgressReported",
    "ProgressReported",
    "ProgressReported",
    "ProgressReported",
    "ProgressReported",
    "ProgressReported",
    "ProgressReported",
    "MonitoringStarted",
)


def _payloads() -> list[tuple[str, dict[str, Any]]]:
    payloads = []
    plan_version = 0
    for name in STORY:
        data = json.loads((GOLDEN / f"{name}.json").read_text())
        if name == "PlanRevised":
            plan_version += 1
            data["plan_version"] = plan_version
        payloads.append((name, data))
    return payloads


async def seed_escalations(db: Database, table: str, *, events: int) -> int:
    """Writes `events` events, 20 per escalation, with COPY; returns how many."""
    payloads = _payloads()
    at = datetime(2026, 1, 1, tzinfo=UTC)
    records = []
    position = 0
    for _ in range(events // len(payloads)):
        stream = str(uuid.uuid4())
        for version, (name, data) in enumerate(payloads, start=1):
            position += 1
            body = {**data, "escalation_id": stream}
            if name == "EscalationStarted":
                body["incident_ids"] = [str(uuid.uuid4())]
            row = {
                "position": position,
                "event_id": uuid.uuid4(),
                "stream_id": stream,
                "stream_version": version,
                "type": name,
                "schema_version": 1,
                "data": json.dumps(body),
                "recorded_at": at + timedelta(seconds=position),
                "actor_role": "operator",
                "actor_name": "bench",
                "hash": "0" * 64,
            }
            # Columns it does not name (the causes, the trace) stay empty.
            records.append(tuple(row.get(column) for column in COLUMNS))
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.copy_records_to_table(
            table, records=records, columns=list(COLUMNS), schema_name=db.physical_schema
        )
        await conn.commit()
        # What autovacuum would do to a live store: without statistics the planner
        # sorts the whole table for every batch instead of walking the index.
        await driver.execute(f'ANALYZE "{db.physical_schema}".{table}')
    return len(records)
