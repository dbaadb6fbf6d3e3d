"""Background loops owned by an app's lifespan: started with it, cancelled with it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def keep_running(
    name: str,
    step: Callable[[], Awaitable[None]],
    *,
    failure_pause_s: float = 1.0,
    restarted: Callable[[], None] | None = None,
) -> None:
    """Runs `step` forever; a failing step is logged, counted (`restarted`) and
    run again, never fatal. That includes a cancellation nobody asked this
    task for (a library's own, escaping it): only the app stopping the loop
    ends it, so a loop never dies quietly while the process looks healthy."""
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is None or task.cancelling():
                raise
            log.error("%s was cancelled by none of its owners; running it again", name)
            if restarted is not None:
                restarted()
            await asyncio.sleep(failure_pause_s)
        except Exception:
            log.exception("%s failed; retrying in %.1f s", name, failure_pause_s)
            if restarted is not None:
                restarted()
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

    async def serve_paced(
        self,
        name: str,
        work: Callable[[], Awaitable[float]],
        *,
        restarted: Callable[[], None] | None = None,
    ) -> None:
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

        await keep_running(name, step, restarted=restarted)
