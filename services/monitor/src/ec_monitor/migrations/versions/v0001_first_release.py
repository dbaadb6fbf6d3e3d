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
TABLES = ("checkpoints", "outbox", "processed_messages", "timers", "watches")


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
        "outbox",
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
        sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
        sa.UniqueConstraint("stream_id", "stream_version", name="uq_outbox_stream_version"),
        schema=schema,
    )
    op.create_table(
        "processed_messages",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("processed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "message_id"),
        schema=schema,
    )
    op.create_table(
        "timers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("escalation_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("round", sa.Integer(), nullable=True),
        sa.Column("plan_version", sa.Integer(), nullable=True),
        sa.Column("since_version", sa.Integer(), nullable=True),
        sa.Column("source_event_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("fired_at", UtcDateTime(), nullable=True),
        sa.Column("cancelled_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        schema=schema,
    )
    op.create_index(
        "ix_timers_escalation",
        "timers",
        ["escalation_id", "kind", "status"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        "ix_timers_pending_due",
        "timers",
        ["due_at"],
        unique=False,
        schema=schema,
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "watches",
        sa.Column("escalation_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("escalation_id"),
        schema=schema,
    )
    make_append_only("outbox", schema=schema)
