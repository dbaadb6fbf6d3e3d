"""The durable timers: set and cancelled from escalation events, fired once each."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_events import Envelope
from ec_events.base import Event
from ec_monitor.migrations import history
from ec_monitor.policy import Plan, RaisePolicy, Timer, Watch, plan_timers, request_for
from ec_monitor.tables import Tables
from ec_platform.clock import Clock
from ec_platform.observability.tracing import (
    TraceContext,
    current_trace_context,
    parent_from,
    trace_context_of,
    trace_context_values,
    tracer,
)
from ec_platform.storage.database import Database
from ec_platform.storage.eventlog import Append, EventLog, NewEvent
from ec_platform.storage.inbox import first_delivery
from ec_platform.storage.migrations import migrate_at_start
from ec_platform.storage.upsert import insert_on_conflict, upsert

CONSUMER = "escalations"
MONITOR_ACTOR = ("service", "monitor")
FIRE_BATCH = 200


class TimerBook:
    def __init__(self, db: Database, tables: Tables, policy: RaisePolicy, clock: Clock) -> None:
        self.db = db
        self.tables = tables
        self.policy = policy
        self.clock = clock
        self.outbox = EventLog(db, tables.outbox)

    async def create(self) -> None:
        """Brings the schema to this version's (ec_monitor.migrations)."""
        await migrate_at_start(self.db, history())

    async def observe(self, envelope: Envelope, event: Event) -> bool:
        """Applies an escalation event to the timers, once per event. True when
        a timer was set (the firing loop may need to wake earlier)."""
        async with self.db.transaction() as conn:
            if not await first_delivery(
                conn, self.tables.inbox, consumer=CONSUMER, message_id=envelope.id
            ):
                return False
            watch = await self._watch(conn, uuid.UUID(envelope.subject))
            plan = plan_timers(
                watch,
                event,
                event_id=uuid.UUID(envelope.id),
                at=envelope.time,
                stream_version=int(envelope.extensions.get("streamversion", "0")),
                policy=self.policy,
            )
            await self._apply(conn, plan, watch, source=uuid.UUID(envelope.id))
        return bool(plan.set)

    async def _watch(self, conn: AsyncConnection, escalation_id: uuid.UUID) -> Watch | None:
        watches = self.tables.watches
        row = (
            await conn.execute(select(watches).where(watches.c.escalation_id == escalation_id))
        ).first()
        return Watch(row.escalation_id, row.status, row.level) if row else None

    async def _apply(
        self, conn: AsyncConnection, plan: Plan, before: Watch | None, *, source: uuid.UUID
    ) -> None:
        now = self.clock()
        if plan.watch is not None and plan.watch != before:
            await self._save_watch(conn, plan.watch)
        timers = self.tables.timers
        if plan.cancel and plan.watch is not None:
            await conn.execute(
                update(timers)
                .where(
                    timers.c.escalation_id == plan.watch.escalation_id,
                    timers.c.status == "pending",
                    timers.c.kind.in_(sorted(plan.cancel)),
                )
                .values(status="cancelled", cancelled_at=now)
            )
        if plan.set:
            rows = [_row(timer, source=source, now=now) for timer in plan.set]
            await conn.execute(
                insert_on_conflict(conn, timers).values(rows).on_conflict_do_nothing()
            )

    async def _save_watch(self, conn: AsyncConnection, watch: Watch) -> None:
        row = {"escalation_id": watch.escalation_id, "status": watch.status, "level": watch.level}
        await conn.execute(upsert(conn, self.tables.watches), row)

    async def fire_due(self) -> list[tuple[Timer, datetime]]:
        """Fires what is due: each timer's request goes into the outbox and the
        timer is marked fired in one transaction, so it fires exactly once.
        Replicas skip the timers another replica is firing."""
        timers = self.tables.timers
        now = self.clock()
        query = (
            select(timers)
            .where(timers.c.status == "pending", timers.c.due_at <= now)
            .order_by(timers.c.due_at)
            .limit(FIRE_BATCH)
        )
        if not self.db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        with contextlib.ExitStack() as spans:
            async with self.db.transaction() as conn:
                rows = [row._mapping for row in await conn.execute(query)]
                due = [_timer(row) for row in rows]
                # Each timer's request continues the trace of the event that set it.
                traces = [
                    _fired_span(spans, timer, row) for timer, row in zip(due, rows, strict=True)
                ]
                # One stream per timer, at version 1: a timer that somehow came
                # round again could not be recorded twice.
                await self.outbox.append_many(
                    conn,
                    [
                        Append(str(timer.id), 0, [_request(timer, self.policy, traced)])
                        for timer, traced in zip(due, traces, strict=True)
                    ],
                    recorded_at=now,
                )
                if due:
                    await conn.execute(
                        update(timers)
                        .where(timers.c.id.in_([t.id for t in due]))
                        .values(status="fired", fired_at=now)
                    )
        return [(timer, now) for timer in due]

    async def next_due(self) -> datetime | None:
        timers = self.tables.timers
        async with self.db.read() as conn:
            due: datetime | None = await conn.scalar(
                select(timers.c.due_at)
                .where(timers.c.status == "pending")
                .order_by(timers.c.due_at)
                .limit(1)
            )
        return due


def _request(timer: Timer, policy: RaisePolicy, traced: TraceContext | None) -> NewEvent:
    return NewEvent.of(
        request_for(timer, policy), event_id=uuid.uuid4(), actor=MONITOR_ACTOR, trace_context=traced
    )


def _row(timer: Timer, *, source: uuid.UUID, now: datetime) -> dict[str, Any]:
    return {
        **asdict(timer),
        "status": "pending",
        "source_event_id": source,
        "created_at": now,
        # The consumed event's trace, for the firing to continue.
        **trace_context_values(current_trace_context()),
    }


def _fired_span(spans: contextlib.ExitStack, timer: Timer, row: Any) -> TraceContext | None:
    """A span for the firing, in the trace that set the timer (none for a
    timer set before traces were kept), ended with the firing transaction."""
    parent = TraceContext.of_row(row["traceparent"], row["tracestate"])
    if parent is None:
        return None
    span = tracer().start_span(
        f"fire {timer.kind}",
        context=parent_from(parent),
        attributes={"ec.timer.id": str(timer.id), "ec.timer.kind": timer.kind},
    )
    spans.callback(span.end)
    return trace_context_of(span)


def _timer(row: Any) -> Timer:
    return Timer(
        id=row["id"],
        escalation_id=row["escalation_id"],
        kind=row["kind"],
        due_at=row["due_at"],
        level=row["level"],
        round=row["round"],
        plan_version=row["plan_version"],
        since_version=row["since_version"],
    )
