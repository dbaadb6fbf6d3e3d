"""Background loops owned by an app's lifespan: started with it, cancelled with it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def keep_running(
    name: str, step: Callable[[], Awaitable[None]], *, failure_pause_s: float = 1.0
) -> None:
    """Runs `step` forever; a failing step is logged and retried, never fatal."""
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; retrying in %.1f s", name, failure_pause_s)
            await asyncio.sleep(failure_pause_s)


class BackgroundTasks:
    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, name: str, coroutine: Awaitable[None]) -> None:
        async def run() -> None:
            await coroutine

        self._tasks.append(asyncio.create_task(run(), name=name))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()


class Doorbell:
    """A polling loop that can be woken early: `work` runs when the bell rings,
    or when the pause it asked for is over (the poll catches what other
    processes wrote)."""

    def __init__(self) -> None:
        self._rung = asyncio.Event()

    def ring(self) -> None:
        self._rung.set()

    async def serve(
        self, name: str, work: Callable[[], Awaitable[object]], *, idle_s: float
    ) -> None:
        async def fixed_pause() -> float:
            await work()
            return idle_s

        await self.serve_paced(name, fixed_pause)

    async def serve_paced(self, name: str, work: Callable[[], Awaitable[float]]) -> None:
        """`work` returns how long to pause before it runs again unprompted."""

        async def step() -> None:
            self._rung.clear()  # before the work: a ring during it is not lost
            pause = await work()
            if pause > 0:
                # Not asyncio.wait_for: on Python 3.11 it loses a cancellation that
                # arrives as the bell rings, and the loop then outlives its app
                # (a lifespan shutdown waited for it forever).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(pause):
                        await self._rung.wait()

        await keep_running(name, step)
