"""An ASGI app served by uvicorn on 127.0.0.1, at a port of its own, in a thread
of its own, so a test's or a benchmark's event loop never slows it: the base of
the local receivers and platform fakes."""

from __future__ import annotations

import threading
import time
from typing import Any, Literal

import uvicorn

from harness.processes import free_port


class ThreadedAsgiServer:
    """Subclasses implement `_app`; `start` returns once the server listens."""

    def __init__(self, *, lifespan: Literal["on", "off"] = "off") -> None:
        self.port = free_port()
        config = uvicorn.Config(
            self._app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan=lifespan,
            interface="asgi3",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{type(self).__name__} did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise NotImplementedError


class ServedApp(ThreadedAsgiServer):
    """A whole app, its lifespan included, served for a real browser: the
    embedded app with an injected clock, which a separate process cannot take."""

    def __init__(self, app: Any) -> None:
        self.app = app
        super().__init__(lifespan="on")

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


async def request_body(receive: Any) -> bytes:
    """The whole body of an ASGI request, however many messages it came in."""
    body = bytearray()
    while True:
        message = await receive()
        body.extend(message.get("body", b""))
        if not message.get("more_body"):
            return bytes(body)


def request_headers(scope: dict[str, Any]) -> dict[str, str]:
    return {k.decode().lower(): v.decode() for k, v in scope["headers"]}
