"""Read models kept in the same transaction as the append, so a query right
after a command sees it. They are derived data: rebuildable from the store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.domain import Escalation
from ec_escalation.tables import Tables


async def project(
    conn: AsyncConnection,
    tables: Tables,
    *,
    before: Escalation | None,
    after: Escalation,
    recorded_at: datetime,
) -> None:
    row = {
        "status": after.status,
        "level": after.level,
        "title": after.title,
        "priority": after.priority,
        "customer_id": after.customer.id if after.customer else None,
        "customer_name": after.customer.name if after.customer else None,
        "manager_id": None,
        "updated_at": recorded_at,
        "version": after.version,
    }
    board = tables.board
    if before is None:
        await conn.execute(
            insert(board).values(escalation_id=after.id, started_at=after.started_at, **row)
        )
    else:
        await conn.execute(update(board).where(board.c.escalation_id == after.id).values(**row))
    await _link_incidents(conn, tables, after, known=before.incident_ids if before else ())


async def _link_incidents(
    conn: AsyncConnection, tables: Tables, state: Escalation, *, known: Sequence[object]
) -> None:
    links = tables.incident_links
    is_open = state.status not in ("closed", "reviewed")
    new = [i for i in state.incident_ids if i not in known]
    if new:
        await conn.execute(
            insert(links),
            [{"incident_id": i, "escalation_id": state.id, "open": is_open} for i in new],
        )
    if not is_open:
        await conn.execute(
            update(links).where(links.c.escalation_id == state.id).values(open=False)
        )
