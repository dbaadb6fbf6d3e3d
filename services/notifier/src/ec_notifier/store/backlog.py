"""What waits to be sent, host by host: how many deliveries are due and how
long the oldest has been due. Read from the delivery log, so every replica
reports the same, and a stall shows whichever process is stuck: mail that
should be going out and is not makes the SMTP server's oldest due delivery
older by the second."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ec_notifier.store.tables import Tables
from ec_platform.storage.database import Database


@dataclass(frozen=True)
class HostBacklog:
    host: str
    due: int
    oldest_due_at: datetime

    def oldest_due_s(self, now: datetime) -> float:
        return max(0.0, (now - self.oldest_due_at).total_seconds())


async def due_by_host(db: Database, tables: Tables, now: datetime) -> list[HostBacklog]:
    """Deliveries waiting for an attempt that is due (pending, or sending with
    a lease run out), per receiving host."""
    d = tables.deliveries
    query = (
        select(d.c.host, func.count(), func.min(d.c.next_attempt_at))
        .where(d.c.status.in_(("pending", "sending")), d.c.next_attempt_at <= now)
        .group_by(d.c.host)
        .order_by(d.c.host)
    )
    async with db.read() as conn:
        rows = list(await conn.execute(query))
    return [HostBacklog(host, due, oldest) for host, due, oldest in rows]
