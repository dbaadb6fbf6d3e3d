"""Rebuilding every read model from the store, with a progress report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text

from ec_escalation.projections import SNAPSHOT_EVERY, STATE_SCHEMA, board_row, clear, link_rows
from ec_escalation.state import Escalation, evolve
from ec_escalation.store import EscalationStore

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
        states: dict[str, Escalation] = {}
        updated: dict[str, datetime] = {}
        done, after = 0, 0
        while True:
            batch = await store.log.read_after(conn, after, limit=BATCH, below_horizon=False)
            if not batch:
                break
            for stored in batch:
                states[stored.stream_id] = evolve(states.get(stored.stream_id), stored.event())
                updated[stored.stream_id] = stored.recorded_at
            done += len(batch)
            after = batch[-1].position
            if progress:
                progress(done, total, time.perf_counter() - started)
        board: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        snapshots: list[dict[str, Any]] = []
        for stream_id, state in states.items():
            board.append(board_row(state, updated[stream_id]))
            links.extend(link_rows(state))
            if state.version >= SNAPSHOT_EVERY:
                snapshots.append(_snapshot(state))
        for table, rows in (
            (tables.board, board),
            (tables.incident_links, links),
            (tables.snapshots, snapshots),
        ):
            for start in range(0, len(rows), INSERT_BATCH):
                await conn.execute(insert(table), rows[start : start + INSERT_BATCH])
    return RebuildResult(done, len(states), time.perf_counter() - started)


def _snapshot(state: Escalation) -> dict[str, Any]:
    return {
        "escalation_id": state.id,
        "version": state.version,
        "state_schema": STATE_SCHEMA,
        "state": state.model_dump(mode="json"),
    }


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
