"""Recording deliveries when an event arrives, and sending what is due."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from ec_events import Envelope
from ec_events.base import Event
from ec_notifier.routing import LOG_CHANNEL, notices_for
from ec_notifier.tables import Tables
from ec_platform.clock import Clock
from ec_platform.database import Database
from ec_platform.inbox import first_delivery

log = logging.getLogger("ec_notifier.log_channel")
CONSUMER = "escalations"


class DeliveryLog:
    def __init__(self, db: Database, tables: Tables, clock: Clock) -> None:
        self.db = db
        self.tables = tables
        self.clock = clock

    async def record(self, envelope: Envelope, event: Event) -> int:
        """Records one pending delivery per notice, once per event."""
        notices = notices_for(event)
        now = self.clock()
        async with self.db.transaction() as conn:
            if not await first_delivery(
                conn, self.tables.inbox, consumer=CONSUMER, message_id=envelope.id
            ):
                return 0
            if notices:
                await conn.execute(
                    insert(self.tables.deliveries),
                    [
                        {
                            "id": uuid.uuid4(),
                            "event_id": uuid.UUID(envelope.id),
                            "event_type": envelope.type,
                            "escalation_id": uuid.UUID(envelope.subject),
                            "channel": n.channel,
                            "recipient": n.recipient,
                            "subject": n.subject,
                            "body": n.body,
                            "status": "pending",
                            "attempts": 0,
                            "next_attempt_at": now,
                            "created_at": now,
                            "updated_at": now,
                        }
                        for n in notices
                    ],
                )
        return len(notices)

    async def send_due(self, *, limit: int = 100) -> int:
        table = self.tables.deliveries
        now = self.clock()
        async with self.db.read() as conn:
            due = [
                dict(row._mapping)
                for row in await conn.execute(
                    select(table)
                    .where(table.c.status == "pending", table.c.next_attempt_at <= now)
                    .order_by(table.c.next_attempt_at)
                    .limit(limit)
                )
            ]
        for delivery in due:
            await self._send(delivery, now)
        return len(due)

    async def _send(self, delivery: dict[str, Any], now: datetime) -> None:
        if delivery["channel"] == LOG_CHANNEL:
            log.info("to %s: %s", delivery["recipient"], delivery["subject"])
        table = self.tables.deliveries
        async with self.db.transaction() as conn:
            await conn.execute(
                update(table)
                .where(table.c.id == delivery["id"])
                .values(
                    status="delivered",
                    attempts=table.c.attempts + 1,
                    delivered_at=now,
                    updated_at=now,
                )
            )
