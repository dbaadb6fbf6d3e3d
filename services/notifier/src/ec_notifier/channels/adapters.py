"""The channels' adapters: SMTP, HTTP (chat, webhooks, subscriptions) and the
service log. Each turns a claimed delivery into one attempt and its outcome."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib
import httpx

from ec_notifier.channels.answers import excerpt, unanswered
from ec_notifier.channels.messages import email_for, slack_payload, teams_payload
from ec_notifier.domain.routing import EMAIL, LOG, SLACK, SUBSCRIPTION, TEAMS, WEBHOOK
from ec_notifier.domain.signing import HEADER, signature
from ec_notifier.store.claims import Claimed, Outcome
from ec_platform.inputs import redact_url
from ec_platform.outbound.policy import OutboundPolicy, OutboundRefused

log = logging.getLogger("ec_notifier.operations_log")
USER_AGENT = "EscalationCenter-Notifier/0.1"
CLOUDEVENTS_JSON = "application/cloudevents+json"
DELIVERED = Outcome(delivered=True, host_ok=True)


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        """`smtp://[user:password@]host[:port]` (STARTTLS when the server offers
        it) or `smtps://…` (TLS from the first byte)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                f"EC_SMTP_URL must look like smtp://host:port, not {redact_url(url)!r}"
            )
        tls = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname,
            port=parts.port or (465 if tls else 25),
            use_tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


class EmailChannel:
    def __init__(self, server: SmtpServer | None, sender: str, *, timeout_s: float) -> None:
        self.server = server
        self.sender = sender
        self.timeout_s = timeout_s

    async def send(self, delivery: Claimed, now: datetime) -> Outcome:
        if self.server is None:
            return Outcome(
                False,
                "email is not configured (set EC_SMTP_URL, or EC_EMAIL_OUTBOX=true)",
                permanent=True,
            )
        message = email_for(delivery, sender=self.sender, sent_at=now)
        server = self.server
        try:
            await aiosmtplib.send(
                message,
                hostname=server.hostname,
                port=server.port,
                use_tls=server.use_tls,
                username=server.username,
                password=server.password,
                timeout=self.timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [r.code for r in error.recipients]
            return _smtp_refusal(min(codes, default=550), str(error))
        except aiosmtplib.SMTPResponseException as error:
            return _smtp_refusal(error.code, error.message)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            return Outcome(
                False, f"SMTP: {type(error).__name__}: {excerpt(str(error))}", host_ok=False
            )
        return DELIVERED


def _smtp_refusal(code: int, message: str) -> Outcome:
    # 5xx is the server's final word on this message; 4xx asks to try later.
    permanent = 500 <= code < 600
    return Outcome(False, f"SMTP {code}: {message}", permanent=permanent, host_ok=permanent)


class HttpChannel:
    """Chat, webhooks and subscriptions. `client` is built on an
    OutboundTransport (every connection checked) and never follows redirects:
    a 3xx is an answer like any other, so a redirect cannot lead elsewhere."""

    def __init__(self, client: httpx.AsyncClient, policy: OutboundPolicy) -> None:
        self.client = client
        self.policy = policy

    async def send(self, delivery: Claimed, now: datetime) -> Outcome:
        url, body, headers = self._request(delivery, now)
        try:
            # The scheme and a literal address are refused before anything is
            # built; the transport checks the addresses of a name as it connects.
            self.policy.check_url(url)
            response = await self.client.post(url, content=body, headers=headers)
        except (OutboundRefused, httpx.HTTPError) as error:
            return unanswered(error)
        if response.is_success:
            return DELIVERED
        detail = f"HTTP {response.status_code}: {excerpt(response.text)}".rstrip(": ")
        if response.status_code == 410:  # the receiver says the hook is gone for good
            return Outcome(False, detail, permanent=True, host_ok=True)
        return Outcome(False, detail, host_ok=response.status_code < 500)

    def _request(self, delivery: Claimed, now: datetime) -> tuple[str, bytes, dict[str, str]]:
        headers = {"User-Agent": USER_AGENT, "X-EC-Delivery-Id": str(delivery.id)}
        headers["X-EC-Delivery-Attempt"] = str(delivery.attempts)
        if delivery.channel == SLACK:
            return (
                delivery.recipient,
                _json(slack_payload(delivery.subject, delivery.body)),
                {
                    **headers,
                    "Content-Type": "application/json",
                },
            )
        if delivery.channel == TEAMS:
            return (
                delivery.recipient,
                _json(teams_payload(delivery.subject, delivery.body)),
                {
                    **headers,
                    "Content-Type": "application/json",
                },
            )
        body = _json(delivery.cloudevent or {})
        headers["Content-Type"] = CLOUDEVENTS_JSON
        if delivery.channel == SUBSCRIPTION:
            assert delivery.subscription_url is not None
            assert delivery.subscription_secret is not None
            headers[HEADER] = signature(delivery.subscription_secret, body, int(now.timestamp()))
            return delivery.subscription_url, body, headers
        return delivery.recipient, body, headers


class LogChannel:
    async def send(self, delivery: Claimed, now: datetime) -> Outcome:
        log.info("%s: %s", delivery.event_id, delivery.subject)
        return DELIVERED


class Channel(Protocol):
    async def send(self, delivery: Claimed, now: datetime) -> Outcome: ...


class Channels:
    """Routes a claimed delivery to the adapter of its channel."""

    def __init__(
        self, email: Channel, http: HttpChannel, more: Mapping[str, Channel] | None = None
    ) -> None:
        self._by_channel: dict[str, Channel] = {
            EMAIL: email,
            LOG: LogChannel(),
            SLACK: http,
            TEAMS: http,
            WEBHOOK: http,
            SUBSCRIPTION: http,
            **(more or {}),
        }

    async def send(self, delivery: Claimed, now: datetime) -> Outcome:
        if delivery.channel == SUBSCRIPTION and delivery.subscription_url is None:
            return Outcome(False, "the subscription was deleted", permanent=True)
        channel = self._by_channel.get(delivery.channel)
        if channel is None:
            return Outcome(False, f"unknown channel {delivery.channel!r}", permanent=True)
        return await channel.send(delivery, now)


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
