"""The reads over the store: the board, an escalation's events, the global
history, the decisions on an incident, the measures of a period, and what a
manual start or a link needs to know about the incidents it names. The use
cases call these (use_cases/reads.py for the routes); the views that shape
rows into answers are passed in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.domain.manual_start import SeenIncidents
from ec_escalation.domain.measures import Measures, Trail, measures
from ec_escalation.store.event_store import EscalationStore
from ec_escalation.store.measures_projection import incident_times
from ec_escalation.store.tables import Tables
from ec_events.base import PlatformRecord
from ec_events.escalations import EscalationStarted
from ec_platform.http.pagination import PageRequest, TimeIdKeyset, keyset_page
from ec_platform.storage.eventlog import EventLog, StoredEvent

EXPORT_BATCH = 2_000
View = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class BoardFilters:
    state: str | None = None
    level: int | None = None
    customer_id: str | None = None
    manager_id: str | None = None
    incident_id: UUID | None = None
    overdue: bool | None = None
    # Withdrawn escalations (started by mistake) are off the board unless asked
    # for, by this or by `state=withdrawn`.
    include_withdrawn: bool = False


def _board_keyset(tables: Tables) -> TimeIdKeyset:
    board = tables.board
    return TimeIdKeyset(board.c.started_at, board.c.escalation_id, "started_at", "escalation_id")


def _filtered(
    query: Select[Any], tables: Tables, filters: BoardFilters, *, now: datetime
) -> Select[Any]:
    board, links = tables.board, tables.incident_links
    for column, value in (
        (board.c.status, filters.state),
        (board.c.level, filters.level),
        (board.c.customer_id, filters.customer_id),
        (board.c.manager_id, filters.manager_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.state is None and not filters.include_withdrawn:
        query = query.where(board.c.status != "withdrawn")
    if filters.incident_id is not None:
        linked = select(links.c.escalation_id).where(links.c.incident_id == filters.incident_id)
        query = query.where(board.c.escalation_id.in_(linked))
    if filters.overdue:
        query = query.where(
            board.c.status.in_(("active", "monitoring")),
            or_(
                board.c.review_by < now,
                board.c.next_update_due < now,
                (board.c.status == "monitoring") & (board.c.monitoring_ends_at < now),
            ),
        )
    return query


async def board_page(
    store: EscalationStore,
    filters: BoardFilters,
    paging: PageRequest,
    *,
    now: datetime,
    view: View,
) -> dict[str, Any]:
    """One page of the board, each row through `view`."""
    query = _filtered(select(store.tables.board), store.tables, filters, now=now)
    return await keyset_page(store.db, _board_keyset(store.tables), query, paging, view=view)


async def stream(store: EscalationStore, escalation_id: UUID) -> list[StoredEvent]:
    async with store.db.read() as conn:
        return await store.log.read_stream(conn, str(escalation_id))


async def ended_at(
    conn: AsyncConnection, store: EscalationStore, escalation_id: UUID
) -> datetime | None:
    """When the escalation was closed or withdrawn, if it was."""
    stored = await store.log.read_stream(conn, str(escalation_id))
    ends = ("EscalationClosed", "EscalationWithdrawn")
    return next((s.recorded_at for s in reversed(stored) if s.type in ends), None)


async def events_after(
    log: EventLog, after: int, *, limit: int, types: Sequence[str] = ()
) -> list[StoredEvent]:
    async with log.db.read() as conn:
        return await log.read_after(conn, after, limit=limit, types=types)


async def export(
    log: EventLog, after: int, types: Sequence[str]
) -> AsyncIterator[list[StoredEvent]]:
    """The whole history past `after`, in batches, each read in its own short read."""
    while batch := await events_after(log, after, limit=EXPORT_BATCH, types=types):
        yield batch
        after = batch[-1].position


async def decisions_page(
    store: EscalationStore, incident_id: UUID, paging: PageRequest, *, view: View
) -> dict[str, Any] | None:
    """One page of the decisions on an incident's events, oldest first; None
    when the service never heard of the incident."""
    decisions, incidents = store.tables.incident_decisions, store.tables.incidents
    keyset = TimeIdKeyset(decisions.c.decided_at, decisions.c.id, "decided_at", "id")
    query = select(decisions).where(decisions.c.incident_id == incident_id)
    page = await keyset_page(store.db, keyset, query, paging, view=view)
    if page["items"] or paging.cursor is not None:
        return page
    async with store.db.read() as conn:
        known = await conn.scalar(
            select(incidents.c.incident_id).where(incidents.c.incident_id == incident_id)
        )
    return None if known is None else page


async def incidents_seen(
    conn: AsyncConnection, tables: Tables, incident_ids: Sequence[UUID]
) -> SeenIncidents:
    """Which of these incidents the service has heard of, which already have an
    open escalation, and the latest facts of the first one."""
    if not incident_ids:
        return SeenIncidents()
    incidents, links = tables.incidents, tables.incident_links
    known = (
        await conn.execute(
            select(incidents.c.incident_id, incidents.c.facts["platform_record"]).where(
                incidents.c.incident_id.in_(incident_ids)
            )
        )
    ).all()
    taken = await conn.execute(
        select(links.c.incident_id, links.c.escalation_id).where(
            links.c.incident_id.in_(incident_ids), links.c.open
        )
    )
    facts = await conn.scalar(
        select(incidents.c.facts).where(incidents.c.incident_id == incident_ids[0])
    )
    return SeenIncidents(
        known=frozenset(incident_id for incident_id, _ in known),
        open_escalations={row.incident_id: row.escalation_id for row in taken},
        first_facts=dict(facts or {}),
        records={
            incident_id: PlatformRecord.model_validate(record)
            for incident_id, record in known
            if record
        },
    )


async def platform_record_of(
    conn: AsyncConnection, tables: Tables, incident_id: UUID
) -> PlatformRecord | None:
    """The platform record of an incident this service has heard of, if it has one."""
    incidents = tables.incidents
    record = await conn.scalar(
        select(incidents.c.facts["platform_record"]).where(incidents.c.incident_id == incident_id)
    )
    return PlatformRecord.model_validate(record) if record else None


async def measures_started(
    store: EscalationStore, since: datetime, until: datetime, *, now: datetime
) -> list[Measures]:
    """The measures, at `now`, of every escalation started in [since, until)."""
    table = store.tables.measures
    async with store.db.read() as conn:
        trails = await conn.scalars(
            select(table.c.trail)
            .where(table.c.started_at >= since, table.c.started_at < until)
            .order_by(table.c.started_at, table.c.escalation_id)
        )
        return [measures(Trail.from_json(trail), now) for trail in trails]


async def report_inputs(
    store: EscalationStore, escalation_id: UUID, *, as_of: datetime | None = None
) -> tuple[list[StoredEvent], datetime | None]:
    """An escalation's events (those recorded by `as_of`, when given) and when
    its first incident happened (None when it has none the service knows)."""
    async with store.db.read() as conn:
        stored = await store.log.read_stream(conn, str(escalation_id), recorded_until=as_of)
        first = stored[0].event() if stored else None
        if not isinstance(first, EscalationStarted) or not first.incident_ids:
            return stored, None
        times = await incident_times(conn, store.tables, first.incident_ids[:1])
    return stored, times.get(first.incident_ids[0])
