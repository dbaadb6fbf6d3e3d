"""Subscriptions that are gone get suspended.

Each subscription's run of failures (`failing_since`) and its suspension
(`suspended_at`, `suspended_reason`), nullable: every subscription there is
active and has no failure on record. And an index of the deliveries by
subscription, for holding and resuming them."""

from __future__ import annotations

from alembic import op
from sqlalchemy import Column, Text, text

from ec_platform.storage.migrations import add_missing_columns
from ec_platform.storage.sqltypes import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

HAS_SUBSCRIPTION = "subscription_id IS NOT NULL"


def upgrade(schema: str | None) -> None:
    add_missing_columns(
        "subscriptions",
        [
            Column("failing_since", UtcDateTime()),
            Column("suspended_at", UtcDateTime()),
            Column("suspended_reason", Text),
        ],
        schema=schema,
    )
    op.create_index(
        "ix_deliveries_subscription",
        "deliveries",
        ["subscription_id", "status"],
        schema=schema,
        postgresql_where=text(HAS_SUBSCRIPTION),
        sqlite_where=text(HAS_SUBSCRIPTION),
    )
