"""The notifier under faults, on real Kafka and PostgreSQL, as separate
processes: a mail server that was down, subscribers that are gone for good,
and an escalation service killed while customers' mails go out. Mail to the
escalation manager is the one thing it must never stop sending."""

from __future__ import annotations

import re
from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.factories import bearer
from harness.notifier import MANAGER, QUICK_ENV, Story, all_deliveries, publish_to_kafka
from harness.notifier_receivers import SmtpSink
from harness.processes import ServiceProcess, free_port
from harness.waiting import eventually
from tests.e2e.conftest import cluster_env
from tests.support.escalation_http import VALID_BODIES, command, started

pytestmark = pytest.mark.e2e
ESCALATIONS = 20
BACKLOG_EVENTS = 1_500  # two dead subscribers: 3,000 deliveries that cannot go out
# A circuit that opens quickly and whose longest pause outlasts every wait
# below: a burst of failures must not put the mail server at that pause.
CIRCUIT = {
    "EC_NOTIFIER_CIRCUIT_FAILURES": "3",
    "EC_NOTIFIER_CIRCUIT_BASE_S": "0.5",
    "EC_NOTIFIER_CIRCUIT_MAX_S": "600",
    "EC_NOTIFIER_MAX_ATTEMPTS": "1000",  # no mail given up while the server is down
}
# Mail waits at most the pause the circuit reached while the server was down
# (it doubles from 0.5 s per failed probe), and a send; this is well past it.
BACK_WITHIN_S = 60.0
CUSTOMER_PAGES = "http://127.0.0.1:8005/customer"
LINK = re.compile(re.escape(CUSTOMER_PAGES) + r"/[\w-]+")
NO_LINK = "could not be added to this mail"


def plain_text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    text: str = body.get_content()
    return text


