"""Exactly-once effect for consumers: a message's id is recorded in the same
transaction as its effect, so a re-delivered message is recognised and skipped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Column, MetaData, String, Table
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_platform.storage.sqltypes import UtcDateTime
from ec_platform.storage.upsert import insert_on_conflict


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


async def first_deliveries(
    conn: AsyncConnection, table: Table, *, consumer: str, message_ids: Sequence[str]
) -> set[str]:
    """As first_delivery for several messages in one statement: the ids not
    recorded before (each id counted once however often it is given)."""
    unique = list(dict.fromkeys(message_ids))
    if not unique:
        return set()
    now = datetime.now(UTC)
    # Many rows to one statement of a fixed shape: compiled once, then cached.
    statement = (
        insert_on_conflict(conn, table).on_conflict_do_nothing().returning(table.c.message_id)
    )
    rows = [{"consumer": consumer, "message_id": m, "processed_at": now} for m in unique]
    return set((await conn.execute(statement, rows)).scalars())
