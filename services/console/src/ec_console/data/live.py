"""Live pages: one watcher per (user token, thing watched) polls the services
with that token and tells every page open on it when its fingerprint changes.

The fingerprint of a board is its escalations' ids and versions; of one
escalation, its version. A page sends the fingerprint it was rendered from
(`since`, then the SSE `Last-Event-ID` on reconnects), so a change made between
rendering and subscribing, or during a reconnect, is never missed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

Fingerprint = Callable[[], Awaitable[str | None]]
KEEP_ALIVE_S = 15.0


@dataclass
class _Watcher:
    fingerprint: Fingerprint
    current: str | None = None
    queues: set[asyncio.Queue[str]] = field(default_factory=set)
    task: asyncio.Task[None] | None = None


class Hub:
    def __init__(self, *, interval_s: float) -> None:
        self._interval_s = interval_s
        self._watchers: dict[str, _Watcher] = {}
        self._closed = asyncio.Event()

    @contextlib.asynccontextmanager
    async def subscribe(
        self, key: str, fingerprint: Fingerprint, *, since: str | None
    ) -> AsyncIterator[asyncio.Queue[str]]:
        watcher = self._watchers.get(key)
        if watcher is None:
            watcher = _Watcher(fingerprint=fingerprint, current=await _safely(fingerprint, key))
            self._watchers[key] = watcher
            watcher.task = asyncio.create_task(self._watch(key, watcher), name=f"console-{key}")
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=8)
        watcher.queues.add(queue)
        if since and watcher.current and since != watcher.current:
            queue.put_nowait(watcher.current)
        try:
            yield queue
        finally:
            watcher.queues.discard(queue)
            if not watcher.queues and self._watchers.get(key) is watcher:
                del self._watchers[key]
                if watcher.task is not None:
                    watcher.task.cancel()

    async def _watch(self, key: str, watcher: _Watcher) -> None:
        while watcher.queues and not self._closed.is_set():
            await asyncio.sleep(self._interval_s)
            now = await _safely(watcher.fingerprint, key)
            if now is None or now == watcher.current:
                continue
            watcher.current = now
            for queue in list(watcher.queues):
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(now)

    def close(self) -> None:
        self._closed.set()
        for watcher in self._watchers.values():
            if watcher.task is not None:
                watcher.task.cancel()
        self._watchers.clear()

    @property
    def closed(self) -> asyncio.Event:
        return self._closed


async def _safely(fingerprint: Fingerprint, key: str) -> str | None:
    try:
        return await fingerprint()
    except Exception:  # a failing poll must not end the page's updates
        log.exception("watching %s failed", key.split(":", 1)[-1])
        return None


async def sse_stream(
    hub: Hub, key: str, fingerprint: Fingerprint, *, since: str | None, max_s: float = 15.0
) -> AsyncIterator[str]:
    """`event: changed` whenever the fingerprint moves. Each stream ends after
    `max_s` and the browser reconnects (with Last-Event-ID, so nothing is missed
    in between): a server being stopped waits for open streams to end, and
    should not wait long."""
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + max_s
    async with hub.subscribe(key, fingerprint, since=since) as queue:
        yield "retry: 1000\n\n"
        while not hub.closed.is_set() and loop.time() < ends_at:
            try:
                wait = min(KEEP_ALIVE_S, max(0.0, ends_at - loop.time()))
                current = await asyncio.wait_for(queue.get(), timeout=wait)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            yield f"id: {current}\nevent: changed\ndata: {current}\n\n"
