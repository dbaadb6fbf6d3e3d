"""The first release's tables.

As the service created them at start-up before migrations: a database from
then holds TABLES and no version table, and is taken to be at this revision."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ec_platform.storage.migrations import make_append_only
from ec_platform.storage.sqltypes import Json, UtcDateTime

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None
TABLES = (
    "board",
    "checkpoints",
    "events",
    "incident_decisions",
    "incident_links",
    "incidents",
    "measures",
    "processed_messages",
    "snapshots",
)


def upgrade(schema: str | None) -> None:
    op.create_table(
        "board",
        sa.Column("escalation_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=10000), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=True),
        sa.Column("customer_id", sa.String(length=200), nullable=True),
        sa.Column("customer_name", sa.String(length=200), nullable=True),
        sa.Column("service", sa.String(length=200), nullable=True),
        sa.Column("manager_id", sa.String(length=200), nullable=True),
        sa.Column("manager_name", sa.String(length=200), nullable=True),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("review_by", UtcDateTime(), nullable=True),
        sa.Column("next_update_due", UtcDateTime(), nullable=True),
        sa.Column("monitoring_round", sa.Integer(), nullable=False),
        sa.Column("monitoring_ends_at", UtcDateTime(), nullable=True),
        sa.Column("recurrences", sa.Integer(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("escalation_id"),
        schema=schema,
    )
    op.create_index(
        "ix_board_customer_service",
        "board",
        ["customer_id", "service"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        "ix_board_started", "board", ["started_at", "escalation_id"], unique=False, schema=schema
    )
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
        "incident_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("escalation_id", sa.Uuid(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("criteria_version", sa.String(length=200), nullable=False),
        sa.Column(
            "rules",
            Json,
            nullable=False,
        ),
        sa.Column(
            "facts",
            Json,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        schema=schema,
    )
    op.create_index(
        "ix_incident_decisions_incident",
        "incident_decisions",
        ["incident_id", "decided_at", "id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        "incident_links",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("escalation_id", sa.Uuid(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "escalation_id"),
        schema=schema,
    )
    op.create_index(
        "uq_incident_links_one_open",
        "incident_links",
        ["incident_id"],
        unique=True,
        schema=schema,
        postgresql_where=sa.text("open"),
        sqlite_where=sa.text("open"),
    )
    op.create_table(
        "incidents",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column(
            "facts",
            Json,
            nullable=False,
        ),
        sa.Column("first_seen_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id"),
        schema=schema,
    )
    op.create_index(
        "ix_incidents_customer_service",
        "incidents",
        ["customer_id", "service", "first_seen_at"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        "measures",
        sa.Column("escalation_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("status_since", UtcDateTime(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=True),
        sa.Column("service", sa.String(length=200), nullable=True),
        sa.Column("manager_id", sa.String(length=200), nullable=True),
        sa.Column("time_to_escalate", sa.Float(), nullable=True),
        sa.Column("time_to_manager", sa.Float(), nullable=True),
        sa.Column("time_to_team", sa.Float(), nullable=True),
        sa.Column("time_to_assessment", sa.Float(), nullable=True),
        sa.Column("time_to_plan", sa.Float(), nullable=True),
        sa.Column("time_to_agreed_plan", sa.Float(), nullable=True),
        sa.Column("time_to_resolution", sa.Float(), nullable=True),
        sa.Column("time_to_closure", sa.Float(), nullable=True),
        sa.Column("closure_to_review", sa.Float(), nullable=True),
        sa.Column("raises_manual", sa.Integer(), nullable=False),
        sa.Column("raises_automatic", sa.Integer(), nullable=False),
        sa.Column("missed_plan_review", sa.Integer(), nullable=False),
        sa.Column("missed_progress_update", sa.Integer(), nullable=False),
        sa.Column("monitoring_passed", sa.Integer(), nullable=False),
        sa.Column("recurrences", sa.Integer(), nullable=False),
        sa.Column("problem_inputs", sa.Integer(), nullable=False),
        sa.Column("closed_with_agreement", sa.Boolean(), nullable=False),
        sa.Column(
            "trail",
            Json,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("escalation_id"),
        schema=schema,
    )
    op.create_index(
        "ix_measures_started",
        "measures",
        ["started_at", "escalation_id"],
        unique=False,
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
        "snapshots",
        sa.Column("escalation_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state_schema", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            Json,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("escalation_id"),
        schema=schema,
    )
    make_append_only("events", schema=schema)
