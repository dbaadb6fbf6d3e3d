"""Every report the intake judged, with its fate: taken, or ignored as stale
(a replay of an event already taken, or older than what is known). What the
freshness rule needs to know of an incident is read from here, and the ignored
ones are shown in the incident's history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    and_,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_intake.freshness import Known
from ec_platform.storage.sqltypes import UtcDateTime


def deliveries_table(metadata: MetaData, *, schema: str) -> Table:
    return Table(
        "deliveries",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("incident_id", Uuid, nullable=False),
        Column("source", String(100), nullable=False),
        # The platform's id of the event delivered (PagerDuty's event.id), if any.
        Column("delivery_id", String(200)),
        Column("occurred_at", UtcDateTime()),
        Column("received_at", UtcDateTime(), nullable=False),
        # The incident's version when it came: where it sits in the history.
        Column("version", Integer, nullable=False),
        # Why it changed nothing (duplicate, older); null: taken.
        Column("ignored", String(20)),
        Column("actor_role", String(40), nullable=False),
        Column("actor_name", String(200), nullable=False),
        Index("ix_deliveries_incident", "incident_id", "received_at"),
        Index("ix_deliveries_delivery", "source", "delivery_id"),
        schema=schema,
    )


async def known_of(
    conn: AsyncConnection,
    table: Table,
    incident_ids: Sequence[uuid.UUID],
    delivery_ids: Sequence[tuple[str, str]],
) -> dict[uuid.UUID, Known]:
    """What the taken deliveries tell of these incidents: the newest time each
    was given, and which of `delivery_ids` ((source, id) pairs) were taken."""
    taken = table.c.ignored.is_(None)
    newest = await conn.execute(
        select(table.c.incident_id, func.max(table.c.occurred_at))
        .where(table.c.incident_id.in_(incident_ids), taken)
        .group_by(table.c.incident_id)
    )
    times: dict[uuid.UUID, datetime | None] = {row[0]: row[1] for row in newest}
    ids: dict[uuid.UUID, set[str]] = {}
    for source, delivery_id in set(delivery_ids):
        rows = await conn.execute(
            select(table.c.incident_id).where(
                and_(table.c.source == source, table.c.delivery_id == delivery_id, taken)
            )
        )
        for (incident_id,) in rows:
            ids.setdefault(incident_id, set()).add(delivery_id)
    return {
        incident_id: Known(
            newest_at=times.get(incident_id), taken_ids=frozenset(ids.get(incident_id, ()))
        )
        for incident_id in {*times, *ids}
    }


async def ignored_of(conn: AsyncConnection, table: Table, incident_id: uuid.UUID) -> list[Any]:
    """The deliveries of an incident that were ignored, in the order they came."""
    rows = await conn.execute(
        select(table)
        .where(table.c.incident_id == incident_id, table.c.ignored.is_not(None))
        .order_by(table.c.received_at, table.c.id)
    )
    return [dict(row._mapping) for row in rows]
