"""The intake's own data: its event log, which is also its outbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import MetaData, Table

from ec_events.incidents import IncidentFacts
from ec_intake.domain import IncidentIn, decide, incident_id_for
from ec_platform.checkpoints import checkpoint_table
from ec_platform.database import Database
from ec_platform.eventlog import EventLog, NewEvent, append_only_ddl, event_log_table
from ec_platform.retry import retry_on_conflict

SCHEMA = "intake"


@dataclass(frozen=True)
class Tables:
    metadata: MetaData
    events: Table
    checkpoints: Table


def define_tables() -> Tables:
    metadata = MetaData()
    return Tables(
        metadata=metadata,
        events=event_log_table(metadata, schema=SCHEMA),
        checkpoints=checkpoint_table(metadata, schema=SCHEMA),
    )


@dataclass(frozen=True)
class Accepted:
    incident_id: uuid.UUID
    events: tuple[str, ...]
    event_ids: tuple[uuid.UUID, ...]


class IncidentStore:
    def __init__(self, db: Database, tables: Tables) -> None:
        self.db = db
        self.tables = tables
        self.log = EventLog(db, tables.events)

    async def create(self) -> None:
        await self.db.create(self.tables.metadata, append_only_ddl(self.db, self.tables.events))

    async def record(
        self, incoming: IncidentIn, *, principal: tuple[str, str], now: datetime
    ) -> Accepted:
        """Decides and stores in one transaction; returns once it is durable."""
        incident_id = incident_id_for(incoming.source, incoming.external_id)

        async def attempt() -> Accepted:
            async with self.db.transaction() as conn:
                last = await self.log.last_in_stream(conn, str(incident_id))
                previous = last.event() if last else None
                assert previous is None or isinstance(previous, IncidentFacts)
                events = decide(previous, incoming)
                new = [NewEvent.of(e, event_id=uuid.uuid4(), actor=principal) for e in events]
                await self.log.append(
                    conn,
                    str(incident_id),
                    last.stream_version if last else 0,
                    new,
                    recorded_at=now,
                )
            return Accepted(
                incident_id=incident_id,
                events=tuple(n.type for n in new),
                event_ids=tuple(n.event_id for n in new),
            )

        return await retry_on_conflict(attempt)
