"""The notifier's tables: the delivery log and the consumer's inbox."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint, Uuid

from ec_platform.inbox import inbox_table
from ec_platform.sqltypes import UtcDateTime

SCHEMA = "notifier"


@dataclass(frozen=True)
class Tables:
    metadata: MetaData
    deliveries: Table
    inbox: Table


def define_tables() -> Tables:
    metadata = MetaData()
    deliveries = Table(
        "deliveries",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("event_id", Uuid, nullable=False),
        Column("event_type", String(100), nullable=False),
        Column("escalation_id", Uuid, nullable=False),
        Column("channel", String(40), nullable=False),
        Column("recipient", String(400), nullable=False),
        Column("subject", String(1000), nullable=False),
        Column("body", Text, nullable=False),
        Column("status", String(20), nullable=False),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text),
        Column("next_attempt_at", UtcDateTime(), nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Column("delivered_at", UtcDateTime()),
        # One event reaches one recipient on one channel once, however often
        # Kafka re-delivers it.
        UniqueConstraint("event_id", "channel", "recipient", name="uq_deliveries_once"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_escalation", "escalation_id"),
        schema=SCHEMA,
    )
    return Tables(
        metadata=metadata, deliveries=deliveries, inbox=inbox_table(metadata, schema=SCHEMA)
    )
