"""The measures read model: each escalation's trail (ec_escalation.domain.measures)
carried on by the events of every append, in the append's transaction, and
rebuilt with the other read models.

The first incident's time is not in the escalation's stream. It is read from
what the service keeps about incidents (the `incidents` table, written before
any start in the same transaction): the incident's `occurred_at` when its
platform gave one, else when this service first saw it (its acceptance as far
as the escalation service can tell)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import Select, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.domain.measures import Trail, measures, trail_of, with_incident_time
from ec_escalation.store.tables import COUNTS, STORED_DURATIONS, Tables
from ec_events.base import Event
from ec_events.escalations import EscalationStarted
from ec_platform.storage.eventlog import EventLog
from ec_platform.storage.upsert import upsert

LOOKUP_BATCH = 2_000


@dataclass(frozen=True)
class TrailChange:
    """One escalation's trail before an append (None: the append started it) and after."""

    before: Trail | None
    after: Trail


def measures_row(trail: Trail, version: int) -> dict[str, Any]:
    measured = measures(trail, trail.status_since)
    return {
        "escalation_id": trail.escalation_id,
        "version": version,
        "started_at": trail.started_at,
        "status": trail.status,
        "status_since": trail.status_since,
        "level": trail.level,
        "customer_id": trail.customer_id,
        "service": trail.service,
        "manager_id": trail.manager_id,
        **{name: measured.durations[name] for name in STORED_DURATIONS},
        **{name: getattr(trail, name) for name in COUNTS},
        "closed_with_agreement": trail.closed_with_agreement,
        "trail": trail.to_json(),
    }


async def incident_times(
    conn: AsyncConnection, tables: Tables, incident_ids: Iterable[UUID]
) -> dict[UUID, datetime]:
    """When each of these incidents (those the service has heard of) happened."""
    incidents = tables.incidents
    wanted = list(dict.fromkeys(incident_ids))
    times: dict[UUID, datetime] = {}
    for start in range(0, len(wanted), LOOKUP_BATCH):
        rows = await conn.execute(
            select(incidents.c.incident_id, incidents.c.facts, incidents.c.first_seen_at).where(
                incidents.c.incident_id.in_(wanted[start : start + LOOKUP_BATCH])
            )
        )
        for incident_id, facts, first_seen_at in rows:
            occurred = (facts or {}).get("occurred_at")
            times[incident_id] = datetime.fromisoformat(occurred) if occurred else first_seen_at
    return times


async def with_incident_times(
    conn: AsyncConnection, tables: Tables, trails: Sequence[Trail]
) -> list[Trail]:
    """The trails, each with its first incident's time when it is known."""
    times = await incident_times(
        conn, tables, (t.first_incident_id for t in trails if t.first_incident_id)
    )
    return [
        with_incident_time(t, times.get(t.first_incident_id)) if t.first_incident_id else t
        for t in trails
    ]


@lru_cache(maxsize=64)
def _trails_of(table: Table) -> Select[tuple[UUID, Any]]:
    # Built once per table (as the upsert): see ec_platform.storage.upsert.
    return select(table.c.escalation_id, table.c.trail).where(
        table.c.escalation_id.in_(bindparam("ids", expanding=True))
    )


async def project_measures(
    conn: AsyncConnection,
    tables: Tables,
    log: EventLog,
    changes: Sequence[tuple[UUID, int, Sequence[Event]]],
    *,
    recorded_at: datetime,
) -> dict[UUID, TrailChange]:
    """Carries each escalation's trail on by its new events, recorded at
    `recorded_at`: (escalation id, version after, events), each id once.
    Answers each escalation's trail before and after (for the metrics)."""
    changes = [change for change in changes if change[2]]
    if not changes:
        return {}
    rows = await conn.execute(
        _trails_of(tables.measures), {"ids": [escalation_id for escalation_id, _, _ in changes]}
    )
    known = {escalation_id: Trail.from_json(trail) for escalation_id, trail in rows}
    befores: dict[UUID, Trail | None] = {}
    trails: list[Trail] = []
    for escalation_id, _, events in changes:
        base = known.get(escalation_id)
        if base is None and not isinstance(events[0], EscalationStarted):
            # Started before this read model existed (and not rebuilt since):
            # its whole stream, this append's events included.
            stored = await log.read_stream(conn, str(escalation_id))
            timed_events = [(s.event(), s.recorded_at) for s in stored]
            base = trail_of(timed_events[: len(timed_events) - len(events)])
            trail = trail_of(timed_events[len(timed_events) - len(events) :], base)
        else:
            trail = trail_of(((event, recorded_at) for event in events), base)
        assert trail is not None
        befores[escalation_id] = base
        trails.append(trail)
    started = [t for t in trails if t.escalation_id not in known]
    timed = {t.escalation_id: t for t in await with_incident_times(conn, tables, started)}
    afters = [timed.get(trail.escalation_id, trail) for trail in trails]
    values = [
        measures_row(trail, version) for trail, (_, version, _) in zip(afters, changes, strict=True)
    ]
    await upsert_measures(conn, tables, values)
    return {after.escalation_id: _change(befores[after.escalation_id], after) for after in afters}


def _change(before: Trail | None, after: Trail) -> TrailChange:
    if before is not None and before.incident_at is None:
        # The incident's time was looked up only now (an escalation the read
        # model missed): it is not news of this append.
        before = with_incident_time(before, after.incident_at)
    return TrailChange(before, after)


async def upsert_measures(
    conn: AsyncConnection, tables: Tables, values: Sequence[dict[str, Any]]
) -> None:
    await conn.execute(upsert(conn, tables.measures), list(values))
