"""The incident consumer's adapter: remembers the incident, reads what the
decision needs in the message's transaction, and runs the command it names
(incident_decision holds the rule)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.criteria import RuleSet
from ec_escalation.handlers import Cause, Escalations
from ec_escalation.incident_decision import (
    RESOLVED_STAGES,
    Decision,
    Known,
    LinkedEscalation,
    decide_for_incident,
)
from ec_escalation.store import Recorded
from ec_escalation.tables import Tables
from ec_events import Envelope
from ec_events.base import Event
from ec_events.incidents import IncidentFacts, IncidentResolved
from ec_platform.clock import Clock
from ec_platform.upsert import insert_on_conflict

CONSUMER = "incidents"


class IncidentPolicy:
    def __init__(self, escalations: Escalations, rules: RuleSet, clock: Clock) -> None:
        self.escalations = escalations
        self.rules = rules
        self.clock = clock
        self.tables: Tables = escalations.store.tables

    async def handle(self, envelope: Envelope, event: Event) -> Recorded | None:
        if not isinstance(event, IncidentFacts):
            return None

        async def choose(conn: AsyncConnection) -> Decision:
            now = self.clock()
            await self._remember(conn, event, now)
            if isinstance(event, IncidentResolved):
                return None
            known = await self.read(conn, event, now)
            return decide_for_incident(event, known, rules=self.rules, message_id=envelope.id)

        return await self.escalations.handle_message(Cause(envelope, CONSUMER), choose)

    async def read(self, conn: AsyncConnection, event: IncidentFacts, now: datetime) -> Known:
        """Everything the decision looks at, as this transaction sees it."""
        return Known(
            linked=await self._linked(conn, event),
            recent_counts=await self._recent_counts(conn, event, now),
            latest_resolved=await self._latest_resolved(conn, event),
        )

    async def _linked(self, conn: AsyncConnection, event: IncidentFacts) -> LinkedEscalation | None:
        links, board = self.tables.incident_links, self.tables.board
        # The board is written in the append's transaction: its status is current.
        row = (
            await conn.execute(
                select(links.c.escalation_id, board.c.status)
                .select_from(links.outerjoin(board, board.c.escalation_id == links.c.escalation_id))
                .where(links.c.incident_id == event.incident_id, links.c.open)
            )
        ).first()
        return None if row is None else LinkedEscalation(row.escalation_id, row.status)

    async def _latest_resolved(self, conn: AsyncConnection, event: IncidentFacts) -> UUID | None:
        board = self.tables.board
        return await conn.scalar(
            select(board.c.escalation_id)
            .where(
                board.c.customer_id == event.customer.id,
                board.c.service == event.service,
                board.c.status.in_(sorted(RESOLVED_STAGES)),
            )
            .order_by(board.c.started_at.desc())
            .limit(1)
        )

    async def _remember(self, conn: AsyncConnection, event: IncidentFacts, now: datetime) -> None:
        table = self.tables.incidents
        statement = insert_on_conflict(conn, table).values(
            incident_id=event.incident_id,
            customer_id=event.customer.id,
            service=event.service,
            facts=event.model_dump(mode="json"),
            first_seen_at=now,
            last_seen_at=now,
        )
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.incident_id],
                set_={
                    "facts": statement.excluded.facts,
                    "customer_id": statement.excluded.customer_id,
                    "service": statement.excluded.service,
                    "last_seen_at": statement.excluded.last_seen_at,
                },
            )
        )

    async def _recent_counts(
        self, conn: AsyncConnection, event: IncidentFacts, now: datetime
    ) -> dict[timedelta, int]:
        table = self.tables.incidents
        counts: dict[timedelta, int] = {}
        for window in self.rules.windows:
            counts[window] = int(
                await conn.scalar(
                    select(func.count()).where(
                        table.c.customer_id == event.customer.id,
                        table.c.service == event.service,
                        table.c.first_seen_at >= now - window,
                    )
                )
                or 0
            )
        return counts
