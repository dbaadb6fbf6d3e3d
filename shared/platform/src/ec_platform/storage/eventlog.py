"""An append-only log of events in streams, with a global order that tailing
readers follow without ever skipping a late-committing event.

Used as the escalation service's event store and as the intake's outbox.

Global order on PostgreSQL. A plain sequence is unsafe to tail: two
transactions can take positions 7 and 8 and commit 8 first, so a reader that
saw 8 never looks back for 7. Here a position is the appending transaction's
id (xid8) times 2**16 plus the event's index within that transaction. Every
transaction whose id is below the oldest transaction still running
(`pg_snapshot_xmin`) has finished, and every later one has a larger id, so a
reader that only reads positions below `xmin * 2**16` has seen all there will
ever be below that line. Positions are therefore increasing but not dense.
On SQLite writers are serialised (see Database), so positions are 1, 2, 3…
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from opentelemetry.trace import SpanKind
from sqlalchemy import Table, bindparam, func, insert, select, text, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_platform.observability.tracing import child_span, current_trace_context
from ec_platform.storage.database import Database
from ec_platform.storage.event_records import (
    GENESIS_HASH,
    POSITIONS_PER_TRANSACTION,
    Append,
    DuplicateEvent,
    NewEvent,
    Payload,
    StoredEvent,
    VersionConflict,
    append_only_ddl,
    chain_hash,
    event_log_table,
    new_row,
    stored_from,
)
from ec_platform.storage.pgscan import scan_after, scan_payloads_after, scan_stream

__all__ = [
    "GENESIS_HASH",
    "Append",
    "DuplicateEvent",
    "EventLog",
    "NewEvent",
    "Payload",
    "StoredEvent",
    "VersionConflict",
    "append_only_ddl",
    "chain_hash",
    "event_log_table",
]


class EventLog:
    def __init__(self, db: Database, table: Table) -> None:
        self.db = db
        self.table = table
        self._name = f"{db.qualifier}{table.name}"
        # OpenTelemetry's database semantic conventions, for this log's spans.
        self._db = {
            "db.system.name": "sqlite" if db.is_sqlite else "postgresql",
            "db.collection.name": table.name,
        }
        # The statements every append runs, built once: building and keying a
        # statement anew cost an append more than the database's work.
        self._next_position_sql = text(_next_position_sql(self._name, sqlite=db.is_sqlite))
        self._previous_hashes_sql = select(table.c.stream_id, table.c.hash).where(
            tuple_(table.c.stream_id, table.c.stream_version).in_(
                bindparam("pairs", expanding=True)
            )
        )
        self._insert = insert(table)

    async def append(
        self,
        conn: AsyncConnection,
        stream_id: str,
        expected_version: int,
        events: Sequence[NewEvent],
        *,
        recorded_at: datetime,
    ) -> list[StoredEvent]:
        """Appends after `expected_version` (0 for a new stream) inside the
        caller's transaction, or raises VersionConflict."""
        return await self.append_many(
            conn, [Append(stream_id, expected_version, events)], recorded_at=recorded_at
        )

    async def append_many(
        self, conn: AsyncConnection, appends: Sequence[Append], *, recorded_at: datetime
    ) -> list[StoredEvent]:
        """Appends to several streams (each named once) in one insert; a batch
        of writers pays one round trip, not one each."""
        appends = [a for a in appends if a.events]
        if not appends:
            return []
        with child_span(f"append {self.table.name}", kind=SpanKind.CLIENT, attributes=self._db):
            return await self._append_many(conn, appends, recorded_at=recorded_at)

    async def _append_many(
        self, conn: AsyncConnection, appends: Sequence[Append], *, recorded_at: datetime
    ) -> list[StoredEvent]:
        if sum(len(a.events) for a in appends) >= POSITIONS_PER_TRANSACTION:
            raise ValueError("too many events in one transaction")
        position = await self._next_position(conn)
        previous = await self._previous_hashes(conn, appends)
        trace_context = current_trace_context()
        rows: list[dict[str, Any]] = []
        for item in appends:
            chain = previous.get(item.stream_id, GENESIS_HASH)
            if item.expected_version > 0 and item.stream_id not in previous:
                raise VersionConflict(item.stream_id, item.expected_version)
            for index, new in enumerate(item.events):
                row = new_row(
                    item,
                    index,
                    new,
                    position=position,
                    recorded_at=recorded_at,
                    trace_context=trace_context,
                )
                chain = row["hash"] = chain_hash(chain, row)
                rows.append(row)
                position += 1
        try:
            await conn.execute(self._insert, rows)
        except IntegrityError as error:
            message = str(error.orig)
            if "event_id" in message:
                raise DuplicateEvent(message) from None
            if "stream_version" in message:
                first = appends[0]
                raise VersionConflict(first.stream_id, first.expected_version) from None
            raise
        return [stored_from(row) for row in rows]

    async def _next_position(self, conn: AsyncConnection) -> int:
        return int(await conn.scalar(self._next_position_sql) or 0)

    async def _previous_hashes(
        self, conn: AsyncConnection, appends: Sequence[Append]
    ) -> dict[str, str]:
        """The hash of each stream's event at the version its append expects."""
        pairs = [(a.stream_id, a.expected_version) for a in appends if a.expected_version > 0]
        if not pairs:
            return {}
        rows = await conn.execute(self._previous_hashes_sql, {"pairs": pairs})
        return {row.stream_id: row.hash for row in rows}

    async def read_stream(
        self,
        conn: AsyncConnection,
        stream_id: str,
        *,
        after_version: int = 0,
        recorded_until: datetime | None = None,
    ) -> list[StoredEvent]:
        with child_span(f"read {self.table.name}", kind=SpanKind.CLIENT, attributes=self._db):
            return await self._read_stream(
                conn, stream_id, after_version=after_version, recorded_until=recorded_until
            )

    async def _read_stream(
        self,
        conn: AsyncConnection,
        stream_id: str,
        *,
        after_version: int,
        recorded_until: datetime | None,
    ) -> list[StoredEvent]:
        if recorded_until is None and not self.db.is_sqlite:
            rows = await scan_stream(conn, self._name, stream_id, after_version=after_version)
            return [StoredEvent(*row) for row in rows]
        query = (
            select(self.table)
            .where(self.table.c.stream_id == stream_id)
            .where(self.table.c.stream_version > after_version)
            .order_by(self.table.c.stream_version)
        )
        if recorded_until is not None:
            query = query.where(self.table.c.recorded_at <= recorded_until)
        return [stored_from(row._mapping) for row in await conn.execute(query)]

    async def read_streams(
        self, conn: AsyncConnection, after_versions: dict[str, int]
    ) -> dict[str, list[StoredEvent]]:
        """Several streams past the version given for each, in one query."""
        if not after_versions:
            return {}
        t = self.table
        # One shape whatever the streams (cached), the versions sifted here.
        query = (
            select(t)
            .where(t.c.stream_id.in_(list(after_versions)))
            .order_by(t.c.stream_id, t.c.stream_version)
        )
        found: dict[str, list[StoredEvent]] = {stream_id: [] for stream_id in after_versions}
        for row in await conn.execute(query):
            if row.stream_version > after_versions[row.stream_id]:
                found[row.stream_id].append(stored_from(row._mapping))
        return found

    async def last_in_stream(self, conn: AsyncConnection, stream_id: str) -> StoredEvent | None:
        query = (
            select(self.table)
            .where(self.table.c.stream_id == stream_id)
            .order_by(self.table.c.stream_version.desc())
            .limit(1)
        )
        row = (await conn.execute(query)).first()
        return None if row is None else stored_from(row._mapping)

    async def last_in_streams(
        self, conn: AsyncConnection, stream_ids: Sequence[str]
    ) -> dict[str, StoredEvent]:
        """The latest event of each stream that has one, in one query."""
        if not stream_ids:
            return {}
        t = self.table
        latest = (
            select(t.c.stream_id, func.max(t.c.stream_version).label("version"))
            .where(t.c.stream_id.in_(stream_ids))
            .group_by(t.c.stream_id)
            .subquery()
        )
        query = select(t).join(
            latest,
            (t.c.stream_id == latest.c.stream_id) & (t.c.stream_version == latest.c.version),
        )
        rows = await conn.execute(query)
        return {row.stream_id: stored_from(row._mapping) for row in rows}

    async def read_payloads_after(
        self, conn: AsyncConnection, after: int, *, limit: int, below_horizon: bool = True
    ) -> list[Payload]:
        """As read_after, but only what folding needs, read as fast as the driver can."""
        if not self.db.is_sqlite:
            rows = await scan_payloads_after(
                conn, self._name, after, limit=limit, below_horizon=below_horizon
            )
            return [Payload(*row) for row in rows]
        return [
            Payload(e.position, e.stream_id, e.type, e.schema_version, e.data, e.recorded_at)
            for e in await self.read_after(conn, after, limit=limit)
        ]

    async def read_after(
        self,
        conn: AsyncConnection,
        after: int,
        *,
        limit: int,
        types: Sequence[str] = (),
        below_horizon: bool = True,
    ) -> list[StoredEvent]:
        """Events past `after` in global order, never past the point below which
        every transaction has finished (so nothing can appear behind a reader).
        `below_horizon=False` reads everything committed, for a caller that
        holds the locks that keep writers out (a projection rebuild)."""
        if not self.db.is_sqlite:
            rows = await scan_after(
                conn, self._name, after, limit=limit, types=types, below_horizon=below_horizon
            )
            return [StoredEvent(*row) for row in rows]
        query = select(self.table).where(self.table.c.position > after)
        if types:
            query = query.where(self.table.c.type.in_(types))
        query = query.order_by(self.table.c.position).limit(limit)
        return [stored_from(row._mapping) for row in await conn.execute(query)]


def _next_position_sql(name: str, *, sqlite: bool) -> str:
    if sqlite:
        return f"SELECT COALESCE(MAX(position), 0) + 1 FROM {name}"
    # The next free index in this transaction (a transaction may append twice).
    return (
        "SELECT b.base + COALESCE((SELECT MAX(position) + 1 - b.base "
        f"FROM {name} WHERE position >= b.base AND position < b.base + 65536), 0) "
        "FROM (SELECT pg_current_xact_id()::text::bigint * 65536 AS base) b"
    )
