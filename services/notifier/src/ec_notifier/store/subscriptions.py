"""Subscriptions of other systems to escalation events: signed webhooks, each
active or suspended (its receiver gone: see domain/suspension.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_notifier.domain.signing import new_secret
from ec_notifier.domain.suspension import HELD, PENDING, Standing, resumed
from ec_notifier.store.tables import Tables
from ec_platform.http.pagination import PageRequest, TimeIdKeyset
from ec_platform.storage.database import Database

# What a deleted subscription's deliveries not yet made end with (the
# dispatcher says the same of a pending one it finds without its subscription).
DELETED = "the subscription was deleted"


class NoSuchSubscription(Exception):
    pass


@dataclass(frozen=True)
class Subscription:
    id: uuid.UUID
    url: str
    event_types: tuple[str, ...] | None
    created_at: datetime
    created_by: str
    standing: Standing = field(default_factory=Standing)
    held_deliveries: int = 0

    def view(self) -> dict[str, Any]:
        standing = self.standing
        return {
            "id": str(self.id),
            "url": self.url,
            "event_types": list(self.event_types) if self.event_types else None,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "status": standing.status,
            "failing_since": _time(standing.failing_since),
            "suspended_at": _time(standing.suspended_at),
            "suspended_reason": standing.suspended_reason,
            "held_deliveries": self.held_deliveries,
        }


@dataclass(frozen=True)
class Resumed:
    subscription_id: uuid.UUID
    # Held ones, and the ones that ended failed since its failures began.
    requeued: int


class Subscriptions:
    def __init__(self, db: Database, tables: Tables) -> None:
        self.db = db
        self.table = tables.subscriptions
        self.deliveries = tables.deliveries

    async def create(
        self, *, url: str, event_types: list[str] | None, by: str, now: datetime
    ) -> tuple[Subscription, str]:
        """The new subscription and its secret (the one time it is told)."""
        subscription = Subscription(
            id=uuid.uuid4(),
            url=url,
            event_types=tuple(event_types) if event_types else None,
            created_at=now,
            created_by=by,
        )
        secret = new_secret()
        async with self.db.transaction() as conn:
            await conn.execute(
                insert(self.table).values(
                    id=subscription.id,
                    url=url,
                    secret=secret,
                    event_types=list(event_types) if event_types else None,
                    created_at=now,
                    created_by=by,
                )
            )
        return subscription, secret

    async def page(self, paging: PageRequest) -> tuple[list[Subscription], str | None]:
        keyset = TimeIdKeyset(self.table.c.created_at, self.table.c.id, "created_at", "id")
        rows, following = await keyset.fetch(self.db, select(self.table), paging)
        async with self.db.read() as conn:
            held = await self._held(conn, [row["id"] for row in rows])
        return [_subscription(row, held.get(row["id"], 0)) for row in rows], following

    async def get(self, subscription_id: uuid.UUID) -> Subscription | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(self.table).where(self.table.c.id == subscription_id))
            ).first()
            if row is None:
                return None
            held = await self._held(conn, [subscription_id])
        return _subscription(dict(row._mapping), held.get(subscription_id, 0))

    async def _held(
        self, conn: AsyncConnection, subscription_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        if not subscription_ids:
            return {}
        d = self.deliveries
        rows = await conn.execute(
            select(d.c.subscription_id, func.count())
            .where(d.c.subscription_id.in_(subscription_ids), d.c.status == HELD)
            .group_by(d.c.subscription_id)
        )
        return {subscription_id: count for subscription_id, count in rows}

    async def resume(self, subscription_id: uuid.UUID, *, now: datetime) -> Resumed:
        """Active again, and everything it missed queued to be sent now with a
        fresh set of attempts: its held deliveries, and those that ended
        failed since its failures began. Raises NoSuchSubscription, or
        NotSuspended when it is active."""
        s, d = self.table, self.deliveries
        async with self.db.transaction() as conn:
            row = (
                await conn.execute(
                    select(s.c.failing_since, s.c.suspended_at, s.c.suspended_reason)
                    .where(s.c.id == subscription_id)
                    .with_for_update()
                )
            ).first()
            if row is None:
                raise NoSuchSubscription(str(subscription_id))
            before = Standing(row.failing_since, row.suspended_at, row.suspended_reason)
            after = resumed(before)
            missed = d.c.status == HELD
            if before.failing_since is not None:
                missed = or_(
                    missed, and_(d.c.status == "failed", d.c.updated_at >= before.failing_since)
                )
            requeued = await conn.execute(
                update(d)
                .where(d.c.subscription_id == subscription_id, missed)
                .values(
                    status=PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    updated_at=now,
                    claim_token=None,
                )
            )
            await conn.execute(
                update(s)
                .where(s.c.id == subscription_id)
                .values(
                    failing_since=after.failing_since,
                    suspended_at=after.suspended_at,
                    suspended_reason=after.suspended_reason,
                )
            )
        return Resumed(subscription_id, requeued.rowcount or 0)

    async def delete(self, subscription_id: uuid.UUID, *, now: datetime) -> bool:
        """Gone; its held deliveries fail as its pending ones will."""
        async with self.db.transaction() as conn:
            result = await conn.execute(
                delete(self.table).where(self.table.c.id == subscription_id)
            )
            if result.rowcount:
                d = self.deliveries
                await conn.execute(
                    update(d)
                    .where(d.c.subscription_id == subscription_id, d.c.status == HELD)
                    .values(status="failed", last_error=DELETED, updated_at=now)
                )
        return bool(result.rowcount)


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _subscription(row: dict[str, Any], held_deliveries: int) -> Subscription:
    return Subscription(
        id=row["id"],
        url=row["url"],
        event_types=tuple(row["event_types"]) if row["event_types"] else None,
        created_at=row["created_at"],
        created_by=row["created_by"],
        standing=Standing(row["failing_since"], row["suspended_at"], row["suspended_reason"]),
        held_deliveries=held_deliveries,
    )
