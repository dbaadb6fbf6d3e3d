"""The round trip with the ITSM platforms, through the four service processes
on real Kafka and PostgreSQL: an incident posted to the intake's webhook by
ServiceNow, Jira or PagerDuty escalates; the platform's fake receives the
start note on that very record, and notes at the milestones; the review's
`open_problem` input becomes a problem record there, and the escalation's
events include the RecordLinked naming the number the platform answered."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from harness.factories import bearer
from harness.notifier import QUICK_ENV
from harness.processes import ServiceProcess
from harness.waiting import eventually
from tests.e2e.conftest import cluster_env
from tests.support.itsm_fakes import FakeJira, FakePagerDuty, FakePlatform, FakeServiceNow, Received
from tests.support.roundtrip import (
    WEBHOOK_SECRETS,
    escalation_of,
    post_webhook,
    problem_link,
    to_review,
)
from tests.unit.webhooks.golden import GOLDEN, example

pytestmark = pytest.mark.e2e

CONSOLE = "https://ec.provider.example/console"
FROM = "escalations@acme.example"
NOTIFIER_TOKEN = "notifier:link-secret"


@dataclass
class Platforms:
    servicenow: FakeServiceNow
    jira: FakeJira
    pagerduty: FakePagerDuty


@pytest.fixture
def platforms() -> Iterator[Platforms]:
    found = Platforms(
        FakeServiceNow(username="ec-integration", password="sn-password"),
        FakeJira(email=FROM, api_token="jira-token", projects={"PRB": {"Problem"}}),
        FakePagerDuty(api_token="pd-token", users={FROM}),
    )
    started: list[Any] = []
    try:
        for fake in (found.servicenow, found.jira, found.pagerduty):
            fake.start()
            started.append(fake)
        yield found
    finally:
        for fake in started:
            fake.stop()


@dataclass
class Cluster:
    intake: httpx.AsyncClient
    escalation: httpx.AsyncClient
    notifier: httpx.AsyncClient


@pytest.fixture
async def cluster(
    postgres_url: str,
    kafka_servers: str,
    topic_prefix: str,
    tmp_path: Path,
    platforms: Platforms,
) -> AsyncIterator[Cluster]:
    sources = tmp_path / "sources.yaml"
    sources.write_text((GOLDEN / "sources.example.yaml").read_text())
    connections = tmp_path / "connections.yaml"
    connections.write_text(
        yaml.safe_dump(
            {
                "connections": {
                    "servicenow": {
                        "base_url": platforms.servicenow.url,
                        "username": "ec-integration",
                        "password_env": "EC_SERVICENOW_PASSWORD",
                    },
                    "jira": {
                        "base_url": platforms.jira.url,
                        "email": FROM,
                        "api_token_env": "EC_JIRA_API_TOKEN",
                        "problem_project": "PRB",
                        "problem_issue_type": "Problem",
                    },
                    "pagerduty": {
                        "base_url": platforms.pagerduty.url,
                        "api_token_env": "EC_PAGERDUTY_API_TOKEN",
                        "from_email": FROM,
                    },
                }
            }
        )
    )
    env = cluster_env(postgres_url, kafka_servers, topic_prefix)
    env |= {
        # The notifier's own operator token, as the README advises: the audit names it.
        "EC_API_TOKENS": f"{env['EC_API_TOKENS']},operator:{NOTIFIER_TOKEN}",
        "EC_INTAKE_SOURCES_FILE": str(sources),
        "EC_WEBHOOK_SECRETS": WEBHOOK_SECRETS,
    }
    escalation = ServiceProcess("ec_escalation", env=env, log_dir=tmp_path)
    notifier_env = (
        env
        | QUICK_ENV
        | {
            "EC_CONNECTIONS_FILE": str(connections),
            "EC_SERVICENOW_PASSWORD": "sn-password",
            "EC_JIRA_API_TOKEN": "jira-token",
            "EC_PAGERDUTY_API_TOKEN": "pd-token",
            "EC_CONSOLE_URL": CONSOLE,
            "EC_NOTIFIER_ESCALATION_URL": escalation.url,
            "EC_NOTIFIER_ESCALATION_TOKEN": NOTIFIER_TOKEN,
            "EC_EMAIL_OUTBOX": "true",
        }
    )
    processes = {
        "intake": ServiceProcess("ec_intake", env=env, log_dir=tmp_path),
        "escalation": escalation,
        "notifier": ServiceProcess("ec_notifier", env=notifier_env, log_dir=tmp_path),
        "monitor": ServiceProcess("ec_monitor", env=env, log_dir=tmp_path),
    }
    try:
        for process in processes.values():
            process.start()
        for process in processes.values():
            await process.wait_healthy()
        async with (
            httpx.AsyncClient(base_url=processes["intake"].url, timeout=10) as intake,
            httpx.AsyncClient(base_url=escalation.url, timeout=10) as escalation_client,
            httpx.AsyncClient(base_url=processes["notifier"].url, timeout=10) as notifier,
        ):
            yield Cluster(intake, escalation_client, notifier)
    finally:
        for process in processes.values():
            process.stop()


async def test_a_servicenow_incident_gets_work_notes_and_its_review_a_linked_problem(
    cluster: Cluster, platforms: Platforms
) -> None:
    sys_id, number = uuid.uuid4().hex, f"INC{random.randrange(10**7):07d}"
    platforms.servicenow.add_incident(sys_id, number)
    payload = example("servicenow", "p1_new") | {"sys_id": sys_id, "number": number}

    escalation_id = await escalation_of(
        cluster.escalation, await post_webhook(cluster.intake, "servicenow", payload)
    )

    path = f"/api/now/table/incident/{sys_id}"

    async def start_note() -> list[Any]:
        return platforms.servicenow.accepted("PATCH", path)

    [note, *_] = await eventually(start_note)
    assert escalation_id in note.json()["work_notes"]
    assert f"{CONSOLE}/escalations/{escalation_id}" in note.json()["work_notes"]

    await to_review(cluster.escalation, escalation_id, problem="Certificates expire unseen")
    link = await problem_link(cluster.escalation, escalation_id)

    [problem] = platforms.servicenow.problems
    assert link["data"]["ref"] == problem["number"]
    assert link["actor"] == {"role": "operator", "name": "notifier"}
    assert link["data"]["platform_record"]["record_id"] == problem["sys_id"]
    assert number in problem["description"]
    # Every milestone on the way left its note: start, manager, monitoring, closure.
    notes = await at_least(4, platforms.servicenow, "PATCH", path)
    assert len(notes) == 4
    assert all("comments" not in r.json() for r in platforms.servicenow.received("PATCH"))


async def at_least(count: int, fake: FakePlatform, method: str, path: str) -> list[Received]:
    """What `fake` accepted at `path`, once it is `count` requests or more."""

    async def enough() -> list[Received] | None:
        found = fake.accepted(method, path)
        return found if len(found) >= count else None

    return await eventually(enough)


async def test_a_jira_issue_gets_comments_and_its_review_a_linked_problem_issue(
    cluster: Cluster, platforms: Platforms
) -> None:
    key = f"ITSM-{random.randrange(10**6)}"
    platforms.jira.add_issue(key)
    payload = example("jira", "issue_created")
    payload["issue"] |= {"key": key, "id": str(random.randrange(10**8))}

    escalation_id = await escalation_of(
        cluster.escalation, await post_webhook(cluster.intake, "jira", payload)
    )

    path = f"/rest/api/3/issue/{key}/comment"

    async def start_comment() -> list[Any]:
        return platforms.jira.accepted("POST", path)

    [comment, *_] = await eventually(start_comment)
    assert comment.json()["body"]["type"] == "doc"
    assert escalation_id in json.dumps(comment.json()["body"])

    await to_review(cluster.escalation, escalation_id, problem="Gateway failover is manual")
    link = await problem_link(cluster.escalation, escalation_id)

    [issue] = platforms.jira.created
    assert link["data"]["ref"] == issue["key"]
    assert issue["project"] == {"key": "PRB"}
    assert len(await at_least(4, platforms.jira, "POST", path)) == 4


async def test_a_pagerduty_incident_gets_notes_at_the_milestones(
    cluster: Cluster, platforms: Platforms
) -> None:
    incident_id = f"Q{uuid.uuid4().hex[:13].upper()}"
    platforms.pagerduty.add_incident(incident_id)
    payload = example("pagerduty", "incident_triggered")
    payload["event"]["id"] = uuid.uuid4().hex
    payload["event"]["data"] |= {"id": incident_id, "number": random.randrange(10**6)}
    payload["event"]["data"]["priority"]["summary"] = "P1"

    escalation_id = await escalation_of(
        cluster.escalation, await post_webhook(cluster.intake, "pagerduty", payload)
    )

    path = f"/incidents/{incident_id}/notes"

    async def start_note() -> list[Any]:
        return platforms.pagerduty.accepted("POST", path)

    [note, *_] = await eventually(start_note)
    assert escalation_id in note.json()["note"]["content"]
    assert note.headers["from"] == FROM

    await to_review(cluster.escalation, escalation_id, problem="Paging reached the wrong team")

    notes = await at_least(4, platforms.pagerduty, "POST", path)
    # Notes on one record are sent concurrently: which arrives last is not fixed.
    assert any("closed with the agreement of" in n.json()["note"]["content"] for n in notes)
    # PagerDuty keeps no problem records: the review wrote nothing more.
    deliveries = (
        await cluster.notifier.get(
            "/v1/deliveries", params={"escalation_id": escalation_id}, headers=bearer("auditor")
        )
    ).json()["items"]
    assert not [d for d in deliveries if d["channel"].endswith("-problem")]
