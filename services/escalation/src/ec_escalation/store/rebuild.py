"""Rebuilding every read model from the store, with a progress report."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.domain.measures import Trail, advance
from ec_escalation.domain.state import Escalation, evolve
from ec_escalation.store.event_store import EscalationStore
from ec_escalation.store.measures_projection import measures_row, with_incident_times
from ec_escalation.store.projections import (
    SNAPSHOT_EVERY,
    board_row,
    clear,
    link_rows,
    snapshot_row,
)
from ec_platform.storage.eventlog import EventLog, Payload

BATCH = 10_000
INSERT_BATCH = 2_000
Progress = Callable[[int, int, float], None]


@dataclass(frozen=True)
class RebuildResult:
    events: int
    escalations: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else float("inf")


@dataclass
class Replayed:
    """Every escalation folded from the store, and when each last changed."""

    states: dict[str, Escalation] = field(default_factory=dict)
    trails: dict[str, Trail] = field(default_factory=dict)
    updated: dict[str, datetime] = field(default_factory=dict)
    events: int = 0


async def replay(
    conn: AsyncConnection,
    log: EventLog,
    *,
    below_horizon: bool = True,
    progress: Progress | None = None,
    total: int = 0,
    measure: bool = False,
) -> Replayed:
    """Folds the whole store, in global order, into the state of every
    escalation (and, with `measure`, into its measures' trail too)."""
    started = time.perf_counter()
    replayed = Replayed()

    def fetch(after: int) -> asyncio.Task[list[Payload]]:
        return asyncio.create_task(
            log.read_payloads_after(conn, after, limit=BATCH, below_horizon=below_horizon)
        )

    with gc_paused():
        fold = _fold_measured if measure else _fold
        return await _fold_all(fetch, fold, replayed, progress, total, started)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """A fold allocates millions of objects and frees them by reference
    counting; the cyclic collector would rescan the growing states on every
    generation sweep and take most of the time (measured: 47k vs 124k events/s)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _fold(batch: list[Payload], replayed: Replayed) -> None:
    states, updated = replayed.states, replayed.updated
    for stored in batch:
        states[stored.stream_id] = evolve(states.get(stored.stream_id), stored.event())
        updated[stored.stream_id] = stored.recorded_at


def _fold_measured(batch: list[Payload], replayed: Replayed) -> None:
    states, updated, trails = replayed.states, replayed.updated, replayed.trails
    for stored in batch:
        event, stream_id = stored.event(), stored.stream_id
        states[stream_id] = evolve(states.get(stream_id), event)
        trails[stream_id] = advance(trails.get(stream_id), event, stored.recorded_at)
        updated[stream_id] = stored.recorded_at


async def _fold_all(
    fetch: Callable[[int], asyncio.Task[list[Payload]]],
    fold: Callable[[list[Payload], Replayed], None],
    replayed: Replayed,
    progress: Progress | None,
    total: int,
    started: float,
) -> Replayed:
    pending = fetch(0)
    while batch := await pending:
        # The next batch is on its way from the database while this one folds.
        pending = fetch(batch[-1].position)
        await asyncio.sleep(0)
        fold(batch, replayed)
        replayed.events += len(batch)
        if progress:
            progress(replayed.events, total, time.perf_counter() - started)
    return replayed


async def rebuild(store: EscalationStore, *, progress: Progress | None = None) -> RebuildResult:
    """Replaces the read models in one transaction. Writers wait on the locks
    for its duration, so no append can slip between the replay and the swap."""
    started = time.perf_counter()
    tables = store.tables
    async with store.db.transaction() as conn:
        if not store.db.is_sqlite:
            names = ", ".join(f"{store.db.qualifier}{t.name}" for t in tables.derived)
            await conn.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
        total = int(await conn.scalar(select(func.count()).select_from(tables.events)) or 0)
        await clear(conn, tables)
        replayed = await replay(
            conn, store.log, below_horizon=False, progress=progress, total=total, measure=True
        )
        board: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        snapshots: list[dict[str, Any]] = []
        for stream_id, state in replayed.states.items():
            board.append(board_row(state, replayed.updated[stream_id]))
            links.extend(link_rows(state))
            if state.version >= SNAPSHOT_EVERY:
                snapshots.append(snapshot_row(state))
        trails = await with_incident_times(conn, tables, list(replayed.trails.values()))
        measured = [measures_row(t, replayed.states[str(t.escalation_id)].version) for t in trails]
        for table, rows in (
            (tables.board, board),
            (tables.incident_links, links),
            (tables.snapshots, snapshots),
            (tables.measures, measured),
        ):
            for start in range(0, len(rows), INSERT_BATCH):
                await conn.execute(insert(table), rows[start : start + INSERT_BATCH])
    return RebuildResult(replayed.events, len(replayed.states), time.perf_counter() - started)


def print_progress(done: int, total: int, seconds: float) -> None:
    width = 30
    share = done / total if total else 1.0
    bar = "#" * int(share * width)
    rate = done / seconds if seconds else 0.0
    print(
        f"\r[{bar:<{width}}] {share:6.1%} {done:,}/{total:,} events, {rate:,.0f} events/s",
        end="" if done < total else "\n",
        flush=True,
    )
