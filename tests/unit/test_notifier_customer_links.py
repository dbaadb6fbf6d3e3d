"""Which mails ask the escalation service for a customer's personal link, and
what a mail says when none can be had: it goes all the same."""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx
import pytest

from ec_notifier.channels.customer_links import HIDDEN, WithCustomerLink, masked
from ec_notifier.store.claims import Claimed, Outcome
from ec_platform.http.metrics import Metrics
from harness.notifier import NOW

PAGES = "https://ec.example/customer"


class Outbox:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    async def send(self, delivery: Claimed, now: datetime) -> Outcome:
        self.bodies.append(delivery.body)
        return Outcome(True, host_ok=True)


def mail(role: str) -> Claimed:
    return Claimed(
        id=uuid.uuid4(),
        event_id=uuid.uuid4(),
        event_type="ProgressReported",
        escalation_id=uuid.uuid4(),
        channel="email",
        recipient="jo@customer.example",
        recipient_name="Jo",
        host="smtp",
        subject="Progress update",
        body="Three of five gateways restored.",
        attempts=1,
        claim_token=uuid.uuid4(),
        lease_until=NOW,
        cloudevent=None,
        subscription_url=None,
        subscription_secret=None,
        role=role,
    )


def linking(answer: httpx.Response | Exception) -> tuple[WithCustomerLink, Outbox, list[str]]:
    asked: list[str] = []

    def escalation_service(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = httpx.AsyncClient(
        base_url="http://escalation", transport=httpx.MockTransport(escalation_service)
    )
    outbox = Outbox()
    return WithCustomerLink(outbox, client, PAGES, metrics=Metrics(), timeout_s=1), outbox, asked


@pytest.mark.parametrize(
    "role", ["escalation manager", "team (incident owner)", "provider contact"]
)
async def test_nobody_but_a_customer_contact_waits_for_a_link(role: str) -> None:
    channel, outbox, asked = linking(httpx.Response(201, json={"token": "t0k"}))

    await channel.send(mail(role), NOW)

    assert asked == []
    assert outbox.bodies == ["Three of five gateways restored."]


async def test_a_customer_contacts_mail_ends_with_their_new_link() -> None:
    channel, outbox, asked = linking(httpx.Response(201, json={"token": "t0k"}))

    await channel.send(mail("customer contact"), NOW)

    assert len(asked) == 1
    assert outbox.bodies[0].endswith(f"{PAGES}/t0k\n")


@pytest.mark.parametrize(
    "answer",
    [
        httpx.ConnectError("All connection attempts failed"),
        httpx.ReadTimeout("timed out"),
        httpx.Response(503, text="starting"),
        httpx.Response(201, text="not json"),
    ],
)
async def test_a_link_that_cannot_be_had_leaves_the_mail_saying_how_to_get_one(
    answer: httpx.Response | Exception,
) -> None:
    metrics = Metrics()
    channel, outbox, _ = linking(answer)
    channel = WithCustomerLink(
        channel.inner, channel.escalation, PAGES, metrics=metrics, timeout_s=1
    )

    outcome = await channel.send(mail("customer contact"), NOW)

    assert outcome.delivered
    assert "could not be added to this mail" in outbox.bodies[0]
    assert "Email me a new link" in outbox.bodies[0]
    counted = metrics.registry.get_sample_value("ec_notifier_customer_links_missing_total")
    assert counted == 1


async def test_a_recipient_no_longer_a_contact_gets_the_mail_without_a_link_or_a_note() -> None:
    channel, outbox, _ = linking(httpx.Response(409, json={"detail": "not a contact"}))

    await channel.send(mail("customer contact"), NOW)

    assert outbox.bodies == ["Three of five gateways restored."]


async def test_a_mail_kept_for_others_to_read_shows_the_link_masked_and_issues_none() -> None:
    # given the link wrapper around a channel that keeps mail for operators to read
    channel, outbox, asked = linking(httpx.Response(201, json={"token": "t0k"}))
    channel = WithCustomerLink(
        channel.inner,
        channel.escalation,
        PAGES,
        metrics=Metrics(),
        timeout_s=1,
        read_by_others=True,
    )

    # when a customer contact's mail goes through it
    await channel.send(mail("customer contact"), NOW)

    # then no link was issued, and the mail shows where the link goes, masked
    assert asked == []
    assert outbox.bodies[0].endswith(f"{masked(PAGES)}\n")
    assert masked(PAGES) == f"{PAGES}/{HIDDEN}"
    assert "t0k" not in outbox.bodies[0]
