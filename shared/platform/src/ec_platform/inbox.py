"""Exactly-once effect for consumers: a message's id is recorded in the same
transaction as its effect, so a re-delivered message is recognised and skipped."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, MetaData, String, Table
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_platform.sqltypes import UtcDateTime
from ec_platform.upsert import insert_on_conflict


def inbox_table(metadata: MetaData, *, schema: str) -> Table:
    return Table(
        "processed_messages",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("message_id", String(100), primary_key=True),
        Column("processed_at", UtcDateTime(), nullable=False),
        schema=schema,
    )


async def first_delivery(
    conn: AsyncConnection, table: Table, *, consumer: str, message_id: str
) -> bool:
    """Records the message as processed; False when it already was."""
    values = {"consumer": consumer, "message_id": message_id, "processed_at": datetime.now(UTC)}
    statement = insert_on_conflict(conn, table).values(values).on_conflict_do_nothing()
    result = await conn.execute(statement)
    return bool(result.rowcount)
