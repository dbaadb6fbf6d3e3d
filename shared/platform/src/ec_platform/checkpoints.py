"""Named positions a reader of an event log has reached (relays, projections)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, MetaData, String, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_platform.sqltypes import UtcDateTime


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
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    values = {"name": name, "position": position, "updated_at": datetime.now(UTC)}
    statement = insert(table).values(values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.name],
            set_={
                "position": statement.excluded.position,
                "updated_at": statement.excluded.updated_at,
            },
        )
    )
