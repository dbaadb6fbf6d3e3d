"""One contract, two databases: the event log on SQLite and on real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, text
from sqlalchemy.exc import DBAPIError

from ec_platform.storage.database import Database
from ec_platform.storage.eventlog import (
    DuplicateEvent,
    EventLog,
    NewEvent,
    VersionConflict,
    append_only_ddl,
    event_log_table,
)
from harness.infra import DATABASES, database_of

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def new(type: str = "RecordLinked", **data: object) -> NewEvent:
    return NewEvent(
        event_id=uuid.uuid4(),
        type=type,
        data={"n": 1, **data},
        actor_role="operator",
        actor_name="olivia",
        correlation_id="corr-1",
    )


@pytest.fixture(params=DATABASES)
async def log(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[EventLog]:
    async with database_of(request.param, tmp_path) as url:
        db = Database.open(url, schema="contract")
        metadata = MetaData()
        table = event_log_table(metadata, schema="contract")
        await db.create(metadata, append_only_ddl(db, table))
        try:
            yield EventLog(db, table)
        finally:
            await db.close()


async def append(log: EventLog, stream: str, expected: int, *events: NewEvent) -> None:
    async with log.db.transaction() as conn:
        await log.append(conn, stream, expected, list(events), recorded_at=NOW)


async def test_several_streams_read_back_at_once_each_past_its_own_version(
    log: EventLog,
) -> None:
    first, second, empty = (str(uuid.uuid4()) for _ in range(3))
    await append(log, first, 0, new(n=1), new(n=2), new(n=3))
    await append(log, second, 0, new(n=4), new(n=5))

    async with log.db.read() as conn:
        read = await log.read_streams(conn, {first: 1, second: 0, empty: 0})

    assert {k: [s.data["n"] for s in v] for k, v in read.items()} == {
        first: [2, 3],
        second: [4, 5],
        empty: [],
    }


async def test_a_stream_reads_back_in_order_with_versions_from_one(log: EventLog) -> None:
    stream = str(uuid.uuid4())
    await append(log, stream, 0, new(n=1), new(n=2))
    await append(log, stream, 2, new(n=3))

    async with log.db.read() as conn:
        stored = await log.read_stream(conn, stream)

    assert [s.stream_version for s in stored] == [1, 2, 3]
    assert [s.data["n"] for s in stored] == [1, 2, 3]
    assert [s.position for s in stored] == sorted(s.position for s in stored)
    assert stored[0].actor_name == "olivia"
    assert stored[0].recorded_at == NOW
    assert len({s.hash for s in stored}) == 3


@pytest.mark.parametrize(("existing", "expected"), [(2, 0), (2, 1), (2, 3), (0, 1)])
async def test_an_append_at_the_wrong_version_conflicts(
    log: EventLog, existing: int, expected: int
) -> None:
    stream = str(uuid.uuid4())
    if existing:
        await append(log, stream, 0, *(new() for _ in range(existing)))

    with pytest.raises(VersionConflict):
        await append(log, stream, expected, new())

    async with log.db.read() as conn:
        assert len(await log.read_stream(conn, stream)) == existing


async def test_the_same_event_id_is_never_stored_twice(log: EventLog) -> None:
    event = new()
    await append(log, str(uuid.uuid4()), 0, event)
    with pytest.raises(DuplicateEvent):
        await append(log, str(uuid.uuid4()), 0, event)


@pytest.mark.parametrize("statement", ["UPDATE {t} SET type = 'Altered'", "DELETE FROM {t}"])
async def test_the_database_itself_refuses_to_change_stored_events(
    log: EventLog, statement: str
) -> None:
    await append(log, str(uuid.uuid4()), 0, new())
    table = f"{log.db.qualifier}{log.table.name}"

    with pytest.raises(DBAPIError, match="append-only"):
        async with log.db.transaction() as conn:
            await conn.execute(text(statement.format(t=table)))


async def test_readers_follow_one_global_order_across_streams(log: EventLog) -> None:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    await append(log, a, 0, new(n=1))
    await append(log, b, 0, new(n=2), new(n=3))
    await append(log, a, 1, new(n=4))

    async with log.db.read() as conn:
        everything = await log.read_after(conn, 0, limit=100)
        after_first = await log.read_after(conn, everything[0].position, limit=2)

    assert [e.data["n"] for e in everything] == [1, 2, 3, 4]
    assert [e.data["n"] for e in after_first] == [2, 3]


async def test_two_appends_in_one_transaction_get_distinct_increasing_positions(
    log: EventLog,
) -> None:
    async with log.db.transaction() as conn:
        await log.append(conn, str(uuid.uuid4()), 0, [new(n=1)], recorded_at=NOW)
        await log.append(conn, str(uuid.uuid4()), 0, [new(n=2), new(n=3)], recorded_at=NOW)

    async with log.db.read() as conn:
        stored = await log.read_after(conn, 0, limit=10)

    assert [s.data["n"] for s in stored] == [1, 2, 3]
    assert len({s.position for s in stored}) == 3


async def test_an_open_transaction_holds_readers_back_rather_than_being_skipped(
    log: EventLog,
) -> None:
    if log.db.is_sqlite:
        pytest.skip("SQLite serialises writers; no append can commit out of order")
    # given a transaction that appended but has not committed yet
    slow = str(uuid.uuid4())
    async with log.db.engine.connect() as slow_conn:
        transaction = await slow_conn.begin()
        await log.append(slow_conn, slow, 0, [new(n=1)], recorded_at=NOW)
        # when a later transaction commits its own event
        await append(log, str(uuid.uuid4()), 0, new(n=2))
        async with log.db.read() as conn:
            while_open = await log.read_after(conn, 0, limit=10)
        await transaction.commit()

    async with log.db.read() as conn:
        after_commit = await log.read_after(conn, 0, limit=10)

    # then a tailing reader saw neither until the older one finished, then both in order
    assert while_open == []
    assert [e.data["n"] for e in after_commit] == [1, 2]
