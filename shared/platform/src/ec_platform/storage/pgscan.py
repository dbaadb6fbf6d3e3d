"""Reading many event rows from PostgreSQL at driver speed.

Replays, rebuilds, audits and exports read millions of rows; through the
SQLAlchemy result layer that costs several times what asyncpg itself needs, so
these scans go to the driver directly (same connection, same transaction)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ec_platform.storage.event_records import COLUMNS as STORED_COLUMNS

COLUMNS = ", ".join(STORED_COLUMNS)
# A subquery, so it is computed once per statement (InitPlan), not once per row.
HORIZON = "(SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint * 65536)"


PAYLOAD_COLUMNS = "position, stream_id, type, schema_version, data::text, recorded_at"


async def scan_payloads_after(
    conn: AsyncConnection, table: str, after: int, *, limit: int, below_horizon: bool
) -> list[tuple[Any, ...]]:
    """Only what a fold needs, with `data` as JSON text for the caller to decode:
    half the bytes and a third of the decoding of a full scan."""
    horizon = f" AND position < {HORIZON}" if below_horizon else ""
    sql = (
        f"SELECT {PAYLOAD_COLUMNS} FROM {table} WHERE position > $1{horizon} "
        "ORDER BY position LIMIT $2"
    )
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    rows: list[tuple[Any, ...]] = await driver.fetch(sql, after, limit)  # records unpack as tuples
    return rows


async def scan_stream(
    conn: AsyncConnection, table: str, stream_id: str, *, after_version: int
) -> list[tuple[Any, ...]]:
    """One stream's rows past `after_version`, in order, as scan_after gives them."""
    sql = (
        f"SELECT {COLUMNS} FROM {table} WHERE stream_id = $1 AND stream_version > $2 "
        "ORDER BY stream_version"
    )
    return await _fetch(conn, sql, [stream_id, after_version])


async def scan_after(
    conn: AsyncConnection,
    table: str,
    after: int,
    *,
    limit: int,
    types: Sequence[str],
    below_horizon: bool,
) -> list[tuple[Any, ...]]:
    """Rows of `table` (schema-qualified) past `after`, in position order, as
    tuples in COLUMNS order with `data` decoded."""
    conditions = ["position > $1"]
    arguments: list[Any] = [after, limit]
    if below_horizon:
        conditions.append(f"position < {HORIZON}")
    if types:
        arguments.append(list(types))
        conditions.append(f"type = ANY(${len(arguments)}::text[])")
    sql = (
        f"SELECT {COLUMNS} FROM {table} WHERE {' AND '.join(conditions)} ORDER BY position LIMIT $2"
    )
    return await _fetch(conn, sql, arguments)


async def _fetch(conn: AsyncConnection, sql: str, arguments: list[Any]) -> list[tuple[Any, ...]]:
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    records = await driver.fetch(sql, *arguments)
    return [_decoded(tuple(record)) for record in records]


def _decoded(row: tuple[Any, ...]) -> tuple[Any, ...]:
    data = row[6]
    if isinstance(data, str):  # a connection without SQLAlchemy's JSON codec
        return (*row[:6], json.loads(data), *row[7:])
    return row
