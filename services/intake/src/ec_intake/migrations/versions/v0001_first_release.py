"""The first release's tables.

As the service created them at start-up before migrations: a database from
then holds TABLES and no version table, and is taken to be at this revision."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ec_platform.storage.migrations import make_append_only
from ec_platform.storage.sqltypes import UtcDateTime

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None
TABLES = ("checkpoints", "events", "incidents")


def upgrade(schema: str | None) -> None:
    op.create_table(
        "checkpoints",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
        schema=schema,
    )
    op.create_table(
        "events",
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("stream_id", sa.String(length=64), nullable=False),
        sa.Column("stream_version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("schema_version", sa.SmallInteger(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("actor_role", sa.String(length=40), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("correlation_id", sa.String(length=100), nullable=True),
        sa.Column("causation_id", sa.String(length=100), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("position"),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
        sa.UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
        schema=schema,
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("customer_tier", sa.String(length=40), nullable=False),
        sa.Column("customer_resolved", sa.Boolean(), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reported_status", sa.String(length=40), nullable=False),
        sa.Column("sla_breached", sa.Boolean(), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("customer_escalation_requested", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_event", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=True),
        sa.Column("platform_record_id", sa.String(length=200), nullable=True),
        sa.Column("platform_number", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id", name="uq_incidents_source_external_id"),
        schema=schema,
    )
    op.create_index(
        "ix_incidents_customer",
        "incidents",
        ["customer_id", "received_at"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        "ix_incidents_received", "incidents", ["received_at", "id"], unique=False, schema=schema
    )
    op.create_index(
        "ix_incidents_service", "incidents", ["service", "received_at"], unique=False, schema=schema
    )
    make_append_only("events", schema=schema)
