"""A service's database as the first release left it, filled: every table
holds rows, each event log a valid hash chain. The first release created its
tables at start-up with no version table; revision 0001 is those tables
(rendered from the first release's definitions), so running it and dropping
the version table gives exactly such a database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, Table, insert, inspect, select, text

from ec_platform.storage.database import Database
from ec_platform.storage.event_records import GENESIS_HASH, Append, NewEvent, chain_hash, new_row
from ec_platform.storage.migrations import History, migrate
from ec_platform.storage.sqltypes import UtcDateTime

FIRST_RELEASE = "0001"
# What later revisions added: the first release's rows have none of them.
LATER_COLUMNS = frozenset(
    {
        "traceparent",
        "tracestate",
        "failing_since",
        "suspended_at",
        "suspended_reason",
        "issued_by",
    }
)
# The tables that are hash-chained event logs, by service.
EVENT_LOGS = {"intake": "events", "escalation": "events", "monitor": "outbox"}
AT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ROWS = 3

Rows = dict[str, list[dict[str, Any]]]


async def a_first_release_database(db: Database, history: History) -> None:
    await migrate(db, history, to=FIRST_RELEASE)
    async with db.transaction() as conn:
        await conn.execute(text(f"DROP TABLE {db.qualifier}{history.version_table}"))


async def fill(db: Database, history: History) -> Rows:
    """Rows in every table of the first release, as its writers left them."""
    written: Rows = {}
    for table in await first_release_tables(db, history):
        if table.name == EVENT_LOGS.get(history.service):
            rows = chained_events(table)
        else:
            rows = [_row(table, index) for index in range(ROWS)]
        async with db.transaction() as conn:
            await conn.execute(insert(table), rows)
        written[table.name] = rows
    return written


async def first_release_tables(db: Database, history: History) -> list[Table]:
    """The tables the first release had: those of today's code that the
    database holds (tables added later come with their revisions)."""
    async with db.read() as conn:
        names = await conn.run_sync(
            lambda sync: set(inspect(sync).get_table_names(schema=db.physical_schema))
        )
    return [table for table in history.metadata.sorted_tables if table.name in names]


def later_revisions(history: History) -> list[str]:
    """The revisions after the first release, oldest first."""
    revisions = [script.revision for script in history.directory().walk_revisions()]
    return [revision for revision in reversed(revisions) if revision != FIRST_RELEASE]


async def read_back(db: Database, history: History, written: Rows) -> Rows:
    """Each table's rows now, the written columns only, in the written order."""
    found: Rows = {}
    async with db.read() as conn:
        for table in history.metadata.sorted_tables:
            if table.name not in written:
                continue
            result = await conn.execute(select(table))
            rows = [dict(row._mapping) for row in result]
            key = [c.name for c in table.primary_key.columns]
            by_key = {tuple(row[k] for k in key): row for row in rows}
            found[table.name] = [
                {name: by_key[tuple(w[k] for k in key)][name] for name in w}
                for w in written[table.name]
                if tuple(w[k] for k in key) in by_key
            ]
            found[f"{table.name} later columns"] = [
                {name: row[name] for name in LATER_COLUMNS & set(row)} for row in rows
            ]
    return found


def chained_events(table: Table) -> list[dict[str, Any]]:
    """Two streams, hashed as the first release hashed them."""
    rows, position = [], 1
    for stream in ("stream-a", "stream-b"):
        previous = GENESIS_HASH
        for index in range(ROWS):
            event = NewEvent(
                event_id=uuid.uuid4(),
                type="ProgressReported",
                data={"note": f"{stream} {index}"},
                actor_role="operator",
                actor_name="olivia",
            )
            row = new_row(Append(stream, 0, []), index, event, position=position, recorded_at=AT)
            row = {k: v for k, v in row.items() if k in table.c and k not in LATER_COLUMNS}
            previous = row["hash"] = chain_hash(previous, row)
            rows.append(row)
            position += 1
    return rows


def _row(table: Table, index: int) -> dict[str, Any]:
    return {c.name: _value(c, index) for c in table.columns if c.name not in LATER_COLUMNS}


def _value(column: Column[Any], index: int) -> Any:
    if isinstance(column.type, UtcDateTime):
        return AT + timedelta(minutes=index)
    kind = column.type.python_type
    if kind is uuid.UUID:
        return uuid.uuid4()
    if kind is bool:
        return index % 2 == 0
    if kind in (int, float):
        return kind(index + 1)
    if kind is dict:
        return {"n": index, "column": column.name}
    length = getattr(column.type, "length", None) or 100
    return f"{column.name}-{index}-{uuid.uuid4().hex}"[:length]
