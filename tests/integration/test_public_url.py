"""The links in mails follow the address the system is really reached at: the
embedded process started on a port of its own puts that port in a customer's
personal link, with no EC_PUBLIC_URL or EC_CUSTOMER_PAGE_URL set."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, MIMEPart
from pathlib import Path

import httpx
import pytest

from ec_notifier.settings import NotifierSettings
from harness.notifier_receivers import SmtpSink
from harness.processes import ServiceProcess
from harness.waiting import eventually

OPERATOR = "olivia:public-url-test"
JO = {"name": "Jo Meyer", "email": "jo@customer.example"}


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def embedded(
    tmp_path: Path, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ServiceProcess]:
    for name in ("EC_PUBLIC_URL", "EC_CUSTOMER_PAGE_URL", "EC_CONSOLE_URL", "EC_EMAIL_OUTBOX"):
        monkeypatch.delenv(name, raising=False)
    process = ServiceProcess(
        "ec_embedded",
        env={
            "EC_API_TOKENS": f"operator:{OPERATOR}",
            "EC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/ec.db",
            "EC_KAFKA_BOOTSTRAP_SERVERS": "",
            "EC_SMTP_URL": smtp.url,
            "EC_RAISE_AFTER": "[]",
        },
        log_dir=tmp_path,
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


async def test_a_customers_link_names_the_port_the_embedded_process_listens_on(
    embedded: ServiceProcess, smtp: SmtpSink
) -> None:
    # given the embedded process on a port other than 8000, and an escalation with Jo
    await embedded.wait_healthy()
    headers = {"Authorization": f"Bearer {OPERATOR}"}
    async with httpx.AsyncClient(base_url=embedded.url, headers=headers, timeout=30) as client:
        started = await client.post(
            "/v1/escalations",
            json={
                "reason": "the customer called",
                "title": "Invoices are not sent",
                "customer": {"id": "cust-b", "name": "Contoso", "tier": "silver"},
                "service": "billing",
            },
        )
        assert started.status_code == 201, started.text
        escalation_id = started.json()["id"]
        contacts = await client.put(
            f"/v1/escalations/{escalation_id}/contacts", json={"customer": [JO]}
        )
        assert contacts.status_code == 200, contacts.text

        # when progress is reported, which Jo hears of by mail
        due = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
        progress = await client.post(
            f"/v1/escalations/{escalation_id}/progress",
            json={"note": "Three of five gateways restored.", "next_update_due": due},
        )
        assert progress.status_code == 200, progress.text

        # then Jo's mail links to this process's own port, and the link opens the page
        async def linked() -> list[str] | None:
            found = [
                link
                for mail in smtp.to(JO["email"])
                for link in re.findall(r"http://[\w.:]+/customer/[\w-]+", _text(mail.message))
            ]
            return found or None

        [link, *_] = await eventually(linked)
        assert link.startswith(f"http://127.0.0.1:{embedded.port}/customer/")
        token = link.rsplit("/", 1)[1]
        assert (await client.get(f"/v1/customer/{token}")).status_code == 200


def test_the_customer_page_and_console_addresses_derive_from_the_public_url() -> None:
    # given a public address, and one of the two links set on its own
    settings = NotifierSettings(
        public_url="https://ec.example/", console_url="https://ops.example/console"
    )

    # then the one not set follows the public address, the other stays as set
    assert settings.customer_page_url == "https://ec.example/customer"
    assert settings.console_url == "https://ops.example/console"
    # and an embedded server's own address does not override the public one
    under = settings.served_at("http://127.0.0.1:8100")
    assert under.customer_page_url == "https://ec.example/customer"


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, MIMEPart)
    content: str = body.get_content()
    return content
