"""The monitor's tables: durable timers and the consumer's inbox."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Uuid

from ec_platform.inbox import inbox_table
from ec_platform.sqltypes import UtcDateTime

SCHEMA = "monitor"


@dataclass(frozen=True)
class Tables:
    metadata: MetaData
    timers: Table
    inbox: Table


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
        Column("source_event_id", Uuid, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("fired_at", UtcDateTime()),
        Index("ix_timers_due", "status", "due_at"),
        Index("ix_timers_escalation", "escalation_id"),
        schema=SCHEMA,
    )
    return Tables(metadata=metadata, timers=timers, inbox=inbox_table(metadata, schema=SCHEMA))
