"""`GET /v1/dispatcher`: what this notifier process is sending and holding
back, host by host, beside what the delivery log has due. For an operator
finding out why deliveries wait (a stall, a circuit, a dead receiver)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ec_notifier.http.context import Context
from ec_notifier.store.backlog import due_by_host
from ec_platform.http.auth import Reader


class HostState(BaseModel):
    host: str = Field(description="scheme://address:port, or `smtp` for all email")
    due: int = Field(description="deliveries due for an attempt, in the whole log")
    oldest_due_at: datetime | None
    oldest_due_s: float = Field(description="how long the oldest due one has waited")
    in_flight: int = Field(description="sends under way in this process")
    claimed_waiting: int = Field(description="claimed by this process, not started yet")
    circuit: str = Field(description="closed, open (left alone) or half-open (one probe)")
    failures: int = Field(description="failures in a row this process has counted")
    open_until: datetime | None


class DispatcherState(BaseModel):
    in_flight: int
    claimed_waiting: int
    sends_abandoned: int = Field(description="sends that outlived their timeout, since start")
    hosts: list[HostState]


def add_dispatcher_routes(router: APIRouter) -> None:
    @router.get(
        "/v1/dispatcher",
        summary="This process's sends and circuits, host by host, beside the log's backlog",
        response_model=DispatcherState,
    )
    async def dispatcher_state(context: Context, _: Reader) -> DispatcherState:
        now = context.clock()
        view = context.dispatcher.view()
        backlog = {b.host: b for b in await due_by_host(context.db, context.tables, now)}
        known = {h.host: h for h in view.hosts}
        hosts = []
        for name in sorted(set(backlog) | set(known) | set(view.waiting_by_host)):
            entry, mine = backlog.get(name), known.get(name)
            hosts.append(
                HostState(
                    host=name,
                    due=entry.due if entry else 0,
                    oldest_due_at=entry.oldest_due_at if entry else None,
                    oldest_due_s=entry.oldest_due_s(now) if entry else 0.0,
                    in_flight=mine.in_flight if mine else 0,
                    claimed_waiting=view.waiting_by_host.get(name, 0),
                    circuit=mine.circuit if mine else "closed",
                    failures=mine.failures if mine else 0,
                    open_until=mine.open_until if mine else None,
                )
            )
        return DispatcherState(
            in_flight=view.in_flight,
            claimed_waiting=view.waiting,
            sends_abandoned=view.sends_abandoned,
            hosts=hosts,
        )
