"""Named positions a reader of an event log has reached (relays, projections)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_platform.storage.sqltypes import UtcDateTime
from ec_platform.storage.upsert import upsert


def checkpoint_table(metadata: MetaData, *, schema: str) -> Table:
    return Table(
        "checkpoints",
        metadata,
        Column("name", String(100), primary_key=True),
        Column("position", BigInteger, nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        schema=schema,
    )


async def load_checkpoint(conn: AsyncConnection, table: Table, name: str) -> int:
    position = await conn.scalar(select(table.c.position).where(table.c.name == name))
    return int(position or 0)


async def save_checkpoint(conn: AsyncConnection, table: Table, name: str, position: int) -> None:
    values = {"name": name, "position": position, "updated_at": datetime.now(UTC)}
    await conn.execute(upsert(conn, table), values)