async def hosts(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    answer = await client.get("/v1/dispatcher", headers=bearer("auditor"))
    assert answer.status_code == 200, answer.text
    return {h["host"]: h for h in answer.json()["hosts"]}


async def test_mail_resumes_when_the_server_is_back_and_dead_subscribers_hold_up_nothing(
    postgres_url: str, kafka_servers: str, topic_prefix: str, tmp_path: Path
) -> None:
    smtp = SmtpSink()  # down: nothing listens on its port yet
    env = {
        **cluster_env(postgres_url, kafka_servers, topic_prefix),
        **QUICK_ENV,
        **CIRCUIT,
        "EC_SMTP_URL": smtp.url,
    }
    notifier = ServiceProcess("ec_notifier", env=env, log_dir=tmp_path)
    notifier.start()
    try:
        await notifier.wait_healthy()
        async with httpx.AsyncClient(base_url=notifier.url, timeout=30) as client:
            # given two subscribers that are gone for good
            dead = [f"http://127.0.0.1:{free_port()}/hook" for _ in range(2)]
            for url in dead:
                created = await client.post(
                    "/v1/subscriptions", json={"url": url}, headers=bearer("admin")
                )
                assert created.status_code == 201, created.text
            dead_hosts = {url.removesuffix("/hook") for url in dead}

            # and the mail server down while twenty escalations get a manager
            stories = [Story() for _ in range(ESCALATIONS)]
            await publish_to_kafka(
                kafka_servers,
                topic_prefix,
                [e for s in stories for e in (s.started(), s.manager())],
            )

            async def mail_failing() -> bool:
                mails = await all_deliveries(client, status="pending")
                waiting = [d for d in mails if d["channel"] == "email"]
                smtp_host = (await hosts(client)).get("smtp", {})
                # recorded, refused, and its circuit opened and probed in vain
                return len(waiting) == ESCALATIONS and smtp_host.get("failures", 0) >= 5

            await eventually(mail_failing)

            # when the mail server comes back
            smtp.start()
            try:

                async def all_mail_out() -> list[dict[str, Any]] | None:
                    mails = [d for d in await all_deliveries(client) if d["channel"] == "email"]
                    out = [d for d in mails if d["status"] == "delivered"]
                    return out if len(out) == len(mails) == ESCALATIONS else None

                # then every manager's mail goes out, once, within the bound the
                # circuit's settings give
                sent = await eventually(all_mail_out, timeout=BACK_WITHIN_S)
                assert Counter(smtp.delivery_ids()) == Counter({d["id"]: 1 for d in sent})
                assert {m.to for m in smtp.mails} == {(MANAGER.email,)}

                # and given the dead subscribers' backlog thousands deep
                quiet = [Story() for _ in range(BACKLOG_EVENTS // 50)]
                await publish_to_kafka(
                    kafka_servers,
                    topic_prefix,
                    [s.progress(f"{n}") for s in quiet for n in range(50)],
                )

                async def backlog_deep() -> bool:
                    state = await hosts(client)
                    due = sum(state[h]["due"] for h in dead_hosts if h in state)
                    return due >= 2 * BACKLOG_EVENTS - 100

                await eventually(backlog_deep)

                # when an escalation gets a manager now
                late = Story()
                await publish_to_kafka(
                    kafka_servers, topic_prefix, [late.started(), late.manager()]
                )

                # then its mail goes out while the backlog is still there
                async def late_mail() -> bool:
                    mails = await all_deliveries(client, escalation_id=str(late.id))
                    return any(
                        d["channel"] == "email" and d["status"] == "delivered" for d in mails
                    )

                await eventually(late_mail)
                state = await hosts(client)
                assert sum(state[h]["due"] for h in dead_hosts) > BACKLOG_EVENTS
                assert len(smtp.mails) == ESCALATIONS + 1
                assert set(smtp.delivery_ids().values()) == {1}
            finally:
                smtp.stop()
    finally:
        notifier.stop()


async def test_customers_mail_goes_out_once_each_while_the_escalation_service_is_killed(
    postgres_url: str, kafka_servers: str, topic_prefix: str, tmp_path: Path
) -> None:
    smtp = SmtpSink()  # down at first, so mail is still waiting at the kill
    env = cluster_env(postgres_url, kafka_servers, topic_prefix)
    escalation = ServiceProcess("ec_escalation", env=env, log_dir=tmp_path)
    notifier = ServiceProcess(
        "ec_notifier",
        env={
            **env,
            **QUICK_ENV,
            **CIRCUIT,
            "EC_SMTP_URL": smtp.url,
            "EC_NOTIFIER_ESCALATION_URL": escalation.url,
            "EC_CUSTOMER_PAGE_URL": CUSTOMER_PAGES,
        },
        log_dir=tmp_path,
    )
    escalation.start()
    notifier.start()
    try:
        await escalation.wait_healthy()
        await notifier.wait_healthy()
        async with (
            httpx.AsyncClient(base_url=escalation.url, timeout=30) as operator,
            httpx.AsyncClient(base_url=notifier.url, timeout=30) as log,
        ):
            # given escalations whose customer contact and manager are being told
            ids = []
            for _ in range(5):
                escalation_id = await started(operator)
                for suffix, body in (
                    ("manager", {"manager": MANAGER.model_dump()}),
                    ("contacts", {"customer": [{"name": "Jo", "email": "jo@customer.example"}]}),
                    ("progress", VALID_BODIES["progress"][1]),
                ):
                    answer = await command(operator, escalation_id, suffix, body)
                    assert answer.status_code < 300, answer.text
                ids.append(escalation_id)

            async def recorded() -> list[dict[str, Any]] | None:
                mails = [d for d in await all_deliveries(log) if d["channel"] == "email"]
                to_customer = [d for d in mails if d["role"] == "customer contact"]
                refused = (await hosts(log)).get("smtp", {}).get("failures", 0) >= 3
                return mails if len(to_customer) == len(ids) and refused else None

            mails = await eventually(recorded)

            # when the escalation service is killed while the mail goes out
            escalation.kill()
            smtp.start()
            try:

                async def all_out() -> bool:
                    found = [d for d in await all_deliveries(log) if d["channel"] == "email"]
                    return len(found) == len(mails) and all(
                        d["status"] == "delivered" for d in found
                    )

                await eventually(all_out)

                # then every mail went out once; the customer's say how to get a
                # link, and nobody else's mail waited on one
                assert Counter(smtp.delivery_ids()) == Counter({d["id"]: 1 for d in mails})
                for mail in smtp.mails:
                    text = plain_text(mail.message)
                    if mail.to == ("jo@customer.example",):
                        assert NO_LINK in text or LINK.search(text)
                    else:
                        assert NO_LINK not in text
                        assert not LINK.search(text)
                customer_texts = [plain_text(m.message) for m in smtp.to("jo@customer.example")]
                assert any(NO_LINK in text for text in customer_texts)
                metrics = (await log.get("/metrics", headers=bearer("auditor"))).text
                assert "ec_notifier_customer_links_missing_total" in metrics
            finally:
                smtp.stop()
    finally:
        notifier.stop()
        escalation.stop()
