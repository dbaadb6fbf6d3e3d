"""Real receivers for the notifier's channels, on 127.0.0.1, each in a thread of
its own (so a test's or a benchmark's own event loop never slows them): an
SMTP server (aiosmtpd) keeping every message, and an HTTP receiver keeping
every request, which can be told to fail or to hang."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from harness.processes import free_port
from harness.threaded_http import ThreadedAsgiServer, request_body, request_headers


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    message: EmailMessage

    @property
    def delivery_id(self) -> str:
        return str(self.message["X-EC-Delivery-Id"])


class _Mailbox:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.mails: list[Mail] = []

    async def handle_DATA(  # noqa: N802 (the name aiosmtpd calls)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or envelope.content or b""
        assert isinstance(content, bytes)
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.mails.append(Mail(tuple(a.lower() for a in envelope.rcpt_tos), message))
        return "250 OK"


class SmtpSink:
    def __init__(self) -> None:
        self.port = free_port()
        self._box = _Mailbox()
        self._controller = Controller(self._box, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    @property
    def mails(self) -> list[Mail]:
        with self._box.lock:
            return list(self._box.mails)

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.mails if address.lower() in m.to]

    def delivery_ids(self) -> Counter[str]:
        return Counter(m.delivery_id for m in self.mails)


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def delivery_id(self) -> str:
        return self.headers.get("x-ec-delivery-id", "")


Mode = Literal["ok", "fail", "hang"]


class HttpReceiver(ThreadedAsgiServer):
    """Answers 200 (`ok`), 503 (`fail`) or never (`hang`); keeps every request
    it read, with the status it answered (0 while hanging)."""

    def __init__(self, mode: Mode = "ok") -> None:
        self.mode: Mode = mode
        self._lock = threading.Lock()
        self._requests: list[Request] = []
        self._stopping = threading.Event()
        super().__init__()

    def stop(self) -> None:
        self._stopping.set()  # hanging requests end, so the server can stop quietly
        super().stop()

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def accepted(self, path: str | None = None) -> list[Request]:
        return [r for r in self.requests if r.status == 200 and path in (None, r.path)]

    def delivery_ids(self) -> Counter[str]:
        return Counter(r.delivery_id for r in self.accepted())

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = await request_body(receive)
        mode = self.mode
        status = {"ok": 200, "fail": 503, "hang": 0}[mode]
        headers = request_headers(scope)
        with self._lock:
            self._requests.append(Request(scope["path"], headers, body, status))
        if mode == "hang":
            await asyncio.to_thread(self._stopping.wait)
        headers_out = [(b"content-type", b"text/plain"), (b"content-length", b"2")]
        answer = {"type": "http.response.start", "status": status or 503, "headers": headers_out}
        await send(answer)
        await send({"type": "http.response.body", "body": b"ok"})


@contextmanager
def receivers(*modes: Mode) -> Iterator[tuple[SmtpSink, list[HttpReceiver]]]:
    """An SMTP server and one HTTP receiver per mode, stopped afterwards."""
    smtp = SmtpSink()
    http = [HttpReceiver(mode) for mode in modes]
    smtp.start()
    try:
        for receiver in http:
            receiver.start()
        yield smtp, http
    finally:
        for receiver in http:
            receiver.stop()
        smtp.stop()
