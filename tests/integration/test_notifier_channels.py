"""The notifier's channels against real receivers: email on a real SMTP server,
signed CloudEvents to subscribers, Slack and Teams formats to chat webhooks;
and a re-delivered Kafka message that changes nothing. The notifier runs on
the real PostgreSQL, fed through the in-process bus."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from ec_events import Envelope
from ec_events.base import Contact
from ec_notifier.domain.signing import verify
from harness.factories import bearer
from harness.notifier import CUSTOMER, MANAGER, Notifier, Story, running_notifier
from harness.notifier_receivers import HttpReceiver, SmtpSink, receivers

pytestmark = pytest.mark.postgres


@pytest.fixture
def sinks() -> Iterator[tuple[SmtpSink, HttpReceiver]]:
    with receivers("ok") as (smtp, [http]):
        yield smtp, http


@pytest.fixture
async def notifier(
    postgres_url: str, sinks: tuple[SmtpSink, HttpReceiver], tmp_path: Path
) -> AsyncIterator[Notifier]:
    smtp, http = sinks
    routing = tmp_path / "routing.yaml"
    routing.write_text(f"chat: {{hosts: {{'127.0.0.1:{http.port}': teams}}}}\n")
    async with running_notifier(
        postgres_url,
        smtp_url=smtp.url,
        smtp_from="Escalation Center <ec@provider.example>",
        notifier_routing_file=str(routing),
    ) as running:
        yield running


async def test_contacts_receive_one_readable_email_per_event_that_concerns_them(
    notifier: Notifier, sinks: tuple[SmtpSink, HttpReceiver]
) -> None:
    smtp, _ = sinks
    story = Story()
    await notifier.publish(story.started(), story.manager(), story.contacts(), story.progress())

    deliveries = await notifier.settled(count=1 + 2 + 2 + 4)

    [mail] = smtp.to(CUSTOMER.email)
    message = mail.message
    assert message["Subject"].strip() == (
        "Progress update: Payment gateway returns 502 for all EU merchants (Northwind)"
    )
    assert message["To"] == f"{CUSTOMER.name} <{CUSTOMER.email}>"
    assert message["From"] == "Escalation Center <ec@provider.example>"
    body = message.get_body(("plain",))
    assert body is not None
    assert "3 of 5 gateways restored" in body.get_content()
    mine = next(d for d in deliveries if d["recipient"] == CUSTOMER.email)
    assert message["Message-ID"] == f"<{mine['id']}@provider.example>"
    assert mine["status"] == "delivered"
    assert mine["role"] == "customer contact"
    assert len(smtp.to(MANAGER.email)) == 3
    assert all(d["status"] == "delivered" for d in deliveries)


async def test_a_subscriber_gets_each_event_once_as_a_signed_cloudevent(
    notifier: Notifier, sinks: tuple[SmtpSink, HttpReceiver]
) -> None:
    _, http = sinks
    everything = await notifier.subscribe(f"{http.url}/all")
    only_progress = await notifier.subscribe(f"{http.url}/progress", ["ProgressReported"])
    story = Story()

    event_ids = await notifier.publish(story.started(), story.progress(), story.linked())
    await notifier.settled(count=3 + 4)

    received = http.accepted("/all")
    assert sorted(r.json()["id"] for r in received) == sorted(event_ids)
    for request in received:
        assert request.headers["content-type"] == "application/cloudevents+json"
        signed = request.headers["x-ec-signature"]
        assert verify(everything["secret"], request.body, signed, now=int(time.time()))
        assert not verify(only_progress["secret"], request.body, signed, now=int(time.time()))
        cloudevent = Envelope.from_structured(request.json())
        assert cloudevent.subject == str(story.id)
        assert request.json()["type"].endswith(cloudevent.type)
    [progress] = http.accepted("/progress")
    assert progress.json()["type"].endswith("ProgressReported")
    assert progress.json()["data"]["note"] == "3 of 5 gateways restored"
    assert len(http.delivery_ids()) == 4


async def test_chat_contacts_get_their_products_incoming_webhook_format(
    notifier: Notifier, sinks: tuple[SmtpSink, HttpReceiver]
) -> None:
    _, http = sinks
    story = Story()
    teams_hook = f"{http.url}/teams"
    slack_hook = f"http://localhost:{http.port}/slack"  # another host name: the default, Slack
    contacts = story.contacts(
        provider=[Contact(name="Ops", email="o@p.example", channel="chat", address=slack_hook)],
        customer=[Contact(name="Desk", email="d@c.example", channel="chat", address=teams_hook)],
    )

    await notifier.publish(story.started(), contacts, story.raised(2))
    await notifier.settled(count=3 + 2)

    [slack] = http.accepted("/slack")
    assert slack.headers["content-type"] == "application/json"
    assert slack.json()["text"].startswith("Escalation raised to level 2")
    [teams] = http.accepted("/teams")
    card = teams.json()["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["body"][0]["text"].startswith("Escalation raised to level 2")


async def test_a_redelivered_event_records_and_sends_nothing_again(
    notifier: Notifier, sinks: tuple[SmtpSink, HttpReceiver]
) -> None:
    smtp, _ = sinks
    story = Story()
    envelope = Envelope.wrap(
        story.manager(), id="9d0b8a57-2b6a-4a43-8d2b-3d1f1e5c0a01", source="/x"
    )
    await notifier.publish(story.started())

    await notifier.bus.publish(notifier.topic, [envelope.to_binary()] * 3)
    await notifier.settled(count=1 + 2)
    await notifier.publish(story.linked())  # behind the copies: once it is in, they are too
    await notifier.settled(count=1 + 2 + 2)

    assert len(smtp.to(MANAGER.email)) == 2
    assert len(await notifier.deliveries(escalation_id=str(story.id))) == 5


async def test_email_without_an_smtp_server_fails_at_once_and_says_why(postgres_url: str) -> None:
    story = Story()
    async with running_notifier(postgres_url) as notifier:
        await notifier.publish(story.started(), story.manager())
        deliveries = await notifier.settled(count=3)

        [email] = [d for d in deliveries if d["channel"] == "email"]
        assert email["status"] == "failed"
        assert email["attempts"] == 1
        assert "EC_SMTP_URL" in email["last_error"]
        shown = await notifier.client.get(
            f"/v1/deliveries/{email['id']}", headers=bearer("operator")
        )
        assert "owns this escalation" in shown.json()["body"]
