"""Mail without a mail server: in the embedded mode without EC_SMTP_URL, email
is kept in the notifier's outbox (GET /v1/outbox) and the deliveries are
delivered; EC_EMAIL_OUTBOX=true keeps it there anywhere; a service on its own
without EC_SMTP_URL still fails its email deliveries, and keeps nothing."""

from __future__ import annotations

import email
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ec_embedded.app import create_app
from ec_notifier.settings import NotifierSettings
from harness.apps import serving
from harness.factories import API_TOKENS, bearer
from harness.notifier import CUSTOMER, MANAGER, QUICK_ENV, Story, running_notifier
from harness.notifier_receivers import SmtpSink, receivers
from harness.waiting import eventually
from tests.support.lifecycle import Lifecycle, Services, soon

DANA = {"id": "u-117", "name": "Dana Okafor", "email": "dana@provider.example"}
SAM = {"name": "Sam Patel", "email": "sam@provider.example"}
JO = {"name": "Jo Meyer", "email": "jo@customer.example"}
NOTE = "3 of 5 gateways restored"


@pytest.fixture
async def embedded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    for name, value in {**QUICK_ENV, "EC_API_TOKENS": API_TOKENS}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("EC_SMTP_URL", raising=False)
    monkeypatch.delenv("EC_EMAIL_OUTBOX", raising=False)
    async with serving(create_app(database_url=f"sqlite+aiosqlite:///{tmp_path}/ec.db")) as client:
        yield client


