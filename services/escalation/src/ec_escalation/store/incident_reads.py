"""What the incident decisions read, for many incidents at once: one statement
per kind of read whatever the number of incidents (open links, latest
escalations, repeat-window counts, resolved escalations), and the incident
memory written in one statement. Callers give each incident once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import case, func, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.domain.criteria import RuleSet
from ec_escalation.domain.incident_decision import RESOLVED_STAGES, Known, LinkedEscalation
from ec_escalation.store.tables import Tables
from ec_events.incidents import IncidentFacts, IncidentResolved
from ec_platform.storage.upsert import upsert

CustomerService = tuple[str, str]


@dataclass(frozen=True)
class Surroundings:
    """What one incident's decision is told, and which escalations that came
    from: a command on one of them makes this reading stale."""

    known: Known
    escalations: frozenset[UUID]


class IncidentReads:
    def __init__(self, tables: Tables, rules: RuleSet) -> None:
        self.tables = tables
        self.rules = rules

    async def remember(
        self, conn: AsyncConnection, events: Sequence[IncidentFacts], now: datetime
    ) -> None:
        """The latest facts of each incident (each named once), first seen kept."""
        if not events:
            return
        # Many rows to one statement of a fixed shape: built once, compiled once.
        await conn.execute(
            upsert(conn, self.tables.incidents, keep=frozenset({"first_seen_at"})),
            [
                {
                    "incident_id": event.incident_id,
                    "customer_id": event.customer.id,
                    "service": event.service,
                    "facts": event.model_dump(mode="json"),
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
                for event in events
            ],
        )

    async def surroundings(
        self, conn: AsyncConnection, events: Sequence[IncidentFacts], now: datetime
    ) -> list[Surroundings]:
        """Everything each decision looks at, as this transaction sees it. A
        stand-in customer is nobody's: nothing is read by customer for it."""
        linked = await self._linked(conn, [e.incident_id for e in events])
        reported = [e for e in events if not isinstance(e, IncidentResolved)]
        latest = await self._latest(
            conn, [e.incident_id for e in reported if e.incident_id not in linked]
        )
        keys = {(e.customer.id, e.service) for e in reported if e.customer_resolved}
        counts = await self._recent_counts(conn, keys, now) if self.rules.windows else {}
        resolved = await self._latest_resolved(conn, keys)
        found = []
        for event in events:
            link = linked.get(event.incident_id)
            if isinstance(event, IncidentResolved):
                known = Known(linked=link)
            else:
                key = (event.customer.id, event.service)
                last = latest.get(event.incident_id)
                known = Known(
                    linked=link,
                    recent_counts=counts.get(key, dict.fromkeys(self.rules.windows, 0))
                    if event.customer_resolved
                    else {},
                    latest_resolved=resolved.get(key) if event.customer_resolved else None,
                    withdrawn=last[0] if last and last[1] == "withdrawn" else None,
                )
            read = {link.id if link else None, known.latest_resolved}
            read.add(latest[event.incident_id][0] if event.incident_id in latest else None)
            found.append(Surroundings(known, frozenset(r for r in read if r is not None)))
        return found

    async def _linked(
        self, conn: AsyncConnection, incident_ids: Sequence[UUID]
    ) -> dict[UUID, LinkedEscalation]:
        links, board = self.tables.incident_links, self.tables.board
        # The board is written in the append's transaction: its status is current.
        rows = await conn.execute(
            select(links.c.incident_id, links.c.escalation_id, board.c.status)
            .select_from(links.outerjoin(board, board.c.escalation_id == links.c.escalation_id))
            .where(links.c.incident_id.in_(incident_ids), links.c.open)
        )
        return {row.incident_id: LinkedEscalation(row.escalation_id, row.status) for row in rows}

    async def _latest(
        self, conn: AsyncConnection, incident_ids: Sequence[UUID]
    ) -> dict[UUID, tuple[UUID, str]]:
        """Each incident's latest escalation and its status."""
        if not incident_ids:
            return {}
        links, board = self.tables.incident_links, self.tables.board
        rows = await conn.execute(
            select(links.c.incident_id, board.c.escalation_id, board.c.status, board.c.started_at)
            .select_from(links.join(board, board.c.escalation_id == links.c.escalation_id))
            .where(links.c.incident_id.in_(incident_ids))
        )
        return {
            row.incident_id: (row.escalation_id, row.status)
            for row in _latest_first(rows, lambda row: row.incident_id)
        }

    async def _latest_resolved(
        self, conn: AsyncConnection, keys: set[CustomerService]
    ) -> dict[CustomerService, UUID]:
        if not keys:
            return {}
        board = self.tables.board
        rows = await conn.execute(
            select(
                board.c.customer_id, board.c.service, board.c.escalation_id, board.c.started_at
            ).where(
                tuple_(board.c.customer_id, board.c.service).in_(sorted(keys)),
                board.c.status.in_(sorted(RESOLVED_STAGES)),
            )
        )
        return {
            (row.customer_id, row.service): row.escalation_id
            for row in _latest_first(rows, lambda row: (row.customer_id, row.service))
        }

    async def _recent_counts(
        self, conn: AsyncConnection, keys: set[CustomerService], now: datetime
    ) -> dict[CustomerService, dict[timedelta, int]]:
        if not keys:
            return {}
        table = self.tables.incidents
        windows = self.rules.windows
        in_window = [
            func.sum(case((table.c.first_seen_at >= now - window, 1), else_=0))
            for window in windows
        ]
        rows = await conn.execute(
            select(table.c.customer_id, table.c.service, *in_window)
            .where(
                tuple_(table.c.customer_id, table.c.service).in_(sorted(keys)),
                table.c.first_seen_at >= now - max(windows),
                # Incidents with a stand-in customer count for no one
                # (older facts, without the flag, were resolved).
                func.coalesce(table.c.facts["customer_resolved"].as_boolean(), true()),
            )
            .group_by(table.c.customer_id, table.c.service)
        )
        return {
            (row[0], row[1]): {w: int(n or 0) for w, n in zip(windows, row[2:], strict=True)}
            for row in rows
        }


def _latest_first(rows: Iterable[Any], key: Any) -> list[Any]:
    """Of the rows sharing a key, the most recently started; ties keep the first."""
    chosen: dict[Any, Any] = {}
    for row in rows:
        known = chosen.get(key(row))
        if known is None or row.started_at > known.started_at:
            chosen[key(row)] = row
    return list(chosen.values())
