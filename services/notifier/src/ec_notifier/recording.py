"""Turning one consumed escalation event into pending deliveries, in one
transaction with the audience it updates and the inbox row that makes a
re-delivered message a no-op."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_events import Envelope
from ec_events.base import Event
from ec_events.escalations import EscalationEvent
from ec_notifier.audience import Audience, evolve
from ec_notifier.connections import NO_CONNECTIONS, Connections
from ec_notifier.routing import EMAIL, LOG, SUBSCRIPTION, WEBHOOK, Routing, Target, targets_for
from ec_notifier.tables import Tables
from ec_notifier.templates import render
from ec_notifier.writeback import writebacks_for
from ec_platform.database import Database
from ec_platform.inbox import first_delivery
from ec_platform.tracing import current_trace_context, trace_context_values
from ec_platform.upsert import insert_on_conflict

CONSUMER = "escalations"
DELIVERY_IDS = uuid.UUID("5b0f3c1e-2f7e-4c57-9a43-6f0d8a1e0c11")
CARRIES_CLOUDEVENT = frozenset({WEBHOOK, SUBSCRIPTION})


def delivery_id(event_id: str, channel: str, recipient: str) -> uuid.UUID:
    return uuid.uuid5(DELIVERY_IDS, f"{event_id}\n{channel}\n{recipient}")


def host_of(channel: str, address: str) -> str:
    """The key per-host limits and circuits count by."""
    if channel == EMAIL:
        return "smtp"
    if channel == LOG:
        return "log"
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.netloc}".lower()


class Recorder:
    def __init__(
        self,
        db: Database,
        tables: Tables,
        routing: Routing,
        connections: Connections = NO_CONNECTIONS,
        *,
        console_url: str = "",
    ) -> None:
        self.db = db
        self.tables = tables
        self.routing = routing
        self.connections = connections
        self.console_url = console_url

    async def record(self, envelope: Envelope, event: Event, *, now: datetime) -> int:
        """Records the deliveries `event` calls for, once per event; their count."""
        return await self.record_all([(envelope, event)], now=now)

    async def record_all(self, received: Sequence[tuple[Envelope, Event]], *, now: datetime) -> int:
        """As record, for several events in one transaction (a consumed batch)."""
        async with self.db.transaction() as conn:
            # A microsecond apart, so the log lists one batch in arrival order.
            counts = [
                await self._record(conn, e, event, now + timedelta(microseconds=n))
                for n, (e, event) in enumerate(received)
            ]
        return sum(counts)

    async def _record(
        self, conn: AsyncConnection, envelope: Envelope, event: Event, now: datetime
    ) -> int:
        if not isinstance(event, EscalationEvent):
            return 0
        if not await first_delivery(
            conn, self.tables.inbox, consumer=CONSUMER, message_id=envelope.id
        ):
            return 0
        stored, before = await self._audience(conn, str(event.escalation_id))
        after = evolve(before, event)
        targets = targets_for(self.routing, before, after, event)
        targets += await self._subscribers(conn, envelope.type)
        text = render(event, after)
        common = {
            "event_id": uuid.UUID(envelope.id),
            "event_type": envelope.type,
            "escalation_id": event.escalation_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
            # The consumed event's trace, for the attempts to continue.
            **trace_context_values(current_trace_context()),
        }
        rows = [
            {
                **common,
                "id": delivery_id(envelope.id, t.channel, t.recipient),
                "channel": t.channel,
                "recipient": t.recipient,
                "recipient_name": t.name[:200],
                "role": t.role[:200],
                "subscription_id": uuid.UUID(t.recipient) if t.channel == SUBSCRIPTION else None,
                "host": host_of(t.channel, t.host_address),
                "subject": text.subject[:1000],
                "body": text.body,
            }
            for t in targets
        ]
        writebacks = writebacks_for(self.connections, after, event, console_url=self.console_url)
        rows += [
            {
                **common,
                "id": delivery_id(envelope.id, w.channel, w.recipient),
                "channel": w.channel,
                "recipient": w.recipient,
                "recipient_name": w.name[:200],
                "role": "ITSM platform",
                "subscription_id": None,
                "host": host_of(w.channel, w.base_url),
                "subject": w.subject[:1000],
                "body": w.body,
            }
            for w in writebacks
        ]
        if rows:
            await conn.execute(insert(self.tables.deliveries), rows)
        if any(t.channel in CARRIES_CLOUDEVENT for t in targets):
            await conn.execute(
                insert(self.tables.events).values(
                    event_id=uuid.UUID(envelope.id),
                    cloudevent=envelope.to_structured(),
                    created_at=now,
                )
            )
        if after != before or not stored:
            await self._save(conn, after, now)
        return len(rows)

    async def _audience(self, conn: AsyncConnection, escalation_id: str) -> tuple[bool, Audience]:
        """Whether it is stored yet, and the audience as it stands."""
        table = self.tables.audiences
        # Locked: two consumers racing through a rebalance update it in turn.
        query = select(table.c.audience).where(table.c.escalation_id == uuid.UUID(escalation_id))
        stored = (await conn.execute(query.with_for_update())).scalar_one_or_none()
        if stored is None:
            return False, Audience(escalation_id)
        return True, Audience.from_json(stored)

    async def _save(self, conn: AsyncConnection, audience: Audience, now: datetime) -> None:
        values = {
            "escalation_id": uuid.UUID(audience.escalation_id),
            "audience": audience.to_json(),
            "updated_at": now,
        }
        statement = insert_on_conflict(conn, self.tables.audiences).values(values)
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=["escalation_id"],
                set_={"audience": values["audience"], "updated_at": now},
            )
        )

    async def _subscribers(self, conn: AsyncConnection, event_type: str) -> Sequence[Target]:
        table = self.tables.subscriptions
        rows = await conn.execute(select(table.c.id, table.c.url, table.c.event_types))
        return [
            Target(SUBSCRIPTION, str(row.id), f"subscription {row.url}", "subscription", row.url)
            for row in rows
            if not row.event_types or event_type in row.event_types
        ]
