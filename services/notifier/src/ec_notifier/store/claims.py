"""The delivery log's state changes: claiming due deliveries (committed before
anything is sent), recording each attempt's outcome, and re-queuing by hand."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import zip_longest
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_notifier.domain.policy import RetryPolicy
from ec_notifier.store.suspensions import SubscriptionHealth
from ec_notifier.store.tables import Tables
from ec_platform.observability.tracing import TraceContext, trace_context_values
from ec_platform.storage.database import Database
from ec_platform.storage.upsert import insert_on_conflict

# Candidates looked at per claimed slot: enough that a few full hosts at the
# head of the queue do not starve the others.
LOOKAHEAD = 4
MAX_CANDIDATES = 2_000


@dataclass(frozen=True)
class Claimed:
    """A delivery this process holds until `lease_until`, under `claim_token`."""

    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    escalation_id: uuid.UUID
    channel: str
    recipient: str
    recipient_name: str
    host: str
    subject: str
    body: str
    attempts: int
    claim_token: uuid.UUID
    lease_until: datetime
    cloudevent: dict[str, Any] | None
    subscription_url: str | None
    subscription_secret: str | None
    # The trace of the event the delivery is for, continued by each attempt.
    trace_context: TraceContext | None = None
    # Why the recipient hears of it (routing's roles: "customer contact", …).
    role: str = ""
    # The subscription a subscription's delivery is for (its receiver's health).
    subscription_id: uuid.UUID | None = None


@dataclass(frozen=True)
class FollowUp:
    """A delivery that a delivered one calls for (a created problem record,
    to be linked back to the escalation), recorded in the same transaction as
    that outcome, so it is never lost and the first is never sent again."""

    channel: str
    recipient: str
    recipient_name: str
    host: str
    subject: str
    body: str


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    error: str | None = None
    # Retrying cannot help (the address was refused): failed at once.
    permanent: bool = False
    # Whether this says something about the receiving host's health.
    host_ok: bool | None = None
    # The receiver asked to wait this long before the next attempt (Retry-After).
    retry_after_s: float | None = None
    follow_up: FollowUp | None = None


FOLLOW_UP_IDS = uuid.UUID("0f6b8f0e-7f1a-4f57-b8a2-54a1c0d7e9b3")


def follow_up_id(event_id: uuid.UUID, follow_up: FollowUp) -> uuid.UUID:
    """The same follow-up has the same id however often it is worked out."""
    return uuid.uuid5(FOLLOW_UP_IDS, f"{event_id}\n{follow_up.channel}\n{follow_up.recipient}")


class NotFound(Exception):
    pass


class NotFailed(Exception):
    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class Claims:
    def __init__(
        self,
        db: Database,
        tables: Tables,
        policy: RetryPolicy,
        lease: timedelta,
        *,
        health: SubscriptionHealth,
    ) -> None:
        self.db = db
        self.tables = tables
        self.policy = policy
        self.lease = lease
        self.health = health

    async def claim(
        self,
        now: datetime,
        *,
        limit: int,
        closed_hosts: list[str],
        capacity: Callable[[str], int],
        per_host: int,
    ) -> list[Claimed]:
        """Up to `limit` due deliveries, within each host's `capacity`, marked
        `sending` under a fresh token and committed before this returns. Rows
        another replica is claiming at the same moment are skipped, not waited for.

        Fair across hosts: each host with due work offers its `per_host`
        oldest, and the claim takes every host's first before any host's
        second. So a backlog of thousands for a dead or slow receiver costs
        the mail and the healthy receivers behind it nothing."""
        d, e, s = self.tables.deliveries, self.tables.events, self.tables.subscriptions
        due = (d.c.status.in_(("pending", "sending")), d.c.next_attempt_at <= now)
        turn = (
            func.row_number()
            .over(partition_by=d.c.host, order_by=(d.c.next_attempt_at, d.c.created_at, d.c.id))
            .label("turn")
        )
        offered = select(d.c.id, d.c.next_attempt_at, turn).where(*due)
        if closed_hosts:
            offered = offered.where(d.c.host.not_in(closed_hosts))
        offers = offered.subquery("offers")
        in_turn = (
            select(offers.c.id)
            .where(offers.c.turn <= per_host)
            .order_by(offers.c.turn, offers.c.next_attempt_at)
            .limit(min(limit * LOOKAHEAD, MAX_CANDIDATES))
        )
        candidates = (
            select(d, e.c.cloudevent, s.c.url.label("subscription_url"), s.c.secret)
            .select_from(
                d.outerjoin(e, e.c.event_id == d.c.event_id).outerjoin(
                    s, s.c.id == d.c.subscription_id
                )
            )
            # Checked again under the lock: a row may have been claimed since.
            .where(d.c.id.in_(in_turn.scalar_subquery()), *due)
            .with_for_update(skip_locked=True, of=d)
        )
        token = uuid.uuid4()
        lease_until = now + self.lease
        async with self.db.transaction() as conn:
            picked = _pick(_in_turns(list(await conn.execute(candidates))), limit, capacity)
            if not picked:
                return []
            await conn.execute(
                update(d)
                .where(d.c.id.in_([row.id for row in picked]))
                .values(
                    status="sending",
                    claim_token=token,
                    attempts=d.c.attempts + 1,
                    next_attempt_at=lease_until,
                    updated_at=now,
                )
            )
        return [_claimed(row._mapping, token, lease_until) for row in picked]

    async def finish(
        self, outcomes: list[tuple[Claimed, Outcome]], *, now: datetime, jitter: Callable[[], float]
    ) -> None:
        """Records attempts' outcomes in one transaction. An outcome whose claim
        has lapsed (another process took the delivery over) changes nothing:
        the outcome is that process's to record. Subscriptions' runs of failures
        (and suspensions) are recorded with them, from every outcome: each says
        whether the receiver is there."""
        table = self.tables.deliveries
        mine = (
            table.c.id == bindparam("b_id"),
            table.c.claim_token == bindparam("b_token"),
            table.c.status == "sending",
        )
        delivered = [
            {"b_id": claimed.id, "b_token": claimed.claim_token}
            for claimed, outcome in outcomes
            if outcome.delivered and outcome.follow_up is None
        ]
        async with self.db.transaction() as conn:
            if delivered:
                await conn.execute(
                    update(table)
                    .where(*mine)
                    .values(
                        status="delivered",
                        delivered_at=now,
                        updated_at=now,
                        claim_token=None,
                        last_error=None,
                    ),
                    delivered,
                )
            for claimed, outcome in outcomes:
                if outcome.delivered and outcome.follow_up is not None:
                    await self._deliver_with(conn, claimed, outcome.follow_up, now)
                elif not outcome.delivered:
                    await conn.execute(
                        update(table)
                        .where(*mine)
                        .values(**self._failure(claimed, outcome, now, jitter())),
                        {"b_id": claimed.id, "b_token": claimed.claim_token},
                    )
            suspended = await self.health.record(
                conn,
                [(c.subscription_id, o.delivered, o.error) for c, o in outcomes],
                now=now,
            )
        self.health.announce(suspended)

    async def _deliver_with(
        self, conn: AsyncConnection, claimed: Claimed, follow_up: FollowUp, now: datetime
    ) -> None:
        """Delivered, and the follow-up recorded, only while the claim holds."""
        table = self.tables.deliveries
        result = await conn.execute(
            update(table)
            .where(
                table.c.id == claimed.id,
                table.c.claim_token == claimed.claim_token,
                table.c.status == "sending",
            )
            .values(
                status="delivered",
                delivered_at=now,
                updated_at=now,
                claim_token=None,
                last_error=None,
            )
        )
        if not result.rowcount:
            return
        row = {
            "id": follow_up_id(claimed.event_id, follow_up),
            "event_id": claimed.event_id,
            "event_type": claimed.event_type,
            "escalation_id": claimed.escalation_id,
            "channel": follow_up.channel,
            "recipient": follow_up.recipient,
            "recipient_name": follow_up.recipient_name[:200],
            "role": f"follow-up of {claimed.channel} delivery {claimed.id}"[:200],
            "host": follow_up.host,
            "subject": follow_up.subject[:1000],
            "body": follow_up.body,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
            **trace_context_values(claimed.trace_context),
        }
        statement = insert_on_conflict(conn, table).values(row)
        await conn.execute(statement.on_conflict_do_nothing())

    async def release(self, claimed: list[Claimed], *, now: datetime) -> None:
        """Gives claims back unsent: pending again at once, the attempt the
        claim counted taken back. One whose claim has lapsed is left alone."""
        table = self.tables.deliveries
        async with self.db.transaction() as conn:
            await conn.execute(
                update(table)
                .where(
                    table.c.id == bindparam("b_id"),
                    table.c.claim_token == bindparam("b_token"),
                    table.c.status == "sending",
                )
                .values(
                    status="pending",
                    claim_token=None,
                    attempts=table.c.attempts - 1,
                    next_attempt_at=now,
                    updated_at=now,
                ),
                [{"b_id": c.id, "b_token": c.claim_token} for c in claimed],
            )

    def _failure(
        self, claimed: Claimed, outcome: Outcome, now: datetime, jitter: float
    ) -> dict[str, Any]:
        retry_at = (
            None if outcome.permanent else self.policy.next_attempt(claimed.attempts, now, jitter)
        )
        if retry_at is not None and outcome.retry_after_s is not None:
            retry_at = max(retry_at, now + timedelta(seconds=outcome.retry_after_s))
        values: dict[str, Any] = {
            "claim_token": None,
            "updated_at": now,
            "last_error": (outcome.error or "failed")[:2000],
        }
        if retry_at is None:
            return values | {"status": "failed"}
        return values | {"status": "pending", "next_attempt_at": retry_at}

    async def retry(self, delivery_id: uuid.UUID, *, now: datetime) -> None:
        """Puts a failed delivery back in the queue with a fresh set of attempts."""
        table = self.tables.deliveries
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(table)
                .where(table.c.id == delivery_id, table.c.status == "failed")
                .values(status="pending", attempts=0, next_attempt_at=now, updated_at=now)
            )
            if result.rowcount:
                return
            status = (
                await conn.execute(select(table.c.status).where(table.c.id == delivery_id))
            ).scalar_one_or_none()
        if status is None:
            raise NotFound(str(delivery_id))
        raise NotFailed(status)


def _in_turns(rows: list[Any]) -> list[Any]:
    """Each host's oldest first, then each host's second, and so on."""
    by_host: dict[str, list[Any]] = {}
    for row in sorted(rows, key=lambda r: (r.next_attempt_at, r.created_at, str(r.id))):
        by_host.setdefault(row.host, []).append(row)
    rounds = zip_longest(*by_host.values())
    return [row for round_ in rounds for row in round_ if row is not None]


def _pick(candidates: list[Any], limit: int, capacity: Callable[[str], int]) -> list[Any]:
    room: dict[str, int] = {}
    picked: list[Any] = []
    for row in candidates:
        if len(picked) >= limit:
            break
        if row.host not in room:
            room[row.host] = capacity(row.host)
        if room[row.host] > 0:
            room[row.host] -= 1
            picked.append(row)
    return picked


def _claimed(row: Any, token: uuid.UUID, lease_until: datetime) -> Claimed:
    return Claimed(
        id=row["id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        escalation_id=row["escalation_id"],
        channel=row["channel"],
        recipient=row["recipient"],
        recipient_name=row["recipient_name"],
        host=row["host"],
        subject=row["subject"],
        body=row["body"],
        attempts=row["attempts"] + 1,
        claim_token=token,
        lease_until=lease_until,
        cloudevent=row["cloudevent"],
        subscription_url=row["subscription_url"],
        subscription_secret=row["secret"],
        trace_context=TraceContext.of_row(row["traceparent"], row["tracestate"]),
        role=row["role"],
        subscription_id=row["subscription_id"],
    )
