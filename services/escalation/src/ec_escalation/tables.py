"""The escalation service's tables: the event store and what is derived from it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    text,
)

from ec_platform.checkpoints import checkpoint_table
from ec_platform.eventlog import event_log_table
from ec_platform.inbox import inbox_table
from ec_platform.sqltypes import Json, UtcDateTime

SCHEMA = "escalation"


@dataclass(frozen=True)
class Tables:
    metadata: MetaData
    events: Table
    checkpoints: Table
    inbox: Table
    board: Table
    incident_links: Table
    incidents: Table
    snapshots: Table

    @property
    def derived(self) -> tuple[Table, ...]:
        """Everything rebuildable from the events."""
        return (self.board, self.incident_links, self.snapshots)


def _board(metadata: MetaData) -> Table:
    return Table(
        "board",
        metadata,
        Column("escalation_id", Uuid, primary_key=True),
        # The stream version this row reflects: re-applying older events is a no-op.
        Column("version", Integer, nullable=False),
        Column("status", String(30), nullable=False),
        Column("level", Integer, nullable=False),
        Column("title", String(10_000), nullable=False),
        Column("priority", String(2)),
        Column("customer_id", String(200)),
        Column("customer_name", String(200)),
        Column("service", String(200)),
        Column("manager_id", String(200)),
        Column("manager_name", String(200)),
        Column("plan_version", Integer, nullable=False),
        Column("review_by", UtcDateTime()),
        Column("next_update_due", UtcDateTime()),
        Column("monitoring_round", Integer, nullable=False),
        Column("monitoring_ends_at", UtcDateTime()),
        Column("recurrences", Integer, nullable=False),
        Column("started_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Index("ix_board_started", "started_at", "escalation_id"),
        Index("ix_board_customer_service", "customer_id", "service"),
        schema=SCHEMA,
    )


def define_tables() -> Tables:
    metadata = MetaData()
    incident_links = Table(
        "incident_links",
        metadata,
        Column("incident_id", Uuid, primary_key=True),
        Column("escalation_id", Uuid, primary_key=True),
        Column("open", Boolean, nullable=False),
        # One incident never has two open escalations, even when two consumers
        # race on the same report: the second insert fails and is retried.
        Index(
            "uq_incident_links_one_open",
            "incident_id",
            unique=True,
            postgresql_where=text("open"),
            sqlite_where=text("open"),
        ),
        schema=SCHEMA,
    )
    # The latest facts of every incident the service has heard of: for manual
    # starts by incident id, and for the repeated-incidents criterion.
    incidents = Table(
        "incidents",
        metadata,
        Column("incident_id", Uuid, primary_key=True),
        Column("customer_id", String(200), nullable=False),
        Column("service", String(200), nullable=False),
        Column("facts", Json, nullable=False),
        Column("first_seen_at", UtcDateTime(), nullable=False),
        Column("last_seen_at", UtcDateTime(), nullable=False),
        Index("ix_incidents_customer_service", "customer_id", "service", "first_seen_at"),
        schema=SCHEMA,
    )
    snapshots = Table(
        "snapshots",
        metadata,
        Column("escalation_id", Uuid, primary_key=True),
        Column("version", Integer, nullable=False),
        Column("state_schema", Integer, nullable=False),
        Column("state", Json, nullable=False),
        schema=SCHEMA,
    )
    return Tables(
        metadata=metadata,
        events=event_log_table(metadata, schema=SCHEMA),
        checkpoints=checkpoint_table(metadata, schema=SCHEMA),
        inbox=inbox_table(metadata, schema=SCHEMA),
        board=_board(metadata),
        incident_links=incident_links,
        incidents=incidents,
        snapshots=snapshots,
    )
