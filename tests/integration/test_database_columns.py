"""A table that gains columns after it was created: start-up adds the nullable
ones to the existing table and refuses, naming it, one that may not be null.
On SQLite and on the real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, inspect, select

from ec_platform.database import Database
from tests.support.infra import DATABASES, database_of


@pytest.fixture(params=DATABASES)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with database_of(request.param, tmp_path) as url:
        database = Database.open(url, schema="grown")
        try:
            yield database
        finally:
            await database.close()


def things(*extra: Column[object]) -> tuple[MetaData, Table]:
    metadata = MetaData()
    table = Table(
        "things", metadata, Column("id", Integer, primary_key=True), *extra, schema="grown"
    )
    return metadata, table


async def test_the_nullable_columns_a_table_gained_are_added_and_its_rows_kept(
    db: Database,
) -> None:
    # given a table with a row, created before it had a `label`
    metadata, table = things()
    await db.create(metadata)
    async with db.transaction() as conn:
        await conn.execute(insert(table).values(id=1))

    # when it is created again, declaring the new nullable column
    metadata, table = things(Column("label", String(20)))
    await db.create(metadata, grown=[table])
    await db.create(metadata, grown=[table])  # and again: nothing more to add

    # then the old row reads null there, and a new row keeps its value
    async with db.transaction() as conn:
        await conn.execute(insert(table).values(id=2, label="new"))
    async with db.read() as conn:
        rows = (await conn.execute(select(table.c.id, table.c.label).order_by(table.c.id))).all()
    assert [tuple(row) for row in rows] == [(1, None), (2, "new")]


async def test_a_required_column_the_table_lacks_stops_start_up_naming_it(db: Database) -> None:
    metadata, _ = things()
    await db.create(metadata)

    metadata, table = things(Column("weight", Integer, nullable=False))
    with pytest.raises(RuntimeError, match=r"things\.weight"):
        await db.create(metadata, grown=[table])


async def test_a_table_not_said_to_have_grown_is_left_as_it_is(db: Database) -> None:
    # (a service that checks its own tables' shape, as the notifier does, keeps its word)
    metadata, _ = things()
    await db.create(metadata)

    metadata, _ = things(Column("label", String(20)))
    await db.create(metadata)

    async with db.read() as conn:
        columns = await conn.run_sync(
            lambda sync: [
                c["name"] for c in inspect(sync).get_columns("things", db.physical_schema)
            ]
        )
    assert columns == ["id"]
