"""The reads the routes make, over the use cases' own objects: the board, one
escalation (now or as it was), its events, the global history and its proof,
the decisions on an incident, and the measures the reports sum up. Each reads
in one short read transaction (the export, one per batch)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from ec_escalation.domain.measures import Measures
from ec_escalation.domain.state import Escalation
from ec_escalation.store import queries
from ec_escalation.store.audit import Verification, verify
from ec_escalation.store.queries import BoardFilters as BoardFilters
from ec_escalation.store.queries import View
from ec_escalation.use_cases.escalations import Escalations
from ec_platform.http.pagination import PageRequest
from ec_platform.storage.eventlog import StoredEvent


async def escalation(
    escalations: Escalations, escalation_id: UUID, *, as_of: datetime | None = None
) -> Escalation | None:
    """The current state (from the cache when it has it), or the state as of a past moment."""
    store = escalations.store
    async with store.db.read() as conn:
        if as_of is not None:
            return await store.load_as_of(conn, escalation_id, as_of)
        return await store.load(conn, escalation_id, known=escalations.cache.get(escalation_id))


async def board(
    escalations: Escalations, filters: BoardFilters, paging: PageRequest, *, view: View
) -> dict[str, Any]:
    """One page of the board, as of now, each row through `view`."""
    now = escalations.clock()
    return await queries.board_page(escalations.store, filters, paging, now=now, view=view)


async def stream(escalations: Escalations, escalation_id: UUID) -> list[StoredEvent]:
    return await queries.stream(escalations.store, escalation_id)


async def events_after(
    escalations: Escalations, after: int, *, limit: int, types: Sequence[str] = ()
) -> list[StoredEvent]:
    return await queries.events_after(escalations.store.log, after, limit=limit, types=types)


def export(
    escalations: Escalations, after: int, types: Sequence[str]
) -> AsyncIterator[list[StoredEvent]]:
    return queries.export(escalations.store.log, after, types)


async def verification(escalations: Escalations) -> Verification:
    return await verify(escalations.store.log)


async def decisions(
    escalations: Escalations, incident_id: UUID, paging: PageRequest, *, view: View
) -> dict[str, Any] | None:
    return await queries.decisions_page(escalations.store, incident_id, paging, view=view)


async def measures_started(
    escalations: Escalations, since: datetime, until: datetime, *, now: datetime
) -> list[Measures]:
    return await queries.measures_started(escalations.store, since, until, now=now)


async def report_inputs(
    escalations: Escalations, escalation_id: UUID, *, as_of: datetime | None = None
) -> tuple[list[StoredEvent], datetime | None]:
    return await queries.report_inputs(escalations.store, escalation_id, as_of=as_of)
