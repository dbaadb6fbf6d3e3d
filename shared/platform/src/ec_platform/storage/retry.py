"""Retrying a unit of work that lost an optimistic-concurrency race."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from ec_platform.storage.eventlog import VersionConflict

T = TypeVar("T")


async def retry_on_conflict(work: Callable[[], Awaitable[T]], *, attempts: int = 5) -> T:
    """Runs `work` again on a fresh read when a concurrent writer got there first."""
    for _ in range(attempts - 1):
        try:
            return await work()
        except VersionConflict:
            continue
    return await work()