async def all_of(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    answer = await client.get(path, params={**params, "limit": 500}, headers=bearer("auditor"))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_a_first_run_keeps_the_mail_people_would_get_and_delivers_it(
    embedded: httpx.AsyncClient,
) -> None:
    life = Lifecycle(Services(embedded, embedded, embedded, embedded))
    await life.start_from_p1()
    await life.ok("PUT", "manager", {"manager": DANA})
    await life.ok("PUT", "contacts", {"provider": [SAM], "customer": [JO]})
    await life.ok("POST", "progress", {"note": NOTE, "next_update_due": soon(hours=1)})

    async def emails_settled() -> list[dict[str, Any]] | None:
        deliveries = await all_of(embedded, "/v1/deliveries", escalation_id=life.escalation_id)
        email_ones = [d for d in deliveries if d["channel"] == "email"]
        progress = [d for d in email_ones if d["event_type"] == "ProgressReported"]
        settled = all(d["status"] in ("delivered", "failed") for d in email_ones)
        return email_ones if len(progress) == 3 and settled else None

    email_deliveries = await eventually(emails_settled)
    assert {d["status"] for d in email_deliveries} == {"delivered"}

    kept = await all_of(embedded, "/v1/outbox", escalation_id=life.escalation_id)
    assert sorted(m["id"] for m in kept) == sorted(d["id"] for d in email_deliveries)
    assert [m["date"] for m in kept] == sorted((m["date"] for m in kept), reverse=True)
    to_jo = await all_of(embedded, "/v1/outbox", to=JO["email"])
    [progress_mail] = [m for m in to_jo if m["event_type"] == "ProgressReported"]
    assert progress_mail["to"] == JO["email"]
    assert progress_mail["to_name"] == JO["name"]
    assert progress_mail["from"] == "escalation-center@localhost"
    assert progress_mail["subject"].startswith("Progress update: Payment gateway")
    assert progress_mail["message_id"] == f"<{progress_mail['id']}@localhost>"
    assert progress_mail["delivery_id"] == progress_mail["id"]

    shown = await embedded.get(f"/v1/outbox/{progress_mail['id']}", headers=bearer("operator"))
    assert shown.status_code == 200, shown.text
    assert NOTE in shown.json()["body"]
    assert ["Auto-Submitted", "auto-generated"] in shown.json()["headers"]

    raw = await embedded.get(
        f"/v1/outbox/{progress_mail['id']}",
        headers={**bearer("operator"), "Accept": "message/rfc822"},
    )
    assert raw.headers["content-type"].startswith("message/rfc822")
    message = email.message_from_string(raw.text)
    assert message["X-EC-Delivery-Id"] == progress_mail["id"]
    assert message["To"] == f"{JO['name']} <{JO['email']}>"


async def test_the_outbox_is_read_by_operators_and_auditors_only(
    embedded: httpx.AsyncClient,
) -> None:
    unknown = "0b3e8c52-51a4-4a0e-9d4f-6f1f6a0e9c11"

    assert (await embedded.get("/v1/outbox", headers=bearer("intake"))).status_code == 403
    assert (await embedded.get("/v1/outbox")).status_code == 401
    assert (await embedded.get("/v1/outbox", headers=bearer("operator"))).json() == {
        "items": [],
        "next": None,
    }
    missing = await embedded.get(f"/v1/outbox/{unknown}", headers=bearer("auditor"))
    assert missing.status_code == 404
    nul = await embedded.get("/v1/outbox", params={"to": "a\x00b"}, headers=bearer("auditor"))
    assert nul.status_code == 422


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with receivers() as (sink, _):
        yield sink


@pytest.mark.postgres
async def test_email_outbox_true_keeps_mail_even_with_a_mail_server(
    postgres_url: str, smtp: SmtpSink
) -> None:
    story = Story()
    async with running_notifier(
        postgres_url, smtp_url=smtp.url, smtp_from="EC <ec@provider.example>", email_outbox=True
    ) as notifier:
        await notifier.publish(story.started(), story.manager(), story.contacts(), story.progress())
        deliveries = await notifier.settled(count=1 + 2 + 2 + 4)
        kept = await all_of(notifier.client, "/v1/outbox", escalation_id=str(story.id))

    emails = [d for d in deliveries if d["channel"] == "email"]
    assert {d["status"] for d in emails} == {"delivered"}
    assert sorted(m["id"] for m in kept) == sorted(d["id"] for d in emails)
    assert {m["to"] for m in kept} == {MANAGER.email, CUSTOMER.email, "sam@provider.example"}
    assert {m["from"] for m in kept} == {"EC <ec@provider.example>"}
    assert smtp.mails == []


@pytest.mark.postgres
async def test_a_service_alone_without_smtp_fails_email_and_keeps_nothing(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EC_SMTP_URL", raising=False)
    monkeypatch.delenv("EC_EMAIL_OUTBOX", raising=False)
    assert not NotifierSettings().email_outbox  # the distributed default
    story = Story()
    async with running_notifier(postgres_url) as notifier:
        await notifier.publish(story.started(), story.manager())
        deliveries = await notifier.settled(count=3)
        kept = await all_of(notifier.client, "/v1/outbox")

    [email_delivery] = [d for d in deliveries if d["channel"] == "email"]
    assert email_delivery["status"] == "failed"
    assert "EC_EMAIL_OUTBOX" in email_delivery["last_error"]
    assert kept == []


async def test_the_embedded_mode_with_email_outbox_false_fails_email_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {**QUICK_ENV, "EC_API_TOKENS": API_TOKENS}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("EC_SMTP_URL", raising=False)
    monkeypatch.setenv("EC_EMAIL_OUTBOX", "false")
    async with serving(create_app(database_url=f"sqlite+aiosqlite:///{tmp_path}/ec.db")) as client:
        life = Lifecycle(Services(client, client, client, client))
        await life.start_from_p1()
        await life.ok("PUT", "manager", {"manager": DANA})

        async def failed() -> list[dict[str, Any]]:
            deliveries = await all_of(client, "/v1/deliveries", escalation_id=life.escalation_id)
            return [d for d in deliveries if d["channel"] == "email" and d["status"] == "failed"]

        await eventually(failed)
        assert await all_of(client, "/v1/outbox") == []
