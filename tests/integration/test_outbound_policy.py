"""The outbound policy through the real transport, the escalation and notifier
APIs and the dispatcher. Traffic goes to 127.0.0.1 only: every other address is
refused before any connection, and names are answered by injected resolvers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from ec_events.base import Contact
from ec_platform.outbound.policy import OutboundPolicy, OutboundRefused
from ec_platform.outbound.transport import OutboundTransport, Resolver, check_destination
from harness.apps import app_on
from harness.factories import bearer
from harness.notifier import Notifier, Story, running_notifier
from harness.notifier_receivers import HttpReceiver
from harness.waiting import eventually
from tests.support.escalation_http import command, started

REFUSED_URLS = [
    "file:///etc/passwd",
    "http://169.254.169.254/latest/meta-data",
    "http://127.0.0.1:1/x",
    "http://[::1]/",
    "http://0.0.0.0/",
    "http://localhost:1/x",  # a name: resolved (from /etc/hosts) to loopback only
]


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    http = HttpReceiver("ok")
    http.start()
    try:
        yield http
    finally:
        http.stop()


def rebinding(first: str, then: str) -> tuple[list[str], Resolver]:
    """A resolver that answers `first` to the first look-up and `then` after."""
    asked: list[str] = []

    async def resolve(host: str, port: int) -> Sequence[str]:
        asked.append(host)
        return [first] if len(asked) == 1 else [then]

    return asked, resolve


async def test_a_name_that_rebinds_to_loopback_is_refused_on_connecting(
    receiver: HttpReceiver,
) -> None:
    # given a name that looks global to the first look-up, then is 127.0.0.1
    asked, resolve = rebinding("93.184.216.34", "127.0.0.1")
    policy = OutboundPolicy()
    url = f"http://hooks.rebind.net:{receiver.port}/internal-admin"
    await check_destination(policy, url, resolve)
    assert asked == ["hooks.rebind.net"]  # so the send cannot be given the global one

    # when the notifier's transport sends to it
    transport = OutboundTransport(policy, resolver=resolve)
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(OutboundRefused, match=r"resolves to 127\.0\.0\.1, a loopback"):
            await client.post(url, content=b"{}")

    # then the name was resolved again for the connection, and nothing arrived
    assert asked == ["hooks.rebind.net", "hooks.rebind.net"]
    assert receiver.requests == []


async def test_an_allowed_name_is_reached_at_its_checked_address_keeping_its_host(
    receiver: HttpReceiver,
) -> None:
    # given loopback allowed and a name that resolves there
    _, resolve = rebinding("127.0.0.1", "127.0.0.1")
    transport = OutboundTransport(
        OutboundPolicy.from_setting("127.0.0.0/8"),
        resolver=resolve,
    )

    # when something is sent to the name
    async with httpx.AsyncClient(transport=transport) as client:
        answer = await client.post(f"http://hooks.example:{receiver.port}/x", content=b"{}")

    # then it arrives, addressed to the name
    assert answer.status_code == 200
    [request] = receiver.requests
    assert request.headers["host"] == f"hooks.example:{receiver.port}"


@pytest.fixture
async def strict_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_on("sqlite", tmp_path, monkeypatch, EC_OUTBOUND_ALLOWED_NETWORKS="") as client:
        yield client


@pytest.mark.parametrize("url", REFUSED_URLS)
async def test_a_contact_address_that_can_never_be_reached_is_422(
    strict_app: httpx.AsyncClient, url: str
) -> None:
    escalation_id = await started(strict_app)
    body = {
        "provider": [{"name": "Ops", "email": "o@p.example", "channel": "email"}],
        "customer": [
            {"name": "Desk", "email": "d@c.example", "channel": "webhook", "address": url}
        ],
    }

    answer = await command(strict_app, escalation_id, "contacts", body)

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == ["customer.0.address"]
    assert "refused" in answer.json()["detail"]


@pytest.mark.parametrize("url", REFUSED_URLS)
async def test_a_subscription_url_that_can_never_be_reached_is_422(
    strict_app: httpx.AsyncClient, url: str
) -> None:
    answer = await strict_app.post("/v1/subscriptions", json={"url": url}, headers=bearer("admin"))

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == ["url"]


async def test_loopback_is_accepted_once_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app_on(
        "sqlite", tmp_path, monkeypatch, EC_OUTBOUND_ALLOWED_NETWORKS="127.0.0.0/8"
    ) as client:
        answer = await client.post(
            "/v1/subscriptions", json={"url": "http://127.0.0.1:1/x"}, headers=bearer("admin")
        )
    assert answer.status_code == 201, answer.text


@pytest.mark.postgres
async def test_a_delivery_to_a_refused_address_fails_at_once_without_retry(
    postgres_url: str, receiver: HttpReceiver
) -> None:
    # given a notifier that allows nothing but global addresses, and a webhook
    # contact stored before the policy (so never checked at the API)
    async with running_notifier(postgres_url, outbound_allowed_networks="") as notifier:
        story = Story()
        hook = Contact(
            name="Admin", email="a@p.example", channel="webhook", address=f"{receiver.url}/admin"
        )

        # when an event for it is published
        await notifier.publish(story.started(), story.contacts(provider=[hook]), story.progress())

        # then its delivery failed after one attempt, saying why, and nothing arrived
        failed = await _settled_failed(notifier, hook.address or "")
    assert failed["attempts"] == 1
    assert failed["last_error"].startswith("refused: 127.0.0.1 is a loopback address")
    assert receiver.requests == []


async def _settled_failed(notifier: Notifier, recipient: str) -> dict[str, object]:
    async def failed() -> dict[str, object] | None:
        found = [d for d in await notifier.deliveries() if d["recipient"] == recipient]
        return found[0] if found and all(d["status"] == "failed" for d in found) else None

    return await eventually(failed)
