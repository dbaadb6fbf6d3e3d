"""The first release's tables.

As the service created them at start-up before migrations: a database from
then holds TABLES and no version table, and is taken to be at this revision."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ec_platform.storage.sqltypes import Json, UtcDateTime

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None
TABLES = ("audiences", "deliveries", "events", "outbox", "processed_messages", "subscriptions")


def upgrade(schema: str | None) -> None:
    op.create_table(
        "audiences",
        sa.Column("escalation_id", sa.Uuid(), nullable=False),
        sa.Column(
            "audience",
            Json,
            nullable=False,
        ),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("escalation_id"),
        schema=schema,
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("escalation_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=2000), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=True),
        sa.Column("host", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claim_token", sa.Uuid(), nullable=True),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("delivered_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "channel", "recipient", name="uq_deliveries_once"),
        schema=schema,
    )
    op.create_index(
        "ix_deliveries_claimable",
        "deliveries",
        ["next_attempt_at"],
        unique=False,
        schema=schema,
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
        sqlite_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.create_index(
        "ix_deliveries_created", "deliveries", ["created_at", "id"], unique=False, schema=schema
    )
    op.create_index(
        "ix_deliveries_escalation",
        "deliveries",
        ["escalation_id", "created_at"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        "ix_deliveries_status", "deliveries", ["status", "created_at"], unique=False, schema=schema
    )
    op.create_table(
        "events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column(
            "cloudevent",
            Json,
            nullable=False,
        ),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
        schema=schema,
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("escalation_id", sa.Uuid(), nullable=False),
        sa.Column("sender", sa.String(length=400), nullable=False),
        sa.Column("to_address", sa.String(length=2000), nullable=False),
        sa.Column("to_name", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("message_id", sa.String(length=400), nullable=False),
        sa.Column(
            "headers",
            Json,
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        schema=schema,
    )
    op.create_index(
        "ix_outbox_escalation", "outbox", ["escalation_id", "sent_at"], unique=False, schema=schema
    )
    op.create_index("ix_outbox_sent", "outbox", ["sent_at", "id"], unique=False, schema=schema)
    op.create_index(
        "ix_outbox_to", "outbox", ["to_address", "sent_at"], unique=False, schema=schema
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
        "subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column(
            "event_types",
            Json,
            nullable=True,
        ),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        schema=schema,
    )
