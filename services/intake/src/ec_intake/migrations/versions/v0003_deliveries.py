"""Every report's fate (taken, or ignored as stale), for the freshness rule.

A new table: incidents recorded before it are judged by the time their last
event gave them."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ec_platform.storage.sqltypes import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade(schema: str | None) -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("delivery_id", sa.String(length=200), nullable=True),
        sa.Column("occurred_at", UtcDateTime(), nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("ignored", sa.String(length=20), nullable=True),
        sa.Column("actor_role", sa.String(length=40), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        schema=schema,
    )
    op.create_index(
        "ix_deliveries_incident", "deliveries", ["incident_id", "received_at"], schema=schema
    )
    op.create_index(
        "ix_deliveries_delivery", "deliveries", ["source", "delivery_id"], schema=schema
    )
