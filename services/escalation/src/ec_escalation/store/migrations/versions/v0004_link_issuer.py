"""Who issued each customer link: the notifier for a mail, or an operator.

Nullable: the links issued before were not told apart."""

from __future__ import annotations

import sqlalchemy as sa

from ec_platform.storage.migrations import add_missing_columns

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade(schema: str | None) -> None:
    add_missing_columns(
        "customer_links", [sa.Column("issued_by", sa.String(length=200))], schema=schema
    )
