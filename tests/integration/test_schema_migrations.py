"""Each service's versioned migrations, on SQLite and the real PostgreSQL: a
database of the first release (created at start-up, no version table) is
recognised and migrated with every row intact and every hash chain verifying;
migrating again changes nothing; a schema newer than the code is refused; and
what the migrations build is what the code declares."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, text
from sqlalchemy.engine import Connection

from ec_escalation.store.audit import verify
from ec_escalation.store.migrations import history as escalation_history
from ec_intake.migrations import history as intake_history
from ec_monitor.migrations import history as monitor_history
from ec_notifier.store.migrations import history as notifier_history
from ec_platform.storage.database import Database
from ec_platform.storage.eventlog import EventLog
from ec_platform.storage.migrations import (
    History,
    SchemaTooNew,
    current_revision,
    migrate,
    migrate_at_start,
)
from harness.infra import DATABASES, database_of
from tests.support.first_release import (
    EVENT_LOGS,
    a_first_release_database,
    fill,
    later_revisions,
    read_back,
)

# The trace columns came in the last release that created its tables at start-up.
LAST_RELEASE_BEFORE_MIGRATIONS = "0002"
HISTORIES: dict[str, Callable[[], History]] = {
    "intake": intake_history,
    "escalation": escalation_history,
    "monitor": monitor_history,
    "notifier": notifier_history,
}


@pytest.fixture(params=DATABASES)
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with database_of(request.param, tmp_path) as database_url:
        yield database_url


@pytest.fixture(params=list(HISTORIES))
def history(request: pytest.FixtureRequest) -> History:
    return HISTORIES[request.param]()


@pytest.fixture
async def db(url: str, history: History) -> AsyncIterator[Database]:
    database = Database.open(url, schema=history.service)
    try:
        yield database
    finally:
        await database.close()


async def test_a_first_release_database_keeps_every_row_and_chain_when_migrated(
    db: Database, history: History
) -> None:
    # given a database as the first release left it, holding rows in every table
    await a_first_release_database(db, history)
    written = await fill(db, history)

    # when it is migrated
    applied = await migrate(db, history)

    # then it was taken to be the first release and brought to the head
    assert [revision.split(" ")[0] for revision in applied] == later_revisions(history)
    assert await current_revision(db, history) == history.head
    # and every row is there as written, with no trace context it never had
    found = await read_back(db, history, written)
    for table, rows in written.items():
        assert found[table] == rows, table
        assert all(not any(later.values()) for later in found[f"{table} later columns"])
    # and every hash chain verifies
    if history.service in EVENT_LOGS:
        log = EventLog(
            db, history.metadata.tables[f"{history.service}.{EVENT_LOGS[history.service]}"]
        )
        verification = await verify(log)
        assert (verification.ok, verification.checked) == (True, len(written[log.table.name]))
        # and the log is still append-only
        with pytest.raises(Exception, match="append-only"):
            async with db.transaction() as conn:
                await conn.execute(text(f"UPDATE {db.qualifier}{log.table.name} SET hash = ''"))


async def test_a_database_whose_trace_columns_came_before_migrations_is_migrated_too(
    db: Database, history: History
) -> None:
    # given a database the services of the last release before migrations made:
    # the tables of then, the trace columns added at start-up, and no version table
    await migrate(db, history, to=LAST_RELEASE_BEFORE_MIGRATIONS)
    async with db.transaction() as conn:
        await conn.execute(text(f"DROP TABLE {db.qualifier}{history.version_table}"))

    # when it is migrated
    applied = await migrate(db, history)

    # then it is taken to be the first release, and the trace revision finds its columns there
    assert [revision.split(" ")[0] for revision in applied] == later_revisions(history)
    assert await current_revision(db, history) == history.head
    declared = _in_schema(history.metadata, db.physical_schema)
    async with db.read() as conn:
        assert await conn.run_sync(lambda sync: _differences(sync, db, declared)) == []


async def test_migrating_again_applies_nothing(db: Database, history: History) -> None:
    # given an empty database migrated once
    first = await migrate(db, history)

    # when it is migrated again
    again = await migrate(db, history)

    # then the first run applied every revision, the second none
    assert [revision.split(" ")[0] for revision in first] == ["0001", *later_revisions(history)]
    assert again == []
    assert await current_revision(db, history) == history.head


async def test_a_schema_newer_than_the_code_is_refused_naming_its_revision(
    db: Database, history: History
) -> None:
    # given a database a later release migrated to a revision this code lacks
    await migrate(db, history)
    async with db.transaction() as conn:
        await conn.execute(
            text(f"UPDATE {db.qualifier}{history.version_table} SET version_num = '9999'")
        )

    # then migrating refuses, and so does a service starting on it
    with pytest.raises(SchemaTooNew, match="'9999'"):
        await migrate(db, history)
    with pytest.raises(SystemExit, match=r"revision '9999'.*does not know"):
        await migrate_at_start(db, history)


async def test_what_the_migrations_build_is_what_the_code_declares(
    db: Database, history: History
) -> None:
    # given an empty database migrated to the head
    await migrate(db, history)

    # when it is compared with the tables the code declares
    declared = _in_schema(history.metadata, db.physical_schema)
    async with db.read() as conn:
        differences = await conn.run_sync(lambda sync: _differences(sync, db, declared))

    # then there is no difference (a forgotten migration would show here) ...
    assert differences == []
    # ... as a column the migrations never added would
    table = next(iter(declared.tables.values()))
    table.append_column(Column("forgotten", String(10)))
    async with db.read() as conn:
        differences = await conn.run_sync(lambda sync: _differences(sync, db, declared))
    assert [d[0] for d in differences] == ["add_column"]


def test_the_migrate_command_says_what_it_applied_then_that_nothing_is_left(
    tmp_path: Path,
) -> None:
    # given an empty SQLite database
    environment = {"EC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/ec.db", "PATH": ""}

    # when the monitor's migrate command runs twice
    runs = [
        subprocess.run(
            [sys.executable, "-m", "ec_monitor", "migrate"],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        for _ in range(2)
    ]

    # then the first applied both revisions, the second nothing, both at the head
    assert [run.returncode for run in runs] == [0, 0], [run.stderr for run in runs]
    assert "monitor: applied 0001" in runs[0].stdout
    assert "monitor: applied 0002" in runs[0].stdout
    assert "applied" not in runs[1].stdout
    assert "monitor: schema at 0002 (head)" in runs[1].stdout


def _in_schema(metadata: MetaData, schema: str | None) -> MetaData:
    """The declared tables where this database keeps them (SQLite: no schema)."""
    placed = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(placed, schema=schema)
    return placed


def _differences(conn: Connection, db: Database, declared: MetaData) -> list[tuple[object, ...]]:
    context = MigrationContext.configure(
        conn,
        opts={
            "compare_type": True,
            "include_schemas": not db.is_sqlite,
            "include_name": lambda name, kind, _parent: (
                not name.startswith("alembic_version")
                if kind == "table"
                else kind != "schema" or name == db.physical_schema
            ),
        },
    )
    return [
        tuple(d) if isinstance(d, tuple) else tuple(d[0])
        for d in compare_metadata(context, declared)
    ]
