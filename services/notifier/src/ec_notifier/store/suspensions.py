"""Subscriptions' health in the database: each batch of outcomes updates the
run of failures of the subscriptions it concerns, in the transaction that
records the outcomes, and suspends those failing for too long (see
domain/suspension.py for the rules); the admin is told in the log and the metrics."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_notifier.domain.suspension import (
    HELD,
    PENDING,
    Standing,
    after_attempts,
    attempts_by_subscription,
    newly_suspended,
)
from ec_notifier.store.tables import Tables
from ec_platform.http.metrics import Metrics
from ec_platform.storage.database import Database

# The name operators filter on (the README names it), kept whatever the module.
log = logging.getLogger("ec_notifier.suspensions")


@dataclass(frozen=True)
class Suspended:
    """A subscription suspended just now, for telling the admin."""

    id: uuid.UUID
    url: str
    reason: str


class SubscriptionHealth:
    def __init__(
        self, db: Database, tables: Tables, metrics: Metrics, *, suspend_after: timedelta
    ) -> None:
        self.db = db
        self.tables = tables
        self.suspend_after = suspend_after
        self._suspended_total = metrics.counter(
            "ec_notifier_subscriptions_suspended",
            "Subscriptions suspended because every delivery to them failed for too long",
        )
        self._suspended_now = metrics.gauge(
            "ec_notifier_suspended_subscriptions",
            "Subscriptions suspended now (every replica reports the same: use max, not sum)",
        )
        self._held_now = metrics.gauge(
            "ec_notifier_held_deliveries", "Deliveries held back for suspended subscriptions now"
        )
        metrics.before_scrape(self.refresh_gauges)

    async def record(
        self,
        conn: AsyncConnection,
        outcomes: Sequence[tuple[uuid.UUID | None, bool, str | None]],
        *,
        now: datetime,
    ) -> list[Suspended]:
        """Within the transaction recording `outcomes` ((subscription id,
        delivered, error) each): the subscriptions' new standing, and the
        pending deliveries of any suspended one held (those just failed and
        due for a retry among them). The subscriptions suspended just now."""
        attempts = attempts_by_subscription(outcomes)
        if not attempts:
            return []
        s = self.tables.subscriptions
        # Locked in id order, so replicas recording at once take them in turn.
        rows = await conn.execute(
            select(s.c.id, s.c.url, s.c.failing_since, s.c.suspended_at, s.c.suspended_reason)
            .where(s.c.id.in_(sorted(attempts)))
            .order_by(s.c.id)
            .with_for_update()
        )
        suspended: list[Suspended] = []
        holding: list[uuid.UUID] = []
        for row in rows:
            before = Standing(row.failing_since, row.suspended_at, row.suspended_reason)
            after = after_attempts(
                before, attempts[row.id], now=now, suspend_after=self.suspend_after
            )
            if after != before:
                await conn.execute(
                    update(s)
                    .where(s.c.id == row.id)
                    .values(
                        failing_since=after.failing_since,
                        suspended_at=after.suspended_at,
                        suspended_reason=after.suspended_reason,
                    )
                )
            if newly_suspended(before, after):
                suspended.append(Suspended(row.id, row.url, after.suspended_reason or ""))
            if after.suspended_at is not None:
                holding.append(row.id)
        if holding:
            d = self.tables.deliveries
            await conn.execute(
                update(d)
                .where(d.c.subscription_id.in_(holding), d.c.status == PENDING)
                .values(status=HELD, updated_at=now)
            )
        return suspended

    def announce(self, suspended: Sequence[Suspended]) -> None:
        """Only once the suspension is committed."""
        for subscription in suspended:
            log.warning(
                "subscription %s (%s) suspended: %s; its deliveries are held until an admin "
                "resumes it (POST /v1/subscriptions/%s/resume)",
                subscription.id,
                subscription.url,
                subscription.reason,
                subscription.id,
            )
        if suspended:
            self._suspended_total.inc(len(suspended))

    async def refresh_gauges(self) -> None:
        s, d = self.tables.subscriptions, self.tables.deliveries
        try:
            async with self.db.read() as conn:
                suspended = (
                    await conn.execute(select(func.count()).where(s.c.suspended_at.is_not(None)))
                ).scalar_one()
                held = (
                    await conn.execute(select(func.count()).where(d.c.status == HELD))
                ).scalar_one()
        except Exception:
            # Last scrape's figures would be stale: better none than wrong.
            self._suspended_now.set(float("nan"))
            self._held_now.set(float("nan"))
            raise
        self._suspended_now.set(suspended)
        self._held_now.set(held)
