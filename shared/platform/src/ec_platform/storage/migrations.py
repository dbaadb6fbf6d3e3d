"""Versioned schema migrations (Alembic), one history per service, run from
code: no alembic.ini, the revision scripts ship inside each service's package.

A service's history is its `migrations/versions` folder; each revision's
`upgrade(schema)` receives the physical schema (None on SQLite, where each
service has its own file). The version is kept in `alembic_version_<service>`,
so services sharing one database never read each other's."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection

from ec_platform.storage.database import Database
from ec_platform.storage.event_records import append_only_statements

log = logging.getLogger(__name__)


class SchemaTooNew(Exception):
    """The database is at a revision this code does not know: a newer release
    migrated it. Starting would misread its tables."""

    def __init__(self, service: str, revision: str, head: str | None) -> None:
        super().__init__(
            f"{service}: the database is at schema revision {revision!r}, which this version "
            f"does not know (its latest is {head!r}); run the release that migrated it"
        )
        self.revision = revision


class UnknownTables(Exception):
    """Tables from before migrations that are not the first release's."""


@dataclass(frozen=True)
class History:
    """A service's migrations: where its revision scripts are, and the tables
    its current code declares (what the head revision must produce)."""

    service: str
    scripts: Path
    metadata: MetaData

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.service}"

    def directory(self) -> ScriptDirectory:
        return ScriptDirectory(str(self.scripts))

    @property
    def head(self) -> str:
        head = self.directory().get_current_head()
        assert head is not None, f"{self.scripts} holds no revision"
        return head


async def migrate(db: Database, history: History, *, to: str = "head") -> list[str]:
    """Brings the database to the head revision (or `to`); returns the revisions applied
    (none when it is there already). An empty database gets every revision; one
    created before migrations (tables, no version table) is recognised as the
    first release and continues from there; a newer one is refused."""
    # Alembic's own lines (its dialect, each step) repeat at every start; the
    # revisions applied are logged or printed by the callers, once.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    async with db.transaction() as conn:
        if not db.is_sqlite:
            # Replicas starting at once would each try to apply the same revision.
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:s))"),
                {"s": f"migrate {db.physical_schema}"},
            )
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{db.physical_schema}"'))
        return await conn.run_sync(lambda sync: _upgrade(sync, db, history, to))


async def current_revision(db: Database, history: History) -> str | None:
    async with db.read() as conn:
        return await conn.run_sync(lambda sync: _context(sync, db, history).get_current_revision())


def _context(conn: Connection, db: Database, history: History, **opts: Any) -> MigrationContext:
    return MigrationContext.configure(
        conn,
        opts={
            "version_table": history.version_table,
            "version_table_schema": db.physical_schema,
            **opts,
        },
    )


def _upgrade(conn: Connection, db: Database, history: History, to: str) -> list[str]:
    scripts = history.directory()
    context = _context(conn, db, history)
    current = context.get_current_revision()
    if current is None and _existing_tables(conn, db, history):
        current = _first_release(conn, db, history.service, scripts)
        context.stamp(scripts, current)
    if current is not None and current not in {r.revision for r in scripts.walk_revisions()}:
        raise SchemaTooNew(history.service, current, scripts.get_current_head())
    applied: list[str] = []

    def steps(revision: Any, _context: MigrationContext) -> list[Any]:
        planned = scripts._upgrade_revs(to, revision)
        applied.extend(f"{s.revision.revision} ({s.revision.doc})" for s in planned)
        return planned

    context = _context(conn, db, history, fn=steps)
    with Operations.context(context):
        context.run_migrations(schema=db.physical_schema)
    return applied


def _existing_tables(conn: Connection, db: Database, history: History) -> set[str]:
    found = set(inspect(conn).get_table_names(schema=db.physical_schema))
    return found & {table.name for table in history.metadata.tables.values()}


def _first_release(conn: Connection, db: Database, service: str, scripts: ScriptDirectory) -> str:
    """The base revision, if the tables there are the first release's (as
    create_all made them before migrations); a later revision adds what they
    lack, and so may find it already there (see add_missing_columns)."""
    base = scripts.get_base()
    assert base is not None
    expected = set(scripts.get_revision(base).module.TABLES)
    missing = expected - set(inspect(conn).get_table_names(schema=db.physical_schema))
    if missing:
        raise UnknownTables(
            f"{service}: the database has some of the tables but not {sorted(missing)}, and "
            "no version "
            "table: it is not a release this version can migrate"
        )
    return base


def add_missing_columns(table: str, columns: Sequence[Any], *, schema: str | None) -> None:
    """Adds those of `columns` (nullable ones) that `table` lacks. Databases
    created before migrations may have them already: the services added them
    at start-up then."""
    from alembic import op

    existing = {c["name"] for c in inspect(op.get_bind()).get_columns(table, schema=schema)}
    for column in columns:
        if column.name not in existing:
            op.add_column(table, column, schema=schema)


def make_append_only(table: str, *, schema: str | None) -> None:
    """The triggers that make the database refuse to change `table`'s rows."""
    from alembic import op

    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in append_only_statements(table, sqlite=sqlite, qualifier=qualifier(schema)):
        op.execute(statement)


def qualifier(schema: str | None) -> str:
    return f'"{schema}".' if schema else ""


async def migrate_at_start(db: Database, history: History) -> None:
    """What a service does on starting: migrate an empty or older database
    (so `make run` needs no step of its own), refuse a newer one by exiting."""
    try:
        applied = await migrate(db, history)
    except (SchemaTooNew, UnknownTables) as error:
        raise SystemExit(str(error)) from None
    for revision in applied:
        log.info("%s: applied schema revision %s", history.service, revision)
