"""Waiting for something that happens asynchronously, with a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

# How long a test waits for what should happen: far longer than it takes even on
# a busy 2-core machine, because a wait is about whether it happens, not how
# fast (make bench measures that). A passing test never waits this long.
GENEROUS_WAIT = 60.0


async def eventually(
    probe: Callable[[], Awaitable[T | None]],
    *,
    timeout: float = GENEROUS_WAIT,
    interval: float = 0.05,
) -> T:
    """The probe's first truthy answer; fails the test when none comes in time."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing within {timeout} s (last answer: {result!r})")
        await asyncio.sleep(interval)


def polled(probe: Callable[[], T]) -> Callable[[], Awaitable[T]]:
    """A plain function (a receiver's list, say) as a probe for `eventually`."""

    async def ask() -> T:
        return probe()

    return ask
