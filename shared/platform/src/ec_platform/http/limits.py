"""A size limit on every request body, enforced before any route reads it.

A declared Content-Length over the limit is answered at once (nothing runs);
a body streamed without one is counted chunk by chunk as the route reads it and
cut the moment it passes the limit, so no more than the limit is ever held."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ec_platform.http.problems import BodyTooLarge, body_too_large
from ec_platform.inputs import parse_count


class BodyLimitMiddleware:
    """`limits` maps a path prefix to its own limit (the longest prefix wins),
    for routes that take larger bodies than the `default` (the intake's)."""

    def __init__(self, app: ASGIApp, *, default: int, limits: Mapping[str, int]) -> None:
        self.app = app
        self.default = default
        self.limits = sorted(limits.items(), key=lambda item: len(item[0]), reverse=True)

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.limits:
            if path.startswith(prefix):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        size = parse_count(declared) if declared is not None else None
        if size is not None and size > limit:
            await body_too_large(limit)(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def noting_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, noting_send)
        except BodyTooLarge:
            # Normally answered by the app's problem handlers; this catches a
            # read made outside them (a middleware, a background task).
            if started:
                raise
            await body_too_large(limit)(scope, receive, send)
