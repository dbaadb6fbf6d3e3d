"""Loading an escalation by replaying its stream, and appending its new events
together with the read models, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.domain import Escalation, evolve
from ec_escalation.projections import project
from ec_escalation.tables import Tables
from ec_events.base import Event
from ec_platform.database import Database
from ec_platform.eventlog import EventLog, NewEvent, StoredEvent, VersionConflict, append_only_ddl


class EscalationStore:
    def __init__(self, db: Database, tables: Tables) -> None:
        self.db = db
        self.tables = tables
        self.log = EventLog(db, tables.events)

    async def create(self) -> None:
        await self.db.create(self.tables.metadata, append_only_ddl(self.db, self.tables.events))

    async def load(
        self, conn: AsyncConnection, escalation_id: UUID, *, as_of: datetime | None = None
    ) -> tuple[Escalation | None, list[StoredEvent]]:
        stored = await self.log.read_stream(conn, str(escalation_id), recorded_until=as_of)
        state: Escalation | None = None
        for item in stored:
            state = evolve(state, item.event())
        return state, stored

    async def append(
        self,
        conn: AsyncConnection,
        state: Escalation | None,
        escalation_id: UUID,
        events: Sequence[Event],
        new_events: Sequence[NewEvent],
        *,
        recorded_at: datetime,
    ) -> Escalation:
        expected = state.version if state else 0
        await self.log.append(
            conn, str(escalation_id), expected, new_events, recorded_at=recorded_at
        )
        after = state
        for event in events:
            after = evolve(after, event)
        assert after is not None
        try:
            await project(conn, self.tables, before=state, after=after, recorded_at=recorded_at)
        except IntegrityError:
            # A concurrent start for the same incident won: retry on fresh state.
            raise VersionConflict(str(escalation_id), expected) from None
        return after
