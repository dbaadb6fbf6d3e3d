"""What guards the customer's page: strict headers (no scripts at all, no
referrer, so the token in its address never reaches another site), a CSRF
value bound to the link, and a rate limit of its own per client."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    (
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
)


def csrf_value(secret: str, token: str) -> str:
    """The form field a page for `token` carries: a forger who does not hold the
    link cannot compute it, and it never changes the token's own secrecy."""
    return hmac.new(secret.encode(), f"customer-form:{token}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: str, token: str, given: str) -> bool:
    return hmac.compare_digest(csrf_value(secret, token), given)


@dataclass
class WindowLimiter:
    """At most `limit` requests per client in each window of `window_s` seconds."""

    limit: int
    window_s: float
    clock: Callable[[], float]
    _counts: dict[tuple[str, int], int] = field(default_factory=dict)

    def allow(self, client: str) -> tuple[bool, int]:
        """Whether this request may go on, and the seconds until the next window."""
        now = self.clock()
        window = int(now // self.window_s)
        if len(self._counts) > 10_000:  # old windows: forgotten, not kept forever
            self._counts = {k: v for k, v in self._counts.items() if k[1] == window}
        key = (client, window)
        self._counts[key] = self._counts.get(key, 0) + 1
        retry_after = int((window + 1) * self.window_s - now) + 1
        return self._counts[key] <= self.limit, retry_after


class CustomerGuard:
    """The headers on every answer of the customer's pages, and 429 past the limit."""

    def __init__(self, app: ASGIApp, limiter: WindowLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        allowed, retry_after = self.limiter.allow(str(client))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        if not allowed:
            await _too_many(retry_after)(scope, receive, with_headers)
            return
        await self.app(scope, receive, with_headers)


def _too_many(retry_after: int) -> ASGIApp:
    return HTMLResponse(
        "<!doctype html><title>Too many requests</title>"
        "<p>Too many requests from your address. Please wait a minute and try again.</p>",
        status_code=429,
        headers={"Retry-After": str(retry_after)},
    )
