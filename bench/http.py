"""A lean HTTP/1.1 client for load: keep-alive connections, one write per
request, TCP_NODELAY. A general-purpose client spends more CPU per request than
the server under test and, writing headers and body separately, can stall on
Nagle's algorithm; either would end up in the figures."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class LeanClient:
    def __init__(self, base_url: str, *, headers: Mapping[str, str], connections: int) -> None:
        parts = urlsplit(base_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self._headers = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )
        self._open = 0
        self._limit = connections

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._idle.empty() and self._open < self._limit:
            self._open += 1
            reader, writer = await asyncio.open_connection(self._host, self._port)
            writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return reader, writer
        return await self._idle.get()

    async def request(self, method: str, path: str, body: bytes = b"") -> Answer:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self._host}\r\n{self._headers}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        try:
            return await self._exchange(await self._connection(), head + body)
        except (asyncio.IncompleteReadError, ConnectionError):
            # The server closed a connection left idle past its keep-alive
            # timeout before reading the request (and so, likely, every idle
            # one): send it on a new one.
            self._open -= 1 + self._idle.qsize()
            await self.close()
            return await self._exchange(await self._connection(), head + body)

    async def _exchange(
        self, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes
    ) -> Answer:
        reader, writer = connection
        writer.write(request)
        try:
            status_line = await reader.readuntil(b"\r\n")
        except BaseException:
            writer.close()
            raise
        length = 0
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        answer = Answer(int(status_line.split()[1]), await reader.readexactly(length))
        self._idle.put_nowait((reader, writer))
        return answer

    async def close(self) -> None:
        while not self._idle.empty():
            _, writer = self._idle.get_nowait()
            writer.close()
