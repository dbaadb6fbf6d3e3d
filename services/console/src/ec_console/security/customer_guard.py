"""What guards the customer's page: strict headers (no scripts at all, no
referrer, so the token in its address never reaches another site), a CSRF
value bound to the link, and a rate limit of its own per client."""

from __future__ import annotations

import hashlib
import hmac

from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ec_platform.http.throttle import Pacing, client_address

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


class CustomerGuard:
    """The headers on every answer of the customer's pages, and 429 past the limit."""

    def __init__(self, app: ASGIApp, pacing: Pacing) -> None:
        self.app = app
        self.pacing = pacing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wait = self.pacing.admit(client_address(scope.get("client")), _link_in(scope))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        if wait is not None:
            await _too_many(wait)(scope, receive, with_headers)
            return
        await self.app(scope, receive, with_headers)


def _link_in(scope: Scope) -> str:
    """The link a request names: the first step of its path below the mount."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path.lstrip("/").partition("/")[0]


def _too_many(retry_after: int) -> ASGIApp:
    return HTMLResponse(
        "<!doctype html><title>Too many requests</title>"
        "<p>Too many requests from your address. Please wait a minute and try again.</p>",
        status_code=429,
        headers={"Retry-After": str(retry_after)},
    )
