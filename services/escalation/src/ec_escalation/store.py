"""Loading an escalation by replaying its stream (from a snapshot when there is
one), and appending its new events together with the read models, in one
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.projections import project, snapshot_state
from ec_escalation.state import Escalation, evolve, fold
from ec_escalation.tables import Tables
from ec_events.base import Event
from ec_platform.database import Database
from ec_platform.eventlog import (
    EventLog,
    NewEvent,
    StoredEvent,
    VersionConflict,
    append_only_ddl,
)


@dataclass(frozen=True)
class Recorded:
    """An escalation after a command, and the events the command stored."""

    state: Escalation
    events: tuple[StoredEvent, ...]


class EscalationStore:
    def __init__(self, db: Database, tables: Tables) -> None:
        self.db = db
        self.tables = tables
        self.log = EventLog(db, tables.events)

    async def create(self) -> None:
        await self.db.create(self.tables.metadata, append_only_ddl(self.db, self.tables.events))

    async def load(
        self, conn: AsyncConnection, escalation_id: UUID, *, known: Escalation | None = None
    ) -> Escalation | None:
        """The current state: a state known to be committed (from the caller's
        cache, else the snapshot table) plus the events recorded after it.
        Events never change, so an old known state only means more to fold."""
        state = known or await self._snapshot(conn, escalation_id)
        stored = await self.log.read_stream(
            conn, str(escalation_id), after_version=state.version if state else 0
        )
        return fold((s.event() for s in stored), state)

    async def _snapshot(self, conn: AsyncConnection, escalation_id: UUID) -> Escalation | None:
        snapshots = self.tables.snapshots
        row = (
            await conn.execute(select(snapshots).where(snapshots.c.escalation_id == escalation_id))
        ).first()
        return snapshot_state(dict(row._mapping)) if row else None

    async def load_as_of(
        self, conn: AsyncConnection, escalation_id: UUID, as_of: datetime
    ) -> Escalation | None:
        """The state as it was at a past moment: a full replay up to it."""
        stored = await self.log.read_stream(conn, str(escalation_id), recorded_until=as_of)
        return fold(s.event() for s in stored)

    async def append(
        self,
        conn: AsyncConnection,
        state: Escalation | None,
        escalation_id: UUID,
        events: Sequence[Event],
        new_events: Sequence[NewEvent],
        *,
        recorded_at: datetime,
    ) -> Recorded:
        expected = state.version if state else 0
        stored = await self.log.append(
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
        return Recorded(after, tuple(stored))
