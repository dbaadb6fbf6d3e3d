"""The monitor's tables: durable timers, what it knows of each escalation, its
inbox, and its outbox (an event log the relay publishes to the monitor topic)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Uuid, text

from ec_platform.storage.checkpoints import checkpoint_table
from ec_platform.storage.eventlog import event_log_table
from ec_platform.storage.inbox import inbox_table
from ec_platform.storage.sqltypes import UtcDateTime, trace_context_columns

SCHEMA = "monitor"


@dataclass(frozen=True)
class Tables:
    metadata: MetaData
    timers: Table
    watches: Table
    inbox: Table
    outbox: Table
    checkpoints: Table


def define_tables() -> Tables:
    metadata = MetaData()
    timers = Table(
        "timers",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("escalation_id", Uuid, nullable=False),
        Column("kind", String(40), nullable=False),
        Column("status", String(20), nullable=False),
        Column("due_at", UtcDateTime(), nullable=False),
        Column("level", Integer),
        Column("round", Integer),
        Column("plan_version", Integer),
        Column("since_version", Integer),
        Column("source_event_id", Uuid, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("fired_at", UtcDateTime()),
        Column("cancelled_at", UtcDateTime()),
        # The trace of the event that set the timer, continued when it fires.
        *trace_context_columns(),
        # Only pending timers are in this index, so finding what is due never
        # walks the fired and cancelled ones, however many there are.
        Index(
            "ix_timers_pending_due",
            "due_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_timers_escalation", "escalation_id", "kind", "status"),
        schema=SCHEMA,
    )
    watches = Table(
        "watches",
        metadata,
        Column("escalation_id", Uuid, primary_key=True),
        Column("status", String(30), nullable=False),
        Column("level", Integer, nullable=False),
        schema=SCHEMA,
    )
    return Tables(
        metadata=metadata,
        timers=timers,
        watches=watches,
        inbox=inbox_table(metadata, schema=SCHEMA),
        outbox=event_log_table(metadata, schema=SCHEMA, name="outbox"),
        checkpoints=checkpoint_table(metadata, schema=SCHEMA),
    )
