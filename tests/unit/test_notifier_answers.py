"""What the delivery log keeps of a receiver's answer, or of a request that
got none: the HTTP channel on a fake transport (no network at all)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from ec_notifier.channels.adapters import HttpChannel
from ec_notifier.channels.answers import EXCERPT_CHARS, excerpt
from ec_notifier.domain.routing import WEBHOOK
from ec_notifier.store.claims import Claimed
from ec_platform.outbound.policy import OutboundPolicy

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LOOPBACK = OutboundPolicy.from_setting("127.0.0.0/8")


def webhook_to(url: str) -> Claimed:
    return Claimed(
        id=uuid.uuid4(),
        event_id=uuid.uuid4(),
        event_type="ProgressReported",
        escalation_id=uuid.uuid4(),
        channel=WEBHOOK,
        recipient=url,
        recipient_name="Ops",
        host=url,
        subject="Progress",
        body="",
        attempts=1,
        claim_token=uuid.uuid4(),
        lease_until=NOW,
        cloudevent={"id": "e"},
        subscription_url=None,
        subscription_secret=None,
    )


def channel(answer: httpx.MockTransport, policy: OutboundPolicy = LOOPBACK) -> HttpChannel:
    return HttpChannel(httpx.AsyncClient(transport=answer), policy)


async def test_a_receivers_long_error_body_is_not_echoed() -> None:
    # given a receiver answering 500 with a long page, control characters in it
    page = "Traceback\x1b[31m (most recent call last):\r\n" + "secret-internal " * 500
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500, text=page)

    # when a webhook is sent to it
    outcome = await channel(httpx.MockTransport(answer)).send(
        webhook_to("http://127.0.0.1:9/hook"), NOW
    )

    # then the log keeps the status and a short, printable excerpt only
    assert len(sent) == 1
    assert outcome.error is not None
    assert outcome.error.startswith("HTTP 500: Traceback")
    assert len(outcome.error) <= len("HTTP 500: ") + EXCERPT_CHARS
    assert outcome.error.isprintable()
    assert not outcome.permanent


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ConnectTimeout("timed out connecting"),
    ],
)
async def test_a_closed_port_and_a_silent_one_read_the_same(failure: httpx.HTTPError) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise failure

    outcome = await channel(httpx.MockTransport(answer)).send(
        webhook_to("http://127.0.0.1:9/hook"), NOW
    )

    assert outcome.error == "could not connect"
    assert outcome.host_ok is False
    assert not outcome.permanent


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "http://169.254.169.254/latest/meta-data", "http://[::1]/"],
)
async def test_a_refused_address_fails_for_good_without_a_request(url: str) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    outcome = await channel(httpx.MockTransport(answer), OutboundPolicy()).send(
        webhook_to(url), NOW
    )

    assert outcome.permanent
    assert outcome.error is not None
    assert outcome.error.startswith("refused: ")
    assert sent == []


def test_an_excerpt_is_short_printable_and_keeps_short_texts_whole() -> None:
    assert excerpt("not found") == "not found"
    assert excerpt("a\x00b\nc\td") == "a b c d"
    assert len(excerpt("x" * 1_000)) == EXCERPT_CHARS
