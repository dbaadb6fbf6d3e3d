"""What an event log holds: the records written and read, the table, the
hash chain, and the triggers that keep it append-only."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

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
)

from ec_events import Envelope, Event, parse_event
from ec_events.registry import parse_event_json
from ec_platform.observability.tracing import TraceContext, trace_context_values
from ec_platform.storage.database import Database
from ec_platform.storage.sqltypes import UtcDateTime, trace_context_columns

POSITIONS_PER_TRANSACTION = 1 << 16
# CloudEvent extension attributes a published stored event carries (on Kafka,
# `ce_streamversion` and `ce_position`): its place in its stream and in the log.
STREAM_VERSION = "streamversion"
POSITION = "position"


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
    # The trace the event continues, when it is not the appending one's (a
    # batch appends for several callers, each in a trace of its own).
    trace_context: TraceContext | None = None

    @classmethod
    def of(
        cls,
        event: Event,
        *,
        event_id: UUID,
        actor: tuple[str, str],
        correlation_id: str | None = None,
        causation_id: str | None = None,
        trace_context: TraceContext | None = None,
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
            trace_context=trace_context,
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
    # The trace of the work that appended the event (W3C Trace Context), so
    # its publication continues it. Operational, not part of the record: the
    # hash leaves it out (UNHASHED_COLUMNS), so events stored before it
    # existed, with none, verify as they did.
    traceparent: str | None = None
    tracestate: str | None = None

    def event(self) -> Event:
        return parse_event(self.type, self.data, self.schema_version)

    def trace_context(self) -> TraceContext | None:
        return TraceContext.of_row(self.traceparent, self.tracestate)

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
            extensions={STREAM_VERSION: str(self.stream_version), POSITION: str(self.position)},
        )


class Payload(NamedTuple):
    """The part of a stored event a fold needs."""

    position: int
    stream_id: str
    type: str
    schema_version: int
    # The stored JSON text as it came from the database (PostgreSQL), or the
    # decoded payload (SQLite).
    data: str | dict[str, Any]
    recorded_at: datetime

    def event(self) -> Event:
        if isinstance(self.data, str):
            return parse_event_json(self.type, self.data, self.schema_version)
        return parse_event(self.type, self.data, self.schema_version)


@dataclass(frozen=True)
class Append:
    stream_id: str
    expected_version: int
    events: Sequence[NewEvent]


def new_row(
    item: Append,
    index: int,
    new: NewEvent,
    *,
    position: int,
    recorded_at: datetime,
    trace_context: TraceContext | None = None,
) -> dict[str, Any]:
    """The row an appended event is stored as, but its hash: what the event
    brings itself (NewEvent's fields), its place and time in the log, and the
    trace it continues (its own, else that of the work appending it)."""
    row = {name: getattr(new, name) for name in BROUGHT_COLUMNS}
    row.update(
        position=position,
        stream_id=item.stream_id,
        stream_version=item.expected_version + index + 1,
        recorded_at=recorded_at,
        **trace_context_values(new.trace_context or trace_context),
    )
    return row


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
        *trace_context_columns(),
        UniqueConstraint("stream_id", "stream_version", name=f"uq_{name}_stream_version"),
        UniqueConstraint("event_id", name=f"uq_{name}_event_id"),
        schema=schema,
    )


def chain_hash(previous_hash: str, row: dict[str, Any]) -> str:
    """The event's fingerprint, covering its content and the previous event of
    its stream: altering or reordering any stored event breaks the chain."""
    content = {key: row[key] for key in HASHED_COLUMNS}
    content["event_id"] = str(content["event_id"])
    content["recorded_at"] = content["recorded_at"].isoformat()
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


GENESIS_HASH = ""
# The stored columns, in StoredEvent's field order (scans build it from rows by
# position); the hash covers every one of them but itself and the trace context.
COLUMNS = tuple(field.name for field in fields(StoredEvent))
UNHASHED_COLUMNS = ("hash", "traceparent", "tracestate")
HASHED_COLUMNS = tuple(name for name in COLUMNS if name not in UNHASHED_COLUMNS)
# The columns an appended event brings itself (NewEvent's fields); the log adds
# the rest, its place and time (PLACED_COLUMNS).
BROUGHT_COLUMNS = tuple(field.name for field in fields(NewEvent) if field.name != "trace_context")
PLACED_COLUMNS = ("position", "stream_id", "stream_version", "recorded_at")


def stored_from(row: Any) -> StoredEvent:
    mapping = row if isinstance(row, dict) else dict(row)
    return StoredEvent(**{name: mapping[name] for name in COLUMNS})


def row_of(stored: StoredEvent) -> dict[str, Any]:
    """A stored event's columns by name, as chain_hash reads them."""
    return {name: getattr(stored, name) for name in COLUMNS}


def append_only_ddl(db: Database, table: Table) -> list[str]:
    """Triggers that make the database itself refuse UPDATE, DELETE and TRUNCATE."""
    return append_only_statements(table.name, sqlite=db.is_sqlite, qualifier=db.qualifier)


def append_only_statements(name: str, *, sqlite: bool, qualifier: str) -> list[str]:
    if sqlite:
        return [
            f"CREATE TRIGGER IF NOT EXISTS {name}_no_{op.lower()} BEFORE {op} ON {name} "
            f"BEGIN SELECT RAISE(ABORT, '{name} is append-only: {op} refused'); END"
            for op in ("UPDATE", "DELETE")
        ]
    q = qualifier
    return [
        f"CREATE OR REPLACE FUNCTION {q}refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP "
        "USING ERRCODE = 'restrict_violation'; END $$",
        f"CREATE OR REPLACE TRIGGER {name}_append_only BEFORE UPDATE OR DELETE ON {q}{name} "
        f"FOR EACH ROW EXECUTE FUNCTION {q}refuse_change()",
        f"CREATE OR REPLACE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {q}{name} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {q}refuse_change()",
    ]
