"""Operators' commands, each in one transaction with what it needs to read
first: a manual start with the incidents it names, a link to an incident with
the platform record the service knows for it."""

from __future__ import annotations

import uuid
from dataclasses import replace
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.domain import commands as c
from ec_escalation.domain.manual_start import ManualStart, start_command
from ec_escalation.store import queries
from ec_escalation.store.event_store import Recorded
from ec_escalation.store.tables import Tables
from ec_escalation.use_cases.escalations import Actor, Escalations


async def start_by_hand(
    escalations: Escalations, request: ManualStart, *, actor: Actor
) -> Recorded:
    """Starts an escalation from an operator's request, checked against the
    incidents it names as the store holds them in the same transaction."""
    escalation_id = uuid.uuid4()

    async def work(conn: AsyncConnection) -> Recorded:
        tables = escalations.store.tables
        seen = await queries.incidents_seen(conn, tables, request.incident_ids)
        command = start_command(request, seen)
        return await escalations.execute_in(conn, escalation_id, command, actor=actor)

    return await escalations.transaction(work)


async def run(
    escalations: Escalations,
    escalation_id: UUID,
    command: c.Command,
    *,
    actor: Actor,
    if_match: int | None = None,
) -> Recorded:
    """One command and everything it implies (a contacts change revokes the
    removed contacts' links) in one transaction."""

    async def work(conn: AsyncConnection) -> Recorded:
        completed = await _completed(conn, escalations.store.tables, command)
        return await escalations.execute_in(
            conn, escalation_id, completed, actor=actor, if_match=if_match
        )

    return await escalations.transaction(work, if_match=if_match)


async def _completed(conn: AsyncConnection, tables: Tables, command: c.Command) -> c.Command:
    """An incident linked by its Escalation Center id brings the platform record
    the service knows for it, so write-backs reach it too."""
    if not isinstance(command, c.LinkRecord) or command.kind != "incident":
        return command
    if command.platform_record is not None:
        return command
    try:
        incident_id = UUID(command.ref)
    except ValueError:
        return command
    record = await queries.platform_record_of(conn, tables, incident_id)
    return replace(command, platform_record=record) if record else command
