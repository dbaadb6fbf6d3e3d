"""The escalation store on SQLite and real PostgreSQL: snapshots are only a
cache, the read models rebuild from the events, and tampering is found."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from ec_escalation.domain import commands as c
from ec_escalation.service import open_store
from ec_escalation.store.audit import verify
from ec_escalation.store.projections import SNAPSHOT_EVERY
from ec_escalation.store.rebuild import rebuild
from ec_escalation.store.tables import SCHEMA
from ec_escalation.use_cases.escalations import Escalations
from ec_events.base import Person
from ec_platform.storage.database import Database
from harness.infra import DATABASES, database_of

ACTOR = ("operator", "olivia")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture(params=DATABASES)
async def escalations(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Escalations]:
    async with database_of(request.param, tmp_path) as url:
        db = Database.open(url, schema=SCHEMA)
        try:
            yield Escalations(await open_store(db), Clock(), lambda: None)
        finally:
            await db.close()


async def started(escalations: Escalations, progress_reports: int = 0) -> uuid.UUID:
    recorded = await escalations.start(
        c.StartEscalation(trigger="manual", reason="customer called", title="EU payments down"),
        actor=ACTOR,
    )
    escalation_id = recorded.state.id
    await escalations.execute(
        escalation_id,
        c.AssignManager(Person(id="u1", name="Dana", email="d@p.example")),
        actor=ACTOR,
    )
    for n in range(progress_reports):
        due = escalations.clock() + timedelta(hours=1)
        await escalations.execute(escalation_id, c.ReportProgress(f"update {n}", due), actor=ACTOR)
    return escalation_id


async def board_rows(escalations: Escalations) -> list[dict[str, Any]]:
    return await rows_of(escalations, "board")


async def rows_of(escalations: Escalations, name: str) -> list[dict[str, Any]]:
    table = getattr(escalations.store.tables, name)
    async with escalations.store.db.read() as conn:
        rows = await conn.execute(select(table).order_by(table.c.escalation_id))
        return [dict(r._mapping) for r in rows]


async def test_a_snapshot_is_a_cache_that_loading_may_use_or_ignore(
    escalations: Escalations,
) -> None:
    store = escalations.store
    escalation_id = await started(escalations, progress_reports=SNAPSHOT_EVERY + 5)
    async with store.db.read() as conn:
        loaded = await store.load(conn, escalation_id)
        replayed = await store.load_as_of(
            conn, escalation_id, datetime.now(UTC) + timedelta(days=9)
        )
        snapshot = (await conn.execute(select(store.tables.snapshots))).one()
    assert snapshot.version == SNAPSHOT_EVERY
    assert loaded == replayed

    # a snapshot written by another state shape is ignored, not trusted
    async with store.db.transaction() as conn:
        await conn.execute(update(store.tables.snapshots).values(state_schema=999, state={}))
    async with store.db.read() as conn:
        assert await store.load(conn, escalation_id) == replayed


async def test_the_read_models_rebuild_from_the_events_alone(escalations: Escalations) -> None:
    for reports in (0, 3, SNAPSHOT_EVERY):
        await started(escalations, progress_reports=reports)
    before = await board_rows(escalations)
    measured = await rows_of(escalations, "measures")
    store = escalations.store
    async with store.db.transaction() as conn:
        await conn.execute(update(store.tables.board).values(status="garbled", level=42))
        await conn.execute(update(store.tables.measures).values(status="garbled", trail={}))

    result = await rebuild(store)

    assert result.escalations == 3
    assert result.events == 3 * 2 + 3 + SNAPSHOT_EVERY
    assert await board_rows(escalations) == before
    assert len(measured) == 3
    assert await rows_of(escalations, "measures") == measured


async def test_an_altered_event_is_found_and_named_by_its_position(
    escalations: Escalations,
) -> None:
    escalation_id = await started(escalations, progress_reports=3)
    store = escalations.store
    assert (await verify(store.log)).ok

    async with store.db.read() as conn:
        third = (await store.log.read_stream(conn, str(escalation_id)))[2]
    # only someone who switches the append-only triggers off can alter an event
    table = f"{store.db.qualifier}events"
    async with store.db.transaction() as conn:
        if store.db.is_sqlite:
            await conn.execute(text("DROP TRIGGER events_no_update"))
        else:
            await conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        await conn.execute(
            text(f"UPDATE {table} SET data = :data WHERE position = :position"),
            {"data": '{"note": "nothing happened"}', "position": third.position},
        )

    outcome = await verify(store.log)

    assert not outcome.ok
    assert outcome.first_broken_position == third.position
    assert outcome.checked == 2
