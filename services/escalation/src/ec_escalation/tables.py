"""The escalation service's tables: the event store and what is derived from it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Uuid, text

from ec_platform.checkpoints import checkpoint_table
from ec_platform.eventlog import event_log_table
from ec_platform.inbox import inbox_table
from ec_platform.sqltypes import UtcDateTime

SCHEMA = "escalation"


@dataclass(frozen=True)
class Tables:
    metadata: MetaData
    events: Table
    checkpoints: Table
    inbox: Table
    board: Table
    incident_links: Table


def define_tables() -> Tables:
    metadata = MetaData()
    board = Table(
        "board",
        metadata,
        Column("escalation_id", Uuid, primary_key=True),
        Column("status", String(30), nullable=False),
        Column("level", Integer, nullable=False),
        Column("title", String(10_000), nullable=False),
        Column("priority", String(2)),
        Column("customer_id", String(200)),
        Column("customer_name", String(200)),
        Column("manager_id", String(200)),
        Column("started_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Column("version", Integer, nullable=False),
        Index("ix_board_status_started", "status", "started_at"),
        schema=SCHEMA,
    )
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
    return Tables(
        metadata=metadata,
        events=event_log_table(metadata, schema=SCHEMA),
        checkpoints=checkpoint_table(metadata, schema=SCHEMA),
        inbox=inbox_table(metadata, schema=SCHEMA),
        board=board,
        incident_links=incident_links,
    )
