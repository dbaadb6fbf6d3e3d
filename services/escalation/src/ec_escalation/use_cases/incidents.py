"""The incident consumer's adapter: remembers the incidents, reads what the
decisions need in the messages' transaction, keeps each decision and why, and
runs the commands they name (incident_decision holds the rule).

What one poll returns is handled in one transaction, in rounds: a round takes
the next messages that share no incident (nor, when the rules count repeats,
customer and service) with an earlier one still waiting, remembers them and
reads their surroundings in one statement each, then decides them in order. A
message whose reading a command of the same round made stale (it read an
escalation that command changed) waits for the next round, and so does every
later message of its incident: each decision sees what it would have seen
one message at a time."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.domain.commands import Command
from ec_escalation.domain.criteria import RuleSet
from ec_escalation.domain.incident_decision import Known, Verdict, decide_for_incident
from ec_escalation.store.event_store import Recorded
from ec_escalation.store.incident_reads import IncidentReads
from ec_escalation.store.tables import Tables
from ec_escalation.use_cases.escalations import Cause, Escalations
from ec_events import Envelope
from ec_events.base import Event
from ec_events.incidents import IncidentFacts
from ec_platform.clock import Clock
from ec_platform.storage.inbox import first_deliveries
from ec_platform.storage.retry import retry_on_conflict

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


@dataclass(frozen=True)
class _Message:
    index: int  # its place in what arrived together
    envelope: Envelope
    event: IncidentFacts


class IncidentPolicy:
    def __init__(self, escalations: Escalations, rules: RuleSet, clock: Clock) -> None:
        self.escalations = escalations
        self.rules = rules
        self.clock = clock
        self.tables: Tables = escalations.store.tables
        self.reads = IncidentReads(self.tables, rules)

    async def handle(self, envelope: Envelope, event: Event) -> Recorded | None:
        [recorded] = await self.handle_all([(envelope, event)])
        return recorded

    async def handle_all(self, received: Sequence[tuple[Envelope, Event]]) -> list[Recorded | None]:
        """Each message's effect (what its command recorded, None for none or
        for a message handled before), all committed in one transaction with
        the messages' ids, so a re-delivered batch changes nothing."""

        async def attempt() -> list[Recorded | None]:
            async with self.escalations.store.db.transaction() as conn:
                return await self._handle_in(conn, received)

        outcomes = await retry_on_conflict(attempt)
        for recorded in outcomes:
            self.escalations.committed(recorded)
        return outcomes

    async def read(self, conn: AsyncConnection, event: IncidentFacts, now: datetime) -> Known:
        """Everything the decision on `event` looks at, as this transaction sees it."""
        [found] = await self.reads.surroundings(conn, [event], now)
        return found.known

    async def _handle_in(
        self, conn: AsyncConnection, received: Sequence[tuple[Envelope, Event]]
    ) -> list[Recorded | None]:
        facts = [
            _Message(n, envelope, event)
            for n, (envelope, event) in enumerate(received)
            if isinstance(event, IncidentFacts)
        ]
        fresh = await first_deliveries(
            conn,
            self.tables.inbox,
            consumer=CONSUMER,
            message_ids=[m.envelope.id for m in facts],
        )
        waiting = []
        for message in facts:  # a message given twice counts once
            if message.envelope.id in fresh:
                fresh.discard(message.envelope.id)
                waiting.append(message)
        outcomes: list[Recorded | None] = [None] * len(received)
        decisions: list[dict[str, Any]] = []
        now = self.clock()
        while waiting:
            waiting = await self._round(conn, waiting, now, outcomes, decisions)
        if decisions:
            await conn.execute(insert(self.tables.incident_decisions), decisions)
        return outcomes

    def _keys(self, event: IncidentFacts) -> set[object]:
        """What ties decisions together: the incident, and when the rules count
        repeats, the customer and service counted."""
        keys: set[object] = {event.incident_id}
        if self.rules.windows and event.customer_resolved:
            keys.add((event.customer.id, event.service))
        return keys

    def _next_round(self, waiting: list[_Message]) -> tuple[list[_Message], list[_Message]]:
        taken: list[_Message] = []
        later: list[_Message] = []
        seen: set[object] = set()
        for message in waiting:
            keys = self._keys(message.event)
            (later if keys & seen else taken).append(message)
            seen |= keys
        return taken, later

    async def _round(
        self,
        conn: AsyncConnection,
        waiting: list[_Message],
        now: datetime,
        outcomes: list[Recorded | None],
        decisions: list[dict[str, Any]],
    ) -> list[_Message]:
        """Decides what it can of `waiting`; returns what waits for the next round."""
        taken, later = self._next_round(waiting)
        events = [m.event for m in taken]
        await self.reads.remember(conn, events, now)
        found = await self.reads.surroundings(conn, events, now)
        changed: set[UUID] = set()
        held: set[object] = set()
        commands: list[tuple[_Message, UUID, Command]] = []
        for message, surroundings in zip(taken, found, strict=True):
            keys = self._keys(message.event)
            if keys & held or surroundings.escalations & changed:
                later.append(message)
                held |= keys
                continue
            verdict = decide_for_incident(
                message.event, surroundings.known, rules=self.rules, message_id=message.envelope.id
            )
            # A microsecond apart, so an incident's decisions list in order.
            decided_at = now + timedelta(microseconds=message.index)
            decisions.append(self._decision(message, verdict, decided_at))
            if verdict.chosen is not None:
                escalation_id, command = verdict.chosen
                commands.append((message, escalation_id, command))
                changed.add(escalation_id)
        # Each on another escalation (a second command on one waits a round).
        recorded = await self.escalations.execute_all_in(
            conn, [(e, command, Cause(m.envelope, CONSUMER)) for m, e, command in commands]
        )
        for (message, _, _), result in zip(commands, recorded, strict=True):
            outcomes[message.index] = result
        return sorted(later, key=lambda m: m.index)

    def _decision(self, message: _Message, verdict: Verdict, now: datetime) -> dict[str, Any]:
        event = message.event
        return {
            "id": uuid.uuid4(),
            "incident_id": event.incident_id,
            "message_id": message.envelope.id,
            "event_type": event.event_name(),
            "decided_at": now,
            "outcome": verdict.outcome,
            "escalation_id": verdict.escalation_id,
            "explanation": verdict.explanation,
            "criteria_version": self.rules.version,
            "rules": [
                {
                    "id": check.id,
                    "description": check.description,
                    "matched": check.matched,
                    "unmet": list(check.unmet),
                }
                for check in verdict.rules
            ],
            "facts": event.model_dump(mode="json", include=DECISION_FACTS),
        }
