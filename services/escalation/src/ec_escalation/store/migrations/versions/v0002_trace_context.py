"""The trace context of the work that wrote each row.

W3C traceparent and tracestate, nullable: the rows already there were written
by no trace."""

from __future__ import annotations

from ec_platform.storage.migrations import add_missing_columns
from ec_platform.storage.sqltypes import trace_context_columns

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade(schema: str | None) -> None:
    add_missing_columns("events", trace_context_columns(), schema=schema)
