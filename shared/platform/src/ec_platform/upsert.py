"""INSERT … ON CONFLICT in the dialect of the connection: PostgreSQL and SQLite
spell it alike, but SQLAlchemy builds it from each dialect's own insert."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

ConflictAwareInsert = PostgresInsert | SqliteInsert


def insert_on_conflict(conn: AsyncConnection, table: Table) -> ConflictAwareInsert:
    """An insert into `table` that can say what to do on a conflict."""
    if conn.dialect.name == "postgresql":
        return postgres_insert(table)
    return sqlite_insert(table)
