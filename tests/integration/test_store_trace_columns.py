"""An event store from before traces were kept gains the trace context
columns at start-up; its old events keep their hashes, new ones keep the trace
they were appended in, and the whole chain verifies. On SQLite and on the
real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, Table, insert, text

from ec_escalation.audit import verify
from ec_escalation.existing_store import NoStore, require_event_store
from ec_escalation.store import EscalationStore
from ec_escalation.tables import SCHEMA, define_tables
from ec_platform.database import Database
from ec_platform.event_records import (
    GENESIS_HASH,
    Append,
    NewEvent,
    append_only_ddl,
    chain_hash,
    new_row,
)
from ec_platform.eventlog import EventLog
from ec_platform.tracing import TraceContext, continued_span
from tests.support.infra import DATABASES, database_of
from tests.support.traces import CALLER_TRACE_ID, CALLER_TRACEPARENT, recorded_spans

AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TRACE_COLUMNS = ("traceparent", "tracestate")


@pytest.fixture(params=DATABASES)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with database_of(request.param, tmp_path) as url:
        database = Database.open(url, schema=SCHEMA)
        try:
            yield database
        finally:
            await database.close()


def a_note(text_: str) -> NewEvent:
    return NewEvent(
        event_id=uuid.uuid4(),
        type="ProgressReported",
        data={"note": text_},
        actor_role="operator",
        actor_name="olivia",
    )


async def an_old_store(db: Database, stream_id: str, notes: list[str]) -> None:
    """The event table as the first release made it (no trace context), its
    triggers, and a stream of events hashed as that release did."""
    today = define_tables().events
    metadata = MetaData()
    Table(
        today.name,
        metadata,
        *(
            Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
            for c in today.columns
            if c.name not in TRACE_COLUMNS
        ),
        schema=SCHEMA,
    )
    old = metadata.tables[f"{SCHEMA}.{today.name}"]
    await db.create(metadata, append_only_ddl(db, old))
    previous, rows = GENESIS_HASH, []
    for index, note in enumerate(notes):
        row = new_row(
            Append(stream_id, 0, []), index, a_note(note), position=index + 1, recorded_at=AT
        )
        for name in TRACE_COLUMNS:
            del row[name]
        previous = row["hash"] = chain_hash(previous, row)
        rows.append(row)
    async with db.transaction() as conn:
        await conn.execute(insert(old), rows)


async def test_an_old_store_gains_the_trace_columns_and_its_chain_still_verifies(
    db: Database,
) -> None:
    # given a store of the first release holding a stream of two events
    await an_old_store(db, "esc-1", ["first", "second"])

    # when today's service starts on it and appends within a caller's trace
    tables = define_tables()
    await EscalationStore(db, tables).create()
    log = EventLog(db, tables.events)
    recorded_spans()
    with continued_span("command", TraceContext(CALLER_TRACEPARENT)):
        async with db.transaction() as conn:
            await log.append(conn, "esc-1", 2, [a_note("third")], recorded_at=AT)

    # then the old events are there without a trace, the new one with the caller's
    async with db.read() as conn:
        stored = await log.read_stream(conn, "esc-1")
    assert [e.data["note"] for e in stored] == ["first", "second", "third"]
    assert [e.traceparent for e in stored[:2]] == [None, None]
    assert stored[2].traceparent is not None
    assert stored[2].traceparent.split("-")[1] == CALLER_TRACE_ID

    # and the whole chain verifies, old hashes and new
    verification = await verify(log)
    assert (verification.ok, verification.checked) == (True, 3)

    # and the store is still append-only
    with pytest.raises(Exception, match="append-only"):
        async with db.transaction() as conn:
            await conn.execute(text(f"UPDATE {db.qualifier}events SET traceparent = NULL"))


async def test_verify_on_an_old_store_says_to_bring_it_up_to_date_first(
    db: Database,
) -> None:
    # given a store of the first release that no service of today has started on
    await an_old_store(db, "esc-1", ["first"])

    # then verify (read-only) refuses, naming the columns it lacks, while
    # rebuild-projections (which adds them) may go on
    with pytest.raises(NoStore, match=r"predates its columns \['traceparent', 'tracestate'\]"):
        await require_event_store(db, define_tables())
    await require_event_store(db, define_tables(), as_of_today=False)
