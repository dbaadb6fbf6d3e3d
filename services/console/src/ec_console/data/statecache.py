"""Since when each escalation has been in its current state. The board shows it;
the escalation service's board does not carry it, so the console reads it from
the escalation's events once per (escalation, version) and remembers it."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

from ec_console.data.services import Services

STATE_EVENTS = frozenset(
    {
        "EscalationStarted",
        "MonitoringStarted",
        "EscalationReopened",
        "MonitoringPassed",
        "EscalationClosed",
        "EscalationReviewed",
        "EscalationWithdrawn",
    }
)


def state_entered_at(events: list[dict[str, Any]]) -> str | None:
    entered = [e["recorded_at"] for e in events if e.get("type") in STATE_EVENTS]
    return entered[-1] if entered else None


class StateSince:
    def __init__(self, services: Services, *, size: int = 5_000, parallel: int = 8) -> None:
        self._services = services
        self._known: OrderedDict[tuple[str, int], str] = OrderedDict()
        self._size = size
        self._gate = asyncio.Semaphore(parallel)

    def remember(self, escalation_id: str, version: int, events: list[dict[str, Any]]) -> None:
        entered = state_entered_at(events)
        if entered is not None:
            self._put((escalation_id, version), entered)

    async def fill(self, items: list[dict[str, Any]], *, token: str) -> None:
        """Sets `state_since` on every board item, reading only what is not known."""
        missing = [i for i in items if (i["id"], i["version"]) not in self._known]
        await asyncio.gather(*(self._read(i, token) for i in missing))
        for item in items:
            item["state_since"] = self._known.get((item["id"], item["version"]))

    async def _read(self, item: dict[str, Any], token: str) -> None:
        async with self._gate:
            answer = await self._services.get(
                "escalation", f"/v1/escalations/{item['id']}/events", token=token
            )
        if answer.ok:
            self.remember(item["id"], item["version"], answer.body.get("items", []))

    def _put(self, key: tuple[str, int], value: str) -> None:
        self._known[key] = value
        self._known.move_to_end(key)
        while len(self._known) > self._size:
            self._known.popitem(last=False)
