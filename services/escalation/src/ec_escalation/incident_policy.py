"""The incident consumer's adapter: remembers the incident, reads what the
decision needs in the message's transaction, keeps the decision and why, and
runs the command it names (incident_decision holds the rule)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import func, insert, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.criteria import RuleSet
from ec_escalation.handlers import Cause, Escalations
from ec_escalation.incident_decision import (
    RESOLVED_STAGES,
    Decision,
    Known,
    LinkedEscalation,
    Verdict,
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
# What a decision record keeps of the incident: what the rules looked at.
DECISION_FACTS = {
    "source",
    "external_id",
    "status",
    "priority",
    "customer",
    "customer_resolved",
    "service",
    "sla_breached",
    "reopen_count",
    "customer_escalation_requested",
}


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
                known = Known(linked=await self._linked(conn, event))
            else:
                known = await self.read(conn, event, now)
            verdict = decide_for_incident(event, known, rules=self.rules, message_id=envelope.id)
            await self._record(conn, envelope, event, verdict, now)
            return verdict.chosen

        return await self.escalations.handle_message(Cause(envelope, CONSUMER), choose)

    async def read(self, conn: AsyncConnection, event: IncidentFacts, now: datetime) -> Known:
        """Everything the decision looks at, as this transaction sees it. A
        stand-in customer is nobody's: nothing is read by customer for it."""
        linked = await self._linked(conn, event)
        resolved = event.customer_resolved
        return Known(
            linked=linked,
            recent_counts=await self._recent_counts(conn, event, now) if resolved else {},
            latest_resolved=await self._latest_resolved(conn, event) if resolved else None,
            withdrawn=await self._withdrawn(conn, event) if linked is None else None,
        )

    async def _withdrawn(self, conn: AsyncConnection, event: IncidentFacts) -> UUID | None:
        links, board = self.tables.incident_links, self.tables.board
        latest = (
            await conn.execute(
                select(board.c.escalation_id, board.c.status)
                .select_from(links.join(board, board.c.escalation_id == links.c.escalation_id))
                .where(links.c.incident_id == event.incident_id)
                .order_by(board.c.started_at.desc())
                .limit(1)
            )
        ).first()
        return latest.escalation_id if latest and latest.status == "withdrawn" else None

    async def _record(
        self,
        conn: AsyncConnection,
        envelope: Envelope,
        event: IncidentFacts,
        verdict: Verdict,
        now: datetime,
    ) -> None:
        await conn.execute(
            insert(self.tables.incident_decisions).values(
                id=uuid.uuid4(),
                incident_id=event.incident_id,
                message_id=envelope.id,
                event_type=event.event_name(),
                decided_at=now,
                outcome=verdict.outcome,
                escalation_id=verdict.escalation_id,
                explanation=verdict.explanation,
                criteria_version=self.rules.version,
                rules=[
                    {
                        "id": check.id,
                        "description": check.description,
                        "matched": check.matched,
                        "unmet": list(check.unmet),
                    }
                    for check in verdict.rules
                ],
                facts=event.model_dump(mode="json", include=DECISION_FACTS),
            )
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
                        # Incidents with a stand-in customer count for no one
                        # (older facts, without the flag, were resolved).
                        func.coalesce(table.c.facts["customer_resolved"].as_boolean(), true()),
                    )
                )
                or 0
            )
        return counts
