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

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    func,
    insert,
    select,
    text,
    tuple_,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_events import Envelope, Event, parse_event
from ec_platform.database import Database
from ec_platform.pgscan import scan_after, scan_payloads_after, scan_stream
from ec_platform.sqltypes import UtcDateTime

POSITIONS_PER_TRANSACTION = 1 << 16


class VersionConflict(Exception):
    def __init__(self, stream_id: str, expected_version: int) -> None:
        super().__init__(f"stream {stream_id} is no longer at version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version


class DuplicateEvent(Exception):
    """An event with that id is already stored (a retried append)."""


@dataclass(frozen=True)
class NewEvent:
    event_id: UUID
    type: str
    data: dict[str, Any]
    actor_role: str
    actor_name: str
    schema_version: int = 1
    correlation_id: str | None = None
    causation_id: str | None = None

    @classmethod
    def of(
        cls,
        event: Event,
        *,
        event_id: UUID,
        actor: tuple[str, str],
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> NewEvent:
        return cls(
            event_id=event_id,
            type=event.event_name(),
            data=event.model_dump(mode="json"),
            schema_version=event.schema_version,
            actor_role=actor[0],
            actor_name=actor[1],
            correlation_id=correlation_id,
            causation_id=causation_id,
        )


@dataclass(frozen=True)
class StoredEvent:
    position: int
    event_id: UUID
    stream_id: str
    stream_version: int
    type: str
    schema_version: int
    data: dict[str, Any]
    recorded_at: datetime
    actor_role: str
    actor_name: str
    correlation_id: str | None
    causation_id: str | None
    hash: str

    def event(self) -> Event:
        return parse_event(self.type, self.data, self.schema_version)

    def envelope(self, source: str) -> Envelope:
        return Envelope(
            id=str(self.event_id),
            type=self.type,
            source=source,
            subject=self.stream_id,
            time=self.recorded_at,
            data=self.data,
            schema_version=self.schema_version,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
            # Extension attributes: the event's place in its stream and in the log.
            extensions={"streamversion": str(self.stream_version), "position": str(self.position)},
        )


class Payload(NamedTuple):
    """The part of a stored event a fold needs."""

    position: int
    stream_id: str
    type: str
    schema_version: int
    data: dict[str, Any]
    recorded_at: datetime

    def event(self) -> Event:
        return parse_event(self.type, self.data, self.schema_version)


@dataclass(frozen=True)
class Append:
    stream_id: str
    expected_version: int
    events: Sequence[NewEvent]


def _row(
    item: Append, index: int, new: NewEvent, *, position: int, recorded_at: datetime
) -> dict[str, Any]:
    return {
        "position": position,
        "event_id": new.event_id,
        "stream_id": item.stream_id,
        "stream_version": item.expected_version + index + 1,
        "type": new.type,
        "schema_version": new.schema_version,
        "data": new.data,
        "recorded_at": recorded_at,
        "actor_role": new.actor_role,
        "actor_name": new.actor_name,
        "correlation_id": new.correlation_id,
        "causation_id": new.causation_id,
    }


def event_log_table(metadata: MetaData, *, schema: str, name: str = "events") -> Table:
    return Table(
        name,
        metadata,
        Column("position", BigInteger, primary_key=True, autoincrement=False),
        Column("event_id", Uuid, nullable=False),
        Column("stream_id", String(64), nullable=False),
        Column("stream_version", Integer, nullable=False),
        Column("type", String(100), nullable=False),
        Column("schema_version", SmallInteger, nullable=False),
        # json, not jsonb: payloads are never queried inside, and json hands
        # back the stored text as is, which makes replays several times faster.
        Column("data", JSON, nullable=False),
        Column("recorded_at", UtcDateTime(), nullable=False),
        Column("actor_role", String(40), nullable=False),
        Column("actor_name", String(200), nullable=False),
        Column("correlation_id", String(100)),
        Column("causation_id", String(100)),
        Column("hash", String(64), nullable=False),
        UniqueConstraint("stream_id", "stream_version", name=f"uq_{name}_stream_version"),
        UniqueConstraint("event_id", name=f"uq_{name}_event_id"),
        schema=schema,
    )


def chain_hash(previous_hash: str, row: dict[str, Any]) -> str:
    """The event's fingerprint, covering its content and the previous event of
    its stream: altering or reordering any stored event breaks the chain."""
    content = {key: row[key] for key in _HASHED}
    content["event_id"] = str(content["event_id"])
    content["recorded_at"] = content["recorded_at"].isoformat()
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


_HASHED = (
    "position",
    "event_id",
    "stream_id",
    "stream_version",
    "type",
    "schema_version",
    "data",
    "recorded_at",
    "actor_role",
    "actor_name",
    "correlation_id",
    "causation_id",
)
GENESIS_HASH = ""


class EventLog:
    def __init__(self, db: Database, table: Table) -> None:
        self.db = db
        self.table = table
        self._name = f"{db.qualifier}{table.name}"

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
        if sum(len(a.events) for a in appends) >= POSITIONS_PER_TRANSACTION:
            raise ValueError("too many events in one transaction")
        position = await self._next_position(conn)
        previous = await self._previous_hashes(conn, appends)
        rows: list[dict[str, Any]] = []
        for item in appends:
            chain = previous.get(item.stream_id, GENESIS_HASH)
            if item.expected_version > 0 and item.stream_id not in previous:
                raise VersionConflict(item.stream_id, item.expected_version)
            for index, new in enumerate(item.events):
                row = _row(item, index, new, position=position, recorded_at=recorded_at)
                chain = row["hash"] = chain_hash(chain, row)
                rows.append(row)
                position += 1
        try:
            await conn.execute(insert(self.table), rows)
        except IntegrityError as error:
            message = str(error.orig)
            if "event_id" in message:
                raise DuplicateEvent(message) from None
            if "stream_version" in message:
                first = appends[0]
                raise VersionConflict(first.stream_id, first.expected_version) from None
            raise
        return [_stored(row) for row in rows]

    async def _next_position(self, conn: AsyncConnection) -> int:
        if self.db.is_sqlite:
            sql = f"SELECT COALESCE(MAX(position), 0) + 1 FROM {self._name}"
        else:
            # The next free index in this transaction (a transaction may append twice).
            sql = (
                "SELECT b.base + COALESCE((SELECT MAX(position) + 1 - b.base "
                f"FROM {self._name} WHERE position >= b.base AND position < b.base + 65536), 0) "
                "FROM (SELECT pg_current_xact_id()::text::bigint * 65536 AS base) b"
            )
        return int(await conn.scalar(text(sql)) or 0)

    async def _previous_hashes(
        self, conn: AsyncConnection, appends: Sequence[Append]
    ) -> dict[str, str]:
        """The hash of each stream's event at the version its append expects."""
        pairs = [(a.stream_id, a.expected_version) for a in appends if a.expected_version > 0]
        if not pairs:
            return {}
        t = self.table
        rows = await conn.execute(
            select(t.c.stream_id, t.c.hash).where(
                tuple_(t.c.stream_id, t.c.stream_version).in_(pairs)
            )
        )
        return {row.stream_id: row.hash for row in rows}

    async def read_stream(
        self,
        conn: AsyncConnection,
        stream_id: str,
        *,
        after_version: int = 0,
        recorded_until: datetime | None = None,
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
        return [_stored(row._mapping) for row in await conn.execute(query)]

    async def last_in_stream(self, conn: AsyncConnection, stream_id: str) -> StoredEvent | None:
        query = (
            select(self.table)
            .where(self.table.c.stream_id == stream_id)
            .order_by(self.table.c.stream_version.desc())
            .limit(1)
        )
        row = (await conn.execute(query)).first()
        return None if row is None else _stored(row._mapping)

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
        return {row.stream_id: _stored(row._mapping) for row in rows}

    async def read_payloads_after(
        self, conn: AsyncConnection, after: int, *, limit: int, below_horizon: bool = True
    ) -> list[Payload]:
        """As read_after, but only what folding needs, read as fast as the driver can."""
        if not self.db.is_sqlite:
            rows = await scan_payloads_after(
                conn, self._name, after, limit=limit, below_horizon=below_horizon
            )
            return [
                Payload(position, stream, type_, version, orjson.loads(data), at)
                for position, stream, type_, version, data, at in rows
            ]
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
        return [_stored(row._mapping) for row in await conn.execute(query)]


def _stored(row: Any) -> StoredEvent:
    mapping = row if isinstance(row, dict) else dict(row)
    return StoredEvent(
        position=mapping["position"],
        event_id=mapping["event_id"],
        stream_id=mapping["stream_id"],
        stream_version=mapping["stream_version"],
        type=mapping["type"],
        schema_version=mapping["schema_version"],
        data=mapping["data"],
        recorded_at=mapping["recorded_at"],
        actor_role=mapping["actor_role"],
        actor_name=mapping["actor_name"],
        correlation_id=mapping["correlation_id"],
        causation_id=mapping["causation_id"],
        hash=mapping["hash"],
    )


def append_only_ddl(db: Database, table: Table) -> list[str]:
    """Triggers that make the database itself refuse UPDATE, DELETE and TRUNCATE."""
    name = table.name
    if db.is_sqlite:
        return [
            f"CREATE TRIGGER IF NOT EXISTS {name}_no_{op.lower()} BEFORE {op} ON {name} "
            f"BEGIN SELECT RAISE(ABORT, '{name} is append-only: {op} refused'); END"
            for op in ("UPDATE", "DELETE")
        ]
    q = db.qualifier
    return [
        f"CREATE OR REPLACE FUNCTION {q}refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP "
        "USING ERRCODE = 'restrict_violation'; END $$",
        f"CREATE OR REPLACE TRIGGER {name}_append_only BEFORE UPDATE OR DELETE ON {q}{name} "
        f"FOR EACH ROW EXECUTE FUNCTION {q}refuse_change()",
        f"CREATE OR REPLACE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {q}{name} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {q}refuse_change()",
    ]
