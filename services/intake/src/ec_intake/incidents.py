"""The incidents as the intake knows them now: one row each, written in the
same transaction as the log append it follows from, because a list over the
log itself would have to fold all of it. Rows only move forward (a row is
replaced only by a later version of its incident), so a catch-up run beside
live writers never sets one back."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_events.base import Event
from ec_events.incidents import IncidentFacts
from ec_intake.domain import is_resolved
from ec_platform.storage.checkpoints import save_checkpoint
from ec_platform.storage.database import Database
from ec_platform.storage.eventlog import EventLog, StoredEvent
from ec_platform.storage.sqltypes import UtcDateTime
from ec_platform.storage.upsert import upsert

log = logging.getLogger(__name__)
# Present once every event recorded before the projection existed is folded in.
CAUGHT_UP = "incidents-projection"
CATCH_UP_CHUNK = 1_000
# Set when a row is first written, never changed afterwards.
FIRST_SIGHT = frozenset({"id", "source", "external_id", "received_at"})


def incidents_table(metadata: MetaData, *, schema: str) -> Table:
    return Table(
        "incidents",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("source", String(100), nullable=False),
        Column("external_id", String(200), nullable=False),
        Column("title", Text, nullable=False),
        Column("priority", String(2), nullable=False),
        Column("customer_id", String(200), nullable=False),
        Column("customer_name", String(200), nullable=False),
        Column("customer_tier", String(40), nullable=False),
        Column("customer_resolved", Boolean, nullable=False),
        Column("service", String(200), nullable=False),
        # open or resolved, as the intake judges the platform's own word
        Column("status", String(10), nullable=False),
        Column("reported_status", String(40), nullable=False),
        Column("sla_breached", Boolean, nullable=False),
        Column("reopen_count", Integer, nullable=False),
        Column("customer_escalation_requested", Boolean, nullable=False),
        Column("occurred_at", UtcDateTime()),
        Column("received_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Column("version", Integer, nullable=False),
        Column("last_event", String(40), nullable=False),
        # Where writing back to it goes; none for sources without such an API.
        # Added after the table: nullable, so start-up can add them to an old one.
        Column("platform", String(20)),
        Column("platform_record_id", String(200)),
        Column("platform_number", String(200)),
        UniqueConstraint("source", "external_id", name="uq_incidents_source_external_id"),
        # The list's keyset (newest first), and the filters that narrow it most.
        Index("ix_incidents_received", "received_at", "id"),
        Index("ix_incidents_customer", "customer_id", "received_at"),
        Index("ix_incidents_service", "service", "received_at"),
        schema=schema,
    )


def incident_row(facts: IncidentFacts, stored: StoredEvent) -> dict[str, Any]:
    row = {
        "id": facts.incident_id,
        "source": facts.source,
        "external_id": facts.external_id,
        "title": facts.title,
        "priority": facts.priority,
        "customer_id": facts.customer.id,
        "customer_name": facts.customer.name,
        "customer_tier": facts.customer.tier,
        "customer_resolved": facts.customer_resolved,
        "service": facts.service,
        "status": "resolved" if is_resolved(facts.status) else "open",
        "reported_status": facts.status,
        "sla_breached": facts.sla_breached,
        "reopen_count": facts.reopen_count,
        "customer_escalation_requested": facts.customer_escalation_requested,
        "occurred_at": facts.occurred_at,
        "received_at": stored.recorded_at,
        "updated_at": stored.recorded_at,
        "version": stored.stream_version,
        "last_event": stored.type,
        **platform_columns(facts),
    }
    # PostgreSQL text holds no NUL, which JSON (and so the log) can carry:
    # shown as U+FFFD here, kept as sent in the log and the history.
    return {
        name: value.replace("\x00", "\ufffd") if isinstance(value, str) else value
        for name, value in row.items()
    }


def platform_columns(facts: IncidentFacts) -> dict[str, str | None]:
    record = facts.platform_record
    return {
        "platform": record.platform if record else None,
        "platform_record_id": record.record_id if record else None,
        "platform_number": record.number if record else None,
    }


async def project(
    conn: AsyncConnection, table: Table, stored: Sequence[tuple[Event, StoredEvent]]
) -> None:
    """Brings the rows of the incidents in `stored` (each event as decided and
    as stored, in log order) up to them."""
    latest: dict[str, dict[str, Any]] = {}
    for facts, event in stored:
        if isinstance(facts, IncidentFacts):
            row = incident_row(facts, event)
            if event.stream_id in latest:  # first sight earlier in the same batch
                row["received_at"] = latest[event.stream_id]["received_at"]
            latest[event.stream_id] = row
    if not latest:
        return
    statement = upsert(conn, table, keep=FIRST_SIGHT, only_if_newer="version")
    await conn.execute(statement, list(latest.values()))


async def catch_up(db: Database, events: EventLog, table: Table, checkpoints: Table) -> None:
    """Folds in what the log held before this projection existed, once: after
    that, every append writes its rows itself."""
    async with db.read() as conn:
        done = await conn.scalar(select(checkpoints.c.name).where(checkpoints.c.name == CAUGHT_UP))
    if done is not None:
        return
    after, folded = 0, 0
    while True:
        async with db.transaction() as conn:
            # Everything committed: events still being written project themselves.
            chunk = await events.read_after(conn, after, limit=CATCH_UP_CHUNK, below_horizon=False)
            await project(conn, table, [(event.event(), event) for event in chunk])
            if not chunk:
                await save_checkpoint(conn, checkpoints, CAUGHT_UP, after)
                break
        after, folded = chunk[-1].position, folded + len(chunk)
    if folded:
        log.info("incidents: %d recorded events folded into the incidents list", folded)
