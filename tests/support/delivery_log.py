"""The notifier's delivery log opened on its own (no service around it), for
tests of the claims and the dispatcher; and due deliveries written straight
into it, as the recorder would have written them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from ec_notifier.domain.policy import RetryPolicy
from ec_notifier.store.claims import Claims
from ec_notifier.store.migrations import history
from ec_notifier.store.suspensions import SubscriptionHealth
from ec_notifier.store.tables import SCHEMA, define_tables
from ec_platform.http.metrics import Metrics
from ec_platform.storage.database import Database
from ec_platform.storage.migrations import migrate


@asynccontextmanager
async def delivery_log(url: str, *, lease: timedelta) -> AsyncIterator[Claims]:
    db = Database.open(url, schema=SCHEMA)
    try:
        await migrate(db, history())
        tables = define_tables()
        health = SubscriptionHealth(db, tables, Metrics(), suspend_after=timedelta(days=1))
        yield Claims(db, tables, RetryPolicy(), lease=lease, health=health)
    finally:
        await db.engine.dispose()


def due_delivery(host: str, due_at: datetime, **overrides: Any) -> dict[str, Any]:
    """A pending delivery to `host`, due at `due_at`: email for `smtp`, else a
    subscription's."""
    return {
        "id": uuid.uuid4(),
        "event_id": uuid.uuid4(),
        "event_type": "ProgressReported",
        "escalation_id": uuid.uuid4(),
        "channel": "email" if host == "smtp" else "subscription",
        "recipient": f"{uuid.uuid4()}@{host}",
        "recipient_name": "",
        "role": "subscriber",
        "host": host,
        "subject": "",
        "body": "",
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": due_at,
        "created_at": due_at,
        "updated_at": due_at,
        **overrides,
    }


async def write_due(claims: Claims, rows: list[dict[str, Any]]) -> None:
    async with claims.db.transaction() as conn:
        await conn.execute(insert(claims.tables.deliveries), rows)
