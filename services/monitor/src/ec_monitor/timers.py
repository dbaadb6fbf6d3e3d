"""The durable timers: set from escalation events, listed for operators."""

from __future__ import annotations

import uuid

from sqlalchemy import insert

from ec_events import Envelope
from ec_events.base import Event
from ec_monitor.policy import RaisePolicy, timers_for
from ec_monitor.tables import Tables
from ec_platform.clock import Clock
from ec_platform.database import Database
from ec_platform.inbox import first_delivery

CONSUMER = "escalations"


class TimerBook:
    def __init__(self, db: Database, tables: Tables, policy: RaisePolicy, clock: Clock) -> None:
        self.db = db
        self.tables = tables
        self.policy = policy
        self.clock = clock

    async def observe(self, envelope: Envelope, event: Event) -> int:
        """Sets the timers an event asks for, once per event."""
        requests = timers_for(event, self.policy)
        now = self.clock()
        async with self.db.transaction() as conn:
            if not await first_delivery(
                conn, self.tables.inbox, consumer=CONSUMER, message_id=envelope.id
            ):
                return 0
            if requests:
                await conn.execute(
                    insert(self.tables.timers),
                    [
                        {
                            "id": uuid.uuid4(),
                            "escalation_id": r.escalation_id,
                            "kind": r.kind,
                            "status": "pending",
                            "due_at": r.due_at,
                            "level": r.level,
                            "round": r.round,
                            "source_event_id": uuid.UUID(envelope.id),
                            "created_at": now,
                        }
                        for r in requests
                    ],
                )
        return len(requests)
