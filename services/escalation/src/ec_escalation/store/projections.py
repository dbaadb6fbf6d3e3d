"""Read models, kept in the append's transaction so a query right after a
command sees it. Derived data: each row records the stream version it
reflects (its checkpoint), re-applying is a no-op, and `rebuild` recreates all
of it from the store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, Table, Update, bindparam, delete, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.domain.state import Escalation
from ec_escalation.store.tables import Tables
from ec_platform.storage.upsert import upsert

SNAPSHOT_EVERY = 50
# Snapshots of another state shape are ignored (replayed instead): 2 added
# incident_records and the links' platform records.
STATE_SCHEMA = 2


def board_row(state: Escalation, updated_at: datetime) -> dict[str, Any]:
    return {
        "escalation_id": state.id,
        "version": state.version,
        "status": state.status,
        "level": state.level,
        "title": state.title,
        "priority": state.priority,
        "customer_id": state.customer.id if state.customer else None,
        "customer_name": state.customer.name if state.customer else None,
        "service": state.service,
        "manager_id": state.manager.id if state.manager else None,
        "manager_name": state.manager.name if state.manager else None,
        "plan_version": state.plan.plan_version if state.plan else 0,
        "review_by": state.plan.review_by if state.plan else None,
        "next_update_due": state.last_progress.next_update_due if state.last_progress else None,
        "monitoring_round": state.monitoring_round,
        "monitoring_ends_at": state.monitoring_ends_at,
        "recurrences": state.recurrences,
        "started_at": state.started_at,
        "updated_at": updated_at,
    }


def link_rows(state: Escalation) -> list[dict[str, Any]]:
    return [
        {"incident_id": i, "escalation_id": state.id, "open": state.is_open}
        for i in state.incident_ids
    ]


async def project(
    conn: AsyncConnection,
    tables: Tables,
    *,
    before: Escalation | None,
    after: Escalation,
    recorded_at: datetime,
) -> None:
    row = board_row(after, recorded_at)
    if before is None:
        await conn.execute(_board_insert(tables.board), row)
    else:
        # The row's own values are its SET; the two "board_" ones its WHERE.
        where = {"board_escalation_id": after.id, "board_version": after.version}
        await conn.execute(_board_update(tables.board), {**row, **where})
    await _link_incidents(conn, tables, before, after)
    if after.version // SNAPSHOT_EVERY > (before.version if before else 0) // SNAPSHOT_EVERY:
        await save_snapshot(conn, tables, after)


# Built once per table: a statement built and keyed anew for every command cost
# more than the database took to run it (py-spy on `make bench`'s api).
@lru_cache(maxsize=64)
def _board_insert(board: Table) -> Insert:
    return insert(board)


@lru_cache(maxsize=64)
def _board_update(board: Table) -> Update:
    return update(board).where(
        board.c.escalation_id == bindparam("board_escalation_id"),
        board.c.version < bindparam("board_version"),
    )


async def project_all(
    conn: AsyncConnection,
    tables: Tables,
    changes: Sequence[tuple[Escalation | None, Escalation]],
    *,
    recorded_at: datetime,
) -> None:
    """As project, for several escalations (each once): new ones and their
    incident links in one insert each."""
    started = [after for before, after in changes if before is None]
    if started:
        await conn.execute(
            _board_insert(tables.board), [board_row(s, recorded_at) for s in started]
        )
        links = [row for state in started for row in link_rows(state)]
        if links:
            await conn.execute(insert(tables.incident_links), links)
    for before, after in changes:
        if before is not None:
            await project(conn, tables, before=before, after=after, recorded_at=recorded_at)
        elif after.version >= SNAPSHOT_EVERY:
            await save_snapshot(conn, tables, after)


async def _link_incidents(
    conn: AsyncConnection, tables: Tables, before: Escalation | None, after: Escalation
) -> None:
    links = tables.incident_links
    known = set(before.incident_ids) if before else set()
    new = [row for row in link_rows(after) if row["incident_id"] not in known]
    if new:
        await conn.execute(insert(links), new)
    if before is not None and before.is_open != after.is_open:
        await conn.execute(
            update(links).where(links.c.escalation_id == after.id).values(open=after.is_open)
        )


def snapshot_row(state: Escalation) -> dict[str, Any]:
    return {
        "escalation_id": state.id,
        "version": state.version,
        "state_schema": STATE_SCHEMA,
        "state": state.to_json(),
    }


async def save_snapshot(conn: AsyncConnection, tables: Tables, state: Escalation) -> None:
    await conn.execute(upsert(conn, tables.snapshots), snapshot_row(state))


async def clear(conn: AsyncConnection, tables: Tables) -> None:
    for table in tables.derived:
        await conn.execute(delete(table))


def snapshot_state(row: dict[str, Any]) -> Escalation | None:
    """A stored snapshot, or None when it was written by another state shape."""
    if row["state_schema"] != STATE_SCHEMA:
        return None
    return Escalation.from_json(row["state"])
