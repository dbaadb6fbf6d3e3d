"""Loading an escalation by replaying its stream (from a snapshot when there is
one), and appending its new events together with the read models, in one
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.domain.observations import Observation, observations
from ec_escalation.domain.state import Escalation, evolve, fold
from ec_escalation.store.measures_projection import TrailChange, project_measures
from ec_escalation.store.migrations import history
from ec_escalation.store.projections import project, project_all, snapshot_state
from ec_escalation.store.tables import Tables
from ec_events.base import Event
from ec_platform.storage.database import Database
from ec_platform.storage.eventlog import (
    Append,
    EventLog,
    NewEvent,
    StoredEvent,
    VersionConflict,
)
from ec_platform.storage.migrations import migrate_at_start


@dataclass(frozen=True)
class Recorded:
    """An escalation after a command, and the events the command stored."""

    state: Escalation
    events: tuple[StoredEvent, ...]
    # What the process metrics learn from it, once the transaction committed.
    observed: tuple[Observation, ...] = ()


@dataclass(frozen=True)
class Change:
    """A command's events for one escalation, not yet stored."""

    state: Escalation | None
    escalation_id: UUID
    events: Sequence[Event]
    new_events: Sequence[NewEvent]

    @property
    def expected(self) -> int:
        return self.state.version if self.state else 0


class EscalationStore:
    def __init__(self, db: Database, tables: Tables) -> None:
        self.db = db
        self.tables = tables
        self.log = EventLog(db, tables.events)

    async def create(self) -> None:
        """Brings the schema to this version's (ec_escalation.store.migrations)."""
        await migrate_at_start(self.db, history())

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

    async def load_all(
        self,
        conn: AsyncConnection,
        escalation_ids: Sequence[UUID],
        *,
        known: dict[UUID, Escalation],
    ) -> dict[UUID, Escalation | None]:
        """As load, for several escalations at once (two queries, not two each)."""
        snapshots = self.tables.snapshots
        missing = [i for i in escalation_ids if i not in known]
        base: dict[UUID, Escalation | None] = dict(known)
        if missing:
            rows = await conn.execute(
                select(snapshots).where(snapshots.c.escalation_id.in_(missing))
            )
            for row in rows:
                base[row.escalation_id] = snapshot_state(dict(row._mapping))
        after = {str(i): (s.version if (s := base.get(i)) else 0) for i in escalation_ids}
        stored = await self.log.read_streams(conn, after)
        return {i: fold((e.event() for e in stored[str(i)]), base.get(i)) for i in escalation_ids}

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
        measured = await project_measures(
            conn,
            self.tables,
            self.log,
            [(escalation_id, after.version, events)],
            recorded_at=recorded_at,
        )
        return Recorded(after, tuple(stored), _observed(measured.get(escalation_id)))

    async def append_all(
        self, conn: AsyncConnection, changes: Sequence[Change], *, recorded_at: datetime
    ) -> list[Recorded]:
        """As append, for changes to distinct escalations: one insert for all
        their events, the read models written together."""
        stored = await self.log.append_many(
            conn,
            [Append(str(c.escalation_id), c.expected, c.new_events) for c in changes],
            recorded_at=recorded_at,
        )
        by_stream: dict[str, list[StoredEvent]] = {}
        for event in stored:
            by_stream.setdefault(event.stream_id, []).append(event)
        recorded = []
        for change in changes:
            after = fold(change.events, change.state)
            assert after is not None
            recorded.append(Recorded(after, tuple(by_stream.get(str(change.escalation_id), ()))))
        try:
            await project_all(
                conn,
                self.tables,
                [(c.state, r.state) for c, r in zip(changes, recorded, strict=True) if r.events],
                recorded_at=recorded_at,
            )
        except IntegrityError:
            # A concurrent start for the same incident won: retry on fresh state.
            first = changes[0]
            raise VersionConflict(str(first.escalation_id), first.expected) from None
        measured = await project_measures(
            conn,
            self.tables,
            self.log,
            [
                (c.escalation_id, r.state.version, c.events)
                for c, r in zip(changes, recorded, strict=True)
                if r.events
            ],
            recorded_at=recorded_at,
        )
        return [
            replace(r, observed=_observed(measured.get(c.escalation_id)))
            for c, r in zip(changes, recorded, strict=True)
        ]


def _observed(change: TrailChange | None) -> tuple[Observation, ...]:
    return tuple(observations(change.before, change.after)) if change else ()
