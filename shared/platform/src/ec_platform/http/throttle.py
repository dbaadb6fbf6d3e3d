"""Counting requests and failures per client in fixed windows: the customer
routes' rate limits, and the throttle on guessed tokens. In memory, per
process: a replica counts its own share, which bounds a client all the same."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

# Windows older than the current one are forgotten once this many keys are kept.
MAX_KEYS = 10_000


@dataclass
class WindowLimiter:
    """At most `limit` requests per key in each window of `window_s` seconds."""

    limit: int
    window_s: float
    clock: Callable[[], float]
    _counts: dict[tuple[str, int], int] = field(default_factory=dict)

    def allow(self, key: str) -> tuple[bool, int]:
        """Counts this request: whether it may go on, and the seconds until the
        next window (a `Retry-After`)."""
        window, retry_after = self._window()
        counted = self._counts.get((key, window), 0) + 1
        self._counts[(key, window)] = counted
        return counted <= self.limit, retry_after

    def over(self, key: str) -> int | None:
        """Without counting: the seconds to wait when `key` is past its limit."""
        window, retry_after = self._window()
        return retry_after if self._counts.get((key, window), 0) >= self.limit else None

    def _window(self) -> tuple[int, int]:
        now = self.clock()
        window = int(now // self.window_s)
        if len(self._counts) > MAX_KEYS:
            self._counts = {k: v for k, v in self._counts.items() if k[1] == window}
        return window, int((window + 1) * self.window_s - now) + 1


def digest(key: str) -> str:
    """What a limiter keeps of a secret it keys by (a customer's link)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass
class Pacing:
    """Requests limited twice: per client address and per what they name (a
    customer's link), so neither one address trying many links nor many
    addresses on one link get past the limit."""

    by_address: WindowLimiter
    by_key: WindowLimiter

    @classmethod
    def per_minute(cls, limit: int, clock: Callable[[], float]) -> Pacing:
        return cls(WindowLimiter(limit, 60, clock), WindowLimiter(limit, 60, clock))

    def admit(self, address: str, key: str) -> int | None:
        """None when the request may go on, else the seconds to wait."""
        by_address, wait = self.by_address.allow(address)
        by_key, wait_too = self.by_key.allow(digest(key))
        return None if by_address and by_key else max(wait, wait_too)


@dataclass
class Guesses:
    """Failed sign-ins and unknown tokens per client address: past `limit` in a
    window, the address is answered 429 until the window ends, so tokens
    cannot be guessed at speed. A request that succeeds is not counted."""

    limiter: WindowLimiter
    failed: Callable[[], None] = lambda: None
    throttled: Callable[[], None] = lambda: None

    def wait_for(self, address: str) -> int | None:
        wait = self.limiter.over(address)
        if wait is not None:
            self.throttled()
        return wait

    def failure(self, address: str) -> None:
        self.failed()
        self.limiter.allow(address)


def client_address(scope_client: tuple[str, int] | None) -> str:
    """The peer's address (a trusted proxy's forwarded one, see serve)."""
    return scope_client[0] if scope_client else "unknown"
