"""Subscriptions of other systems to escalation events: signed webhooks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select

from ec_notifier.signing import new_secret
from ec_notifier.tables import Tables
from ec_platform.database import Database
from ec_platform.pagination import PageRequest, TimeIdKeyset


@dataclass(frozen=True)
class Subscription:
    id: uuid.UUID
    url: str
    event_types: tuple[str, ...] | None
    created_at: datetime
    created_by: str

    def view(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "url": self.url,
            "event_types": list(self.event_types) if self.event_types else None,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
        }


class Subscriptions:
    def __init__(self, db: Database, tables: Tables) -> None:
        self.db = db
        self.table = tables.subscriptions

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
        return [_subscription(row) for row in rows], following

    async def get(self, subscription_id: uuid.UUID) -> Subscription | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(self.table).where(self.table.c.id == subscription_id))
            ).first()
        return _subscription(dict(row._mapping)) if row else None

    async def delete(self, subscription_id: uuid.UUID) -> bool:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                delete(self.table).where(self.table.c.id == subscription_id)
            )
        return bool(result.rowcount)


def _subscription(row: dict[str, Any]) -> Subscription:
    return Subscription(
        id=row["id"],
        url=row["url"],
        event_types=tuple(row["event_types"]) if row["event_types"] else None,
        created_at=row["created_at"],
        created_by=row["created_by"],
    )
