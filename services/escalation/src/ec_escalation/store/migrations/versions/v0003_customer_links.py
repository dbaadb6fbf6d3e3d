"""The customers' personal links: a hash of each contact's token, never the token itself.

A table of its own, not derived from the events, so it starts empty: the links
of escalations already running are issued with the next mail to each contact."""

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
        "customer_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("escalation_id", sa.Uuid(), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
        schema=schema,
    )
    op.create_index(
        "ix_customer_links_contact",
        "customer_links",
        ["escalation_id", "contact_email"],
        unique=False,
        schema=schema,
    )
