"""Turning consumed escalation events into pending deliveries, in one
transaction with the audiences they update and the inbox rows that make a
re-delivered message a no-op."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_events import Envelope
from ec_events.base import Event
from ec_events.escalations import EscalationEvent
from ec_notifier.domain.audience import Audience, evolve
from ec_notifier.domain.connections import NO_CONNECTIONS, Connections
from ec_notifier.domain.routing import (
    EMAIL,
    LOG,
    SUBSCRIPTION,
    WEBHOOK,
    Routing,
    Target,
    targets_for,
)
from ec_notifier.domain.suspension import HELD
from ec_notifier.domain.templates import render
from ec_notifier.domain.writeback import writebacks_for
from ec_notifier.store.tables import Tables
from ec_platform.observability.tracing import current_trace_context, trace_context_values
from ec_platform.storage.database import Database
from ec_platform.storage.inbox import first_deliveries
from ec_platform.storage.upsert import upsert

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
    # Scheme, address and port; never the credentials a URL may carry, as the
    # host is shown in metrics and on the dispatcher's page.
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}".lower()


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
        """As record, for several events in one transaction (a consumed batch):
        one statement per kind of read or write for the whole batch, the
        events folded in arrival order."""
        relevant = [
            (n, envelope, event)
            for n, (envelope, event) in enumerate(received)
            if isinstance(event, EscalationEvent)
        ]
        if not relevant:
            return 0
        async with self.db.transaction() as conn:
            todo = await self._first_time(conn, relevant)
            if not todo:
                return 0
            audiences = await self._audiences(
                conn, {str(event.escalation_id) for *_, event in todo}
            )
            subscriptions, suspended = await self._subscriptions(conn)
            stored = set(audiences)
            changed: set[str] = set()
            deliveries: list[dict[str, Any]] = []
            cloudevents: list[dict[str, Any]] = []
            for n, envelope, event in todo:
                # A microsecond apart, so the log lists one batch in arrival order;
                # all due now: a later event's deliveries wait for nothing.
                at = now + timedelta(microseconds=n)
                escalation_id = str(event.escalation_id)
                before = audiences.get(escalation_id) or Audience(escalation_id)
                after = evolve(before, event)
                targets = targets_for(self.routing, before, after, event)
                targets += [t for t, types in subscriptions if not types or envelope.type in types]
                rows = self._rows(envelope, event, after, targets, recorded_at=at, due_at=now)
                deliveries += _held_back(rows, suspended)
                if any(t.channel in CARRIES_CLOUDEVENT for t in targets):
                    cloudevents.append(
                        {
                            "event_id": uuid.UUID(envelope.id),
                            "cloudevent": envelope.to_structured(),
                            "created_at": at,
                        }
                    )
                if after != before or escalation_id not in stored:
                    changed.add(escalation_id)
                audiences[escalation_id] = after
            await self._write(
                conn, deliveries, cloudevents, [audiences[e] for e in sorted(changed)], now
            )
        return len(deliveries)

    async def _first_time(
        self, conn: AsyncConnection, received: list[tuple[int, Envelope, EscalationEvent]]
    ) -> list[tuple[int, Envelope, EscalationEvent]]:
        """The events not handled before, recorded in the inbox as handled now."""
        fresh = await first_deliveries(
            conn,
            self.tables.inbox,
            consumer=CONSUMER,
            message_ids=[envelope.id for _, envelope, _ in received],
        )
        todo = []
        for n, envelope, event in received:
            if envelope.id in fresh:
                fresh.discard(envelope.id)  # a message twice in one batch counts once
                todo.append((n, envelope, event))
        return todo

    async def _write(
        self,
        conn: AsyncConnection,
        deliveries: list[dict[str, Any]],
        cloudevents: list[dict[str, Any]],
        audiences: list[Audience],
        now: datetime,
    ) -> None:
        if deliveries:
            await conn.execute(insert(self.tables.deliveries), deliveries)
        if cloudevents:
            await conn.execute(insert(self.tables.events), cloudevents)
        if audiences:
            await self._save(conn, audiences, now)

    def _rows(
        self,
        envelope: Envelope,
        event: EscalationEvent,
        after: Audience,
        targets: list[Target],
        *,
        recorded_at: datetime,
        due_at: datetime,
    ) -> list[dict[str, Any]]:
        """The deliveries one event calls for: its audience's, its subscribers',
        and the write-backs to the ITSM platforms."""
        text = render(event, after)
        common = {
            "event_id": uuid.UUID(envelope.id),
            "event_type": envelope.type,
            "escalation_id": event.escalation_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": due_at,
            "created_at": recorded_at,
            "updated_at": recorded_at,
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
        return rows

    async def _audiences(
        self, conn: AsyncConnection, escalation_ids: set[str]
    ) -> dict[str, Audience]:
        """The stored audiences of these escalations, locked (in id order, so
        two consumers racing through a rebalance take them in turn)."""
        table = self.tables.audiences
        query = (
            select(table.c.audience)
            .where(table.c.escalation_id.in_([uuid.UUID(e) for e in escalation_ids]))
            .order_by(table.c.escalation_id)
            .with_for_update()
        )
        found = [Audience.from_json(row) for row in (await conn.execute(query)).scalars()]
        return {audience.escalation_id: audience for audience in found}

    async def _save(self, conn: AsyncConnection, audiences: list[Audience], now: datetime) -> None:
        await conn.execute(
            upsert(conn, self.tables.audiences),
            [
                {
                    "escalation_id": uuid.UUID(a.escalation_id),
                    "audience": a.to_json(),
                    "updated_at": now,
                }
                for a in audiences
            ],
        )

    async def _subscriptions(
        self, conn: AsyncConnection
    ) -> tuple[list[tuple[Target, list[str]]], set[uuid.UUID]]:
        """Every subscription, as a target, with the event types it asks for
        (none: all); and the ids of those suspended."""
        table = self.tables.subscriptions
        rows = list(
            await conn.execute(
                select(table.c.id, table.c.url, table.c.event_types, table.c.suspended_at)
            )
        )
        suspended = {row.id for row in rows if row.suspended_at is not None}
        return [
            (
                Target(
                    SUBSCRIPTION, str(row.id), f"subscription {row.url}", "subscription", row.url
                ),
                list(row.event_types or []),
            )
            for row in rows
        ], suspended


def _held_back(rows: list[dict[str, Any]], suspended: set[uuid.UUID]) -> list[dict[str, Any]]:
    """A suspended subscription's deliveries are recorded held: not attempted
    until it is resumed."""
    for row in rows:
        if row["subscription_id"] in suspended:
            row["status"] = HELD
    return rows
