"""An event store of the first release, migrated: its old events keep their
hashes, new ones keep the trace they were appended in, and the whole chain
verifies; before it is migrated, verify says to migrate it. On SQLite and on
the real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ec_escalation.store.audit import verify
from ec_escalation.store.event_store import EscalationStore
from ec_escalation.store.existing import NoStore, require_event_store
from ec_escalation.store.migrations import history
from ec_escalation.store.tables import SCHEMA, define_tables
from ec_platform.observability.tracing import TraceContext, continued_span
from ec_platform.storage.database import Database
from ec_platform.storage.event_records import NewEvent
from ec_platform.storage.eventlog import EventLog
from harness.infra import DATABASES, database_of
from tests.support.first_release import AT, a_first_release_database, fill
from tests.support.traces import CALLER_TRACE_ID, CALLER_TRACEPARENT, recorded_spans


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


async def test_a_first_release_store_keeps_its_chain_and_new_events_their_trace(
    db: Database,
) -> None:
    # given a store of the first release holding a stream of three events
    await a_first_release_database(db, history())
    written = await fill(db, history())
    old = [row for row in written["events"] if row["stream_id"] == "stream-a"]

    # when today's service starts on it and appends within a caller's trace
    tables = define_tables()
    await EscalationStore(db, tables).create()
    log = EventLog(db, tables.events)
    recorded_spans()
    with continued_span("command", TraceContext(CALLER_TRACEPARENT)):
        async with db.transaction() as conn:
            await log.append(conn, "stream-a", len(old), [a_note("new")], recorded_at=AT)

    # then the old events are there without a trace, the new one with the caller's
    async with db.read() as conn:
        stored = await log.read_stream(conn, "stream-a")
    assert [e.event_id for e in stored[:-1]] == [row["event_id"] for row in old]
    assert [e.traceparent for e in stored[:-1]] == [None] * len(old)
    assert stored[-1].traceparent is not None
    assert stored[-1].traceparent.split("-")[1] == CALLER_TRACE_ID

    # and the whole chain verifies, old hashes and new
    verification = await verify(log)
    assert (verification.ok, verification.checked) == (True, len(written["events"]) + 1)


async def test_verify_on_a_first_release_store_says_to_migrate_it_first(
    db: Database,
) -> None:
    # given a store of the first release that nothing of today has migrated
    await a_first_release_database(db, history())

    # then verify (read-only) refuses, naming the columns it lacks and the command,
    # while rebuild-projections (which migrates) may go on
    with pytest.raises(NoStore, match=r"predates its columns \['traceparent', 'tracestate'\]"):
        await require_event_store(db, define_tables())
    with pytest.raises(NoStore, match="python -m ec_escalation migrate"):
        await require_event_store(db, define_tables())
    await require_event_store(db, define_tables(), as_of_today=False)
