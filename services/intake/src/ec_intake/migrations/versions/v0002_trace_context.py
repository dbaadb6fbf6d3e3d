"""The trace context of the work that wrote each row.

W3C traceparent and tracestate, nullable: the rows already there were written
by no trace."""

from __future__ import annotations

from sqlalchemy import Column, String

from ec_platform.storage.migrations import add_missing_columns
from ec_platform.storage.sqltypes import trace_context_columns

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade(schema: str | None) -> None:
    add_missing_columns("events", trace_context_columns(), schema=schema)
    # A database from before the platform records, which the first release
    # completed at start-up, is taken to be at 0001 without them.
    platform_record = [
        Column("platform", String(20)),
        Column("platform_record_id", String(200)),
        Column("platform_number", String(200)),
    ]
    add_missing_columns("incidents", platform_record, schema=schema)
