"""The intake's own data: its event log, which is also its outbox, and the
incidents list kept from it in the same transaction. Reports are recorded in
batches: whatever arrived while the previous transaction committed goes into
the next one, so concurrent posts share a commit."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_events.base import Event
from ec_events.incidents import IncidentFacts
from ec_intake.deliveries import known_of
from ec_intake.domain import IncidentIn, decide, incident_id_for
from ec_intake.freshness import Delivery, Known, StaleReason, after_taking, stale
from ec_intake.incidents import catch_up, project
from ec_intake.migrations import history
from ec_intake.tables import Tables
from ec_platform.clock import Clock
from ec_platform.observability.tracing import TraceContext, current_trace_context, joined_span
from ec_platform.storage.database import Database
from ec_platform.storage.eventlog import Append, EventLog, NewEvent
from ec_platform.storage.migrations import migrate_at_start
from ec_platform.storage.retry import retry_on_conflict

MAX_BATCH = 200
log = logging.getLogger(__name__)
Actor = tuple[str, str]


@dataclass(frozen=True)
class Accepted:
    incident_id: uuid.UUID
    events: tuple[str, ...]
    event_ids: tuple[uuid.UUID, ...]
    # Why the report changed nothing although it may differ (a stale delivery).
    ignored: StaleReason | None = None


@dataclass(frozen=True)
class Report:
    incoming: IncidentIn
    actor: Actor
    # The platform's id of the event delivered (PagerDuty's event.id), if it has one.
    delivery_id: str | None = None
    # The reporting request's trace, which its events continue.
    trace_context: TraceContext | None = None


class IncidentStore:
    def __init__(self, db: Database, tables: Tables) -> None:
        self.db = db
        self.tables = tables
        self.log = EventLog(db, tables.events)

    async def create(self) -> None:
        """Brings the schema to this version's (ec_intake.migrations), then
        the incidents to the log."""
        await migrate_at_start(self.db, history())
        await catch_up(self.db, self.log, self.tables.incidents, self.tables.checkpoints)

    async def record_all(self, reports: Sequence[Report], *, now: datetime) -> list[Accepted]:
        """Decides and stores every report in one transaction, in order (a
        report sees the ones before it); returns once it is durable."""
        return await retry_on_conflict(lambda: self._record_all(reports, now))

    async def _record_all(self, reports: Sequence[Report], now: datetime) -> list[Accepted]:
        ids = [str(incident_id_for(r.incoming.source, r.incoming.external_id)) for r in reports]
        accepted: list[Accepted] = []
        async with self.db.transaction() as conn:
            last = await self.log.last_in_streams(conn, sorted(set(ids)))
            known: dict[str, IncidentFacts | None] = {}
            for stream_id, stored in last.items():
                event = stored.event()
                known[stream_id] = event if isinstance(event, IncidentFacts) else None
            pending: dict[str, list[NewEvent]] = {}
            decided: dict[str, list[Event]] = {}
            freshness = await self._known(conn, ids, reports, known)
            versions = {sid: stored.stream_version for sid, stored in last.items()}
            judged: list[dict[str, object]] = []
            for stream_id, report in zip(ids, reports, strict=True):
                delivery = Delivery(report.delivery_id, report.incoming.occurred_at)
                reason = stale(freshness.get(stream_id, Known()), delivery)
                judged.append(self._judged(stream_id, report, reason, now, versions))
                if reason is not None:
                    accepted.append(Accepted(uuid.UUID(stream_id), (), (), ignored=reason))
                    continue
                freshness[stream_id] = after_taking(freshness.get(stream_id, Known()), delivery)
                events = decide(known.get(stream_id), report.incoming)
                new = [
                    NewEvent.of(
                        e,
                        event_id=uuid.uuid4(),
                        actor=report.actor,
                        trace_context=report.trace_context,
                    )
                    for e in events
                ]
                versions[stream_id] = versions.get(stream_id, 0) + len(new)
                pending.setdefault(stream_id, []).extend(new)
                decided.setdefault(stream_id, []).extend(events)
                known[stream_id] = _latest(events) or known.get(stream_id)
                accepted.append(
                    Accepted(
                        incident_id=uuid.UUID(stream_id),
                        events=tuple(n.type for n in new),
                        event_ids=tuple(n.event_id for n in new),
                    )
                )
            await conn.execute(insert(self.tables.deliveries), judged)
            appended = await self.log.append_many(
                conn,
                [
                    Append(
                        stream_id, last[stream_id].stream_version if stream_id in last else 0, new
                    )
                    for stream_id, new in pending.items()
                ],
                recorded_at=now,
            )
            # append_many stores the streams' events in the order given.
            events_in_order = [e for stream_events in decided.values() for e in stream_events]
            await project(
                conn, self.tables.incidents, list(zip(events_in_order, appended, strict=True))
            )
        return accepted

    async def _known(
        self,
        conn: AsyncConnection,
        ids: Sequence[str],
        reports: Sequence[Report],
        facts: dict[str, IncidentFacts | None],
    ) -> dict[str, Known]:
        """What the freshness rule knows of each incident; for one recorded
        before deliveries were kept, the time its last event gave it."""
        pairs = [(r.incoming.source, r.delivery_id) for r in reports if r.delivery_id is not None]
        found = await known_of(conn, self.tables.deliveries, [uuid.UUID(i) for i in ids], pairs)
        known = {str(incident_id): k for incident_id, k in found.items()}
        for stream_id, last in facts.items():
            if last is not None and last.occurred_at is not None:
                before = known.get(stream_id, Known())
                if before.newest_at is None:
                    known[stream_id] = Known(last.occurred_at, before.taken_ids)
        return known

    @staticmethod
    def _judged(
        stream_id: str,
        report: Report,
        reason: StaleReason | None,
        now: datetime,
        versions: dict[str, int],
    ) -> dict[str, object]:
        return {
            "id": uuid.uuid4(),
            "incident_id": uuid.UUID(stream_id),
            "source": report.incoming.source,
            "delivery_id": report.delivery_id,
            "occurred_at": report.incoming.occurred_at,
            "received_at": now,
            "version": versions.get(stream_id, 0),
            "ignored": reason,
            "actor_role": report.actor[0],
            "actor_name": report.actor[1],
        }


def _latest(events: Sequence[Event]) -> IncidentFacts | None:
    facts = [e for e in events if isinstance(e, IncidentFacts)]
    return facts[-1] if facts else None


class Recorder:
    """Queues reports and records them in batches, each caller awaiting its own."""

    def __init__(self, store: IncidentStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._queue: asyncio.Queue[tuple[list[Report], asyncio.Future[list[Accepted]]]] = (
            asyncio.Queue()
        )

    async def record(self, reports: list[Report]) -> list[Accepted]:
        future: asyncio.Future[list[Accepted]] = asyncio.get_running_loop().create_future()
        traced = current_trace_context()
        self._queue.put_nowait(([replace(r, trace_context=traced) for r in reports], future))
        return await future

    async def run(self) -> None:
        while True:
            waiting = [await self._queue.get()]
            while not self._queue.empty() and sum(len(r) for r, _ in waiting) < MAX_BATCH:
                waiting.append(self._queue.get_nowait())
            await self._record(waiting)

    async def _record(
        self, waiting: list[tuple[list[Report], asyncio.Future[list[Accepted]]]]
    ) -> None:
        everything = [r for reports, _ in waiting for r in reports]
        try:
            with joined_span("record incidents", [r.trace_context for r in everything]):
                accepted = await self.store.record_all(everything, now=self.clock())
        except Exception as error:
            if len(waiting) == 1:
                if not waiting[0][1].done():
                    waiting[0][1].set_exception(error)
                return
            # One bad report must not fail the others: record them one by one.
            log.warning("a batch of %d failed; recording them one by one", len(waiting))
            for one in waiting:
                await self._record([one])
            return
        start = 0
        for reports, future in waiting:
            if not future.done():
                future.set_result(accepted[start : start + len(reports)])
            start += len(reports)
