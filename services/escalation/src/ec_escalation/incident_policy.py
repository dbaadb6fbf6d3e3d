"""What incident events mean here: start an escalation, reopen one that is in
monitoring, or nothing. One incident never has two open escalations."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.commands import Command, ReportRecurrence, StartEscalation
from ec_escalation.criteria import RuleSet
from ec_escalation.handlers import Cause, Escalations
from ec_escalation.store import Recorded
from ec_escalation.tables import Tables
from ec_events import Envelope
from ec_events.base import Event
from ec_events.incidents import RESOLVED_STATUSES, IncidentFacts, IncidentResolved, IncidentUpdated
from ec_platform.clock import Clock
from ec_platform.upsert import insert_on_conflict

CONSUMER = "incidents"
# Fixed forever: an automatic escalation's id derives from the incident event
# that started it, so a re-delivered event can only ever start the same one.
ESCALATION_NAMESPACE = uuid.UUID("0b7e0b84-8a53-4a8e-9d0f-3c9d8f1f6a10")
RESOLVED_STAGES = ("monitoring", "monitoring_passed")


class IncidentPolicy:
    def __init__(self, escalations: Escalations, rules: RuleSet, clock: Clock) -> None:
        self.escalations = escalations
        self.rules = rules
        self.clock = clock
        self.tables: Tables = escalations.store.tables

    async def handle(self, envelope: Envelope, event: Event) -> Recorded | None:
        if not isinstance(event, IncidentFacts):
            return None

        async def choose(conn: AsyncConnection) -> tuple[UUID, Command] | None:
            now = self.clock()
            await self._remember(conn, event, now)
            if isinstance(event, IncidentResolved):
                return None
            return await self._command_for(conn, event, envelope, now)

        return await self.escalations.handle_message(Cause(envelope, CONSUMER), choose)

    async def _command_for(
        self, conn: AsyncConnection, event: IncidentFacts, envelope: Envelope, now: datetime
    ) -> tuple[UUID, Command] | None:
        links = self.tables.incident_links
        linked = await conn.scalar(
            select(links.c.escalation_id).where(
                links.c.incident_id == event.incident_id, links.c.open
            )
        )
        if linked is not None:
            return await self._reopened_by_platform(conn, linked, event)
        fired = self.rules.fired_by(event, await self._recent_counts(conn, event, now))
        if not fired:
            return None
        board = self.tables.board
        resolved = await conn.scalar(
            select(board.c.escalation_id)
            .where(
                board.c.customer_id == event.customer.id,
                board.c.service == event.service,
                board.c.status.in_(RESOLVED_STAGES),
            )
            .order_by(board.c.started_at.desc())
            .limit(1)
        )
        if resolved is not None:
            # The problem came back: the escalation it belongs to reopens.
            note = f"new matching incident {event.source}/{event.external_id}: {event.title}"
            return resolved, ReportRecurrence(note=note, incident_id=event.incident_id)
        start = StartEscalation(
            trigger="automatic",
            reason="escalation criteria met: " + ", ".join(fired),
            title=event.title,
            incident_ids=(event.incident_id,),
            priority=event.priority,
            customer=event.customer,
            service=event.service,
            criteria=fired,
            criteria_version=self.rules.version,
        )
        return uuid.uuid5(ESCALATION_NAMESPACE, envelope.id), start

    async def _reopened_by_platform(
        self, conn: AsyncConnection, escalation_id: UUID, event: IncidentFacts
    ) -> tuple[UUID, Command] | None:
        reopened = (
            isinstance(event, IncidentUpdated)
            and "status" in event.changed
            and event.status not in RESOLVED_STATUSES
        )
        if not reopened:
            return None
        state = await self.escalations.store.load(conn, escalation_id)
        if state is None or state.status not in RESOLVED_STAGES:
            return None
        note = f"incident {event.source}/{event.external_id} reopened ({event.status})"
        return escalation_id, ReportRecurrence(note=note, incident_id=event.incident_id)

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
        for rule in self.rules.rules:
            window = rule.when.repeated.within if rule.when.repeated else None
            if window is None or window in counts:
                continue
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
