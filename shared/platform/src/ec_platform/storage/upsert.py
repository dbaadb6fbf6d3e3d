"""INSERT … ON CONFLICT in the dialect of the connection: PostgreSQL and SQLite
spell it alike, but SQLAlchemy builds it from each dialect's own insert."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

ConflictAwareInsert = PostgresInsert | SqliteInsert


def insert_on_conflict(conn: AsyncConnection, table: Table) -> ConflictAwareInsert:
    """An insert into `table` that can say what to do on a conflict."""
    return _insert(conn.dialect.name, table)


def upsert(
    conn: AsyncConnection,
    table: Table,
    *,
    keep: frozenset[str] = frozenset(),
    only_if_newer: str | None = None,
) -> ConflictAwareInsert:
    """INSERT … ON CONFLICT (the primary key) DO UPDATE: every other column but
    those in `keep` takes the new row's value; with `only_if_newer`, only when
    the new row's value of that column is greater. For many rows at once.

    Built once per dialect, table and shape, then reused: building a
    statement's `excluded` columns took more of a command's time in the
    escalation service than running the statement (py-spy, `make bench`'s api)."""
    return _upsert(conn.dialect.name, table, keep, only_if_newer)


def _insert(dialect: str, table: Table) -> ConflictAwareInsert:
    return postgres_insert(table) if dialect == "postgresql" else sqlite_insert(table)


@lru_cache(maxsize=256)
def _upsert(
    dialect: str, table: Table, keep: frozenset[str], only_if_newer: str | None
) -> ConflictAwareInsert:
    statement = _insert(dialect, table)
    excluded = statement.excluded
    key = [column.name for column in table.primary_key.columns]
    changed = [c.name for c in table.columns if c.name not in keep and c.name not in key]
    return statement.on_conflict_do_update(
        index_elements=key,
        set_={name: excluded[name] for name in changed},
        where=(table.c[only_if_newer] < excluded[only_if_newer]) if only_if_newer else None,
    )
