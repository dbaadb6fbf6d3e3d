"""Write-backs to the ITSM platforms through the delivery log, against local
fakes of ServiceNow, Jira and PagerDuty: notes at the milestones, retries on
503 and 429, a 401 kept with the platform's words and retried once the secret
is fixed, and problem records from the review linked back to the escalation.
The notifier runs on the real PostgreSQL, fed through the in-process bus."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ec_events import escalations as esc
from ec_events.base import PlatformRecord
from harness.factories import bearer
from harness.notifier import Notifier, Story, running_notifier
from harness.notifier_receivers import HttpReceiver
from harness.waiting import eventually
from tests.support.itsm_fakes import FakeJira, FakePagerDuty, FakeServiceNow, Received

pytestmark = pytest.mark.postgres

PLATFORM_CHANNELS = {"servicenow", "jira", "pagerduty", "servicenow-problem", "jira-problem"}
CONSOLE = "https://ec.provider.example/console"
TEN_MINUTES = timedelta(minutes=10)
SYS_ID, JIRA_KEY, PD_ID = "9d385017c611228701d22104cc95c371", "OPS-7", "PT4KHLK"
LINK_TOKEN = "notifier:link-secret"


@dataclass
class Platforms:
    servicenow: FakeServiceNow
    jira: FakeJira
    pagerduty: FakePagerDuty
    escalation: HttpReceiver  # where created problem records are linked back


@pytest.fixture
def platforms() -> Iterator[Platforms]:
    servicenow = FakeServiceNow(username="ec-integration", password="sn-right")
    jira = FakeJira(
        email="escalations@acme.example", api_token="jira-right", projects={"PRB": {"Problem"}}
    )
    pagerduty = FakePagerDuty(api_token="pd-right", users={"escalations@acme.example"})
    escalation = HttpReceiver("ok")
    servicenow.add_incident(SYS_ID, "INC0012345")
    jira.add_issue(JIRA_KEY)
    pagerduty.add_incident(PD_ID)
    started = []
    try:
        for server in (servicenow, jira, pagerduty, escalation):
            server.start()
            started.append(server)
        yield Platforms(servicenow, jira, pagerduty, escalation)
    finally:
        for server in started:
            server.stop()


def connections_file(folder: Path, platforms: Platforms, *, pagerduty: bool = True) -> Path:
    text = f"""
connections:
  servicenow:
    base_url: {platforms.servicenow.url}
    username: ec-integration
    password_env: TEST_SN_PASSWORD
  jira:
    base_url: {platforms.jira.url}
    email: escalations@acme.example
    api_token_env: TEST_JIRA_TOKEN
    problem_project: PRB
    problem_issue_type: Problem
"""
    if pagerduty:
        text += f"""
  pagerduty:
    base_url: {platforms.pagerduty.url}
    api_token_env: TEST_PD_TOKEN
    from_email: escalations@acme.example
"""
    path = folder / "connections.yaml"
    path.write_text(text)
    return path


@pytest.fixture
async def notifier(
    postgres_url: str, platforms: Platforms, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Notifier]:
    monkeypatch.setenv("TEST_SN_PASSWORD", "sn-right")
    monkeypatch.setenv("TEST_JIRA_TOKEN", "jira-right")
    monkeypatch.setenv("TEST_PD_TOKEN", "pd-right")
    async with running_notifier(
        postgres_url,
        connections_file=str(connections_file(tmp_path, platforms)),
        console_url=CONSOLE,
        notifier_escalation_url=platforms.escalation.url,
        notifier_escalation_token=LINK_TOKEN,
        email_outbox=True,
    ) as running:
        yield running


def records(*which: str) -> tuple[esc.IncidentRecord, ...]:
    known = {
        "servicenow": PlatformRecord(platform="servicenow", record_id=SYS_ID, number="INC0012345"),
        "jira": PlatformRecord(platform="jira", record_id=JIRA_KEY),
        "pagerduty": PlatformRecord(platform="pagerduty", record_id=PD_ID, number="1042"),
    }
    return tuple(esc.IncidentRecord(incident_id=uuid.uuid4(), record=known[w]) for w in which)


async def writebacks(
    notifier: Notifier, count: int, *, status: tuple[str, ...] = ("delivered", "failed")
) -> list[dict[str, Any]]:
    """The write-back deliveries, once `count` of them are in one of `status`."""

    async def done() -> list[dict[str, Any]] | None:
        found = [d for d in await notifier.deliveries() if d["channel"] in PLATFORM_CHANNELS]
        return found if sum(d["status"] in status for d in found) >= count else None

    return await eventually(done)


def note_path(platform: str) -> str:
    return {
        "servicenow": f"/api/now/table/incident/{SYS_ID}",
        "jira": f"/rest/api/3/issue/{JIRA_KEY}/comment",
        "pagerduty": f"/incidents/{PD_ID}/notes",
    }[platform]


def by_event(found: list[dict[str, Any]], requests: list[Received]) -> dict[str, Received]:
    """Each request by the event its delivery tells of: notes on one record are
    sent concurrently, so their order of arrival is not the events' order."""
    event_of = {d["id"]: d["event_type"] for d in found}
    return {event_of[r.headers["x-ec-delivery-id"]]: r for r in requests}


def adf_text(document: dict[str, Any]) -> str:
    return "\n".join(
        node.get("text", "")
        for paragraph in document["content"]
        for node in paragraph["content"]
        if node["type"] == "text"
    )


async def test_each_milestone_writes_a_note_on_each_platform_in_its_own_format(
    notifier: Notifier, platforms: Platforms
) -> None:
    story = Story()
    started = story.started(incident_records=records("servicenow", "jira", "pagerduty"))
    await notifier.publish(started, story.manager(), story.team(), story.progress())

    # Started, manager, progress on three platforms; the team's appointment is no milestone.
    found = await writebacks(notifier, 9)

    assert {d["status"] for d in found} == {"delivered"}
    servicenow = platforms.servicenow.accepted("PATCH", note_path("servicenow"))
    assert len(servicenow) == 3
    notes_by_event = by_event(found, servicenow)
    start = notes_by_event["EscalationStarted"]
    manager = notes_by_event["EscalationManagerAssigned"]
    progress = notes_by_event["ProgressReported"]
    assert set(start.json()) == {"work_notes"}  # internal notes, never customer-visible comments
    note = start.json()["work_notes"]
    assert str(story.id) in note
    assert "level 1" in note
    assert "escalation criteria met: p1" in note
    assert f"{CONSOLE}/escalations/{story.id}" in note
    user, _, password = base64.b64decode(start.headers["authorization"][6:]).decode().partition(":")
    assert (user, password) == ("ec-integration", "sn-right")
    assert "Dana Okafor" in manager.json()["work_notes"]
    assert "3 of 5 gateways restored" in progress.json()["work_notes"]

    comments = platforms.jira.accepted("POST", note_path("jira"))
    assert len(comments) == 3
    body = comments[0].json()["body"]
    assert body["type"] == "doc"
    assert body["version"] == 1
    assert {p["type"] for p in body["content"]} == {"paragraph"}
    assert f"{CONSOLE}/escalations/{story.id}" in adf_text(body)

    notes = platforms.pagerduty.accepted("POST", note_path("pagerduty"))
    assert len(notes) == 3
    assert notes[0].headers["authorization"] == "Token token=pd-right"
    assert notes[0].headers["from"] == "escalations@acme.example"
    assert notes[0].headers["accept"] == "application/vnd.pagerduty+json;version=2"
    progress_note = by_event(found, notes)["ProgressReported"]
    assert "3 of 5 gateways restored" in progress_note.json()["note"]["content"]


async def test_a_platform_answering_503_then_200_gets_the_note_once(
    notifier: Notifier, platforms: Platforms
) -> None:
    platforms.servicenow.answer_next(503)
    story = Story()
    await notifier.publish(story.started(incident_records=records("servicenow")))

    [delivery] = await writebacks(notifier, 1)

    assert delivery["status"] == "delivered"
    assert delivery["attempts"] == 2
    tried = platforms.servicenow.received("PATCH", note_path("servicenow"))
    assert [r.status for r in tried] == [503, 200]


async def test_a_429_is_retried_no_sooner_than_its_retry_after(
    notifier: Notifier, platforms: Platforms
) -> None:
    platforms.jira.answer_next(429, retry_after=int(TEN_MINUTES.total_seconds()))
    story = Story()
    await notifier.publish(story.started(incident_records=records("jira")))

    async def waiting() -> dict[str, Any] | None:
        found = [d for d in await notifier.deliveries() if d["channel"] == "jira"]
        return found[0] if found and found[0]["attempts"] == 1 and found[0]["last_error"] else None

    delivery = await eventually(waiting)

    assert delivery["status"] == "pending"
    assert "jira answered 429" in delivery["last_error"]
    # The quick test policy would schedule the retry a second on; the platform
    # asked for ten minutes, and the stored schedule says so.
    assert _at(delivery["next_attempt_at"]) >= _at(delivery["updated_at"]) + TEN_MINUTES


async def test_a_429_with_a_short_retry_after_is_delivered_on_the_next_attempt(
    notifier: Notifier, platforms: Platforms
) -> None:
    platforms.pagerduty.answer_next(429, retry_after=1)
    story = Story()
    await notifier.publish(story.started(incident_records=records("pagerduty")))

    [delivery] = await writebacks(notifier, 1)

    assert delivery["status"] == "delivered"
    tried = platforms.pagerduty.received("POST", note_path("pagerduty"))
    assert [r.status for r in tried] == [429, 201]


async def test_a_refused_secret_fails_with_the_platforms_words_and_a_retry_after_the_fix_succeeds(
    notifier: Notifier, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SN_PASSWORD", "sn-wrong")
    story = Story()
    await notifier.publish(story.started(incident_records=records("servicenow")))

    [failed] = await writebacks(notifier, 1)

    assert failed["status"] == "failed"
    assert failed["attempts"] == 1  # a 401 is not retried by itself
    assert "servicenow answered 401" in failed["last_error"]
    assert "User Not Authenticated" in failed["last_error"]
    assert "Required to provide Auth information" in failed["last_error"]

    # The operator fixes the secret (a restart with the right value) and retries.
    monkeypatch.setenv("TEST_SN_PASSWORD", "sn-right")
    retry = await notifier.client.post(
        f"/v1/deliveries/{failed['id']}/retry", headers=bearer("operator")
    )
    assert retry.status_code == 202, retry.text

    [delivered] = await writebacks(notifier, 1, status=("delivered",))
    assert delivered["id"] == failed["id"]
    assert len(platforms.servicenow.accepted("PATCH", note_path("servicenow"))) == 1


async def test_a_record_the_platform_does_not_know_fails_at_once_with_its_words(
    notifier: Notifier, platforms: Platforms
) -> None:
    story = Story()
    unknown = PlatformRecord(platform="pagerduty", record_id="PNOTHERE", number="9")
    started = story.started(
        incident_records=(esc.IncidentRecord(incident_id=uuid.uuid4(), record=unknown),)
    )
    await notifier.publish(started)

    [failed] = await writebacks(notifier, 1)

    assert failed["status"] == "failed"
    assert failed["attempts"] == 1
    assert failed["last_error"] == "pagerduty answered 404: Not Found (code 2100)"


async def test_an_open_problem_input_becomes_one_servicenow_problem_linked_back_to_the_escalation(
    notifier: Notifier, platforms: Platforms
) -> None:
    platforms.escalation.mode = "fail"  # the link-back is retried, the problem not re-created
    story = Story()
    review = story.reviewed(
        esc.ProblemManagementInput(kind="open_problem", description="Certificates expire unseen"),
        esc.ProblemManagementInput(kind="follow_up_action", description="Add expiry alerts"),
    )
    await notifier.publish(
        story.started(incident_records=records("servicenow")), story.closed(), review
    )

    async def tried_link() -> bool:
        return bool(platforms.escalation.requests)

    await eventually(tried_link)
    platforms.escalation.mode = "ok"

    async def linked() -> list[dict[str, Any]] | None:
        found = [d for d in await notifier.deliveries() if d["channel"] == "escalation-link"]
        return found if found and found[0]["status"] == "delivered" else None

    [link] = await eventually(linked)

    [problem] = platforms.servicenow.problems
    assert problem["number"] == "PRB0040001"
    assert "Certificates expire unseen" in problem["short_description"]
    assert str(story.id) in problem["description"]
    assert "INC0012345" in problem["description"]
    [request, *_] = platforms.escalation.accepted(f"/v1/escalations/{story.id}/links")
    assert request.headers["authorization"] == f"Bearer {LINK_TOKEN}"
    assert request.json() == {
        "kind": "problem",
        "ref": "PRB0040001",
        "platform_record": {
            "platform": "servicenow",
            "record_id": problem["sys_id"],
            "number": "PRB0040001",
        },
    }
    assert link["attempts"] >= 2
    [made] = [d for d in await notifier.deliveries() if d["channel"] == "servicenow-problem"]
    assert made["status"] == "delivered"
    assert made["attempts"] == 1


async def test_an_open_problem_input_becomes_a_jira_issue_in_the_problem_project(
    notifier: Notifier, platforms: Platforms
) -> None:
    story = Story()
    review = story.reviewed(
        esc.ProblemManagementInput(kind="open_problem", description="Gateway failover is manual")
    )
    await notifier.publish(story.started(incident_records=records("jira")), review)

    async def linked() -> list[Any] | None:
        return platforms.escalation.accepted(f"/v1/escalations/{story.id}/links") or None

    [request] = await eventually(linked)

    [issue] = platforms.jira.created
    assert issue["project"] == {"key": "PRB"}
    assert issue["issuetype"] == {"name": "Problem"}
    assert "Gateway failover is manual" in issue["summary"]
    assert JIRA_KEY in adf_text(issue["description"])
    assert request.json() == {
        "kind": "problem",
        "ref": issue["key"],
        "platform_record": {"platform": "jira", "record_id": issue["key"], "number": None},
    }


async def test_a_platform_without_a_connection_gets_nothing(
    postgres_url: str, platforms: Platforms, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SN_PASSWORD", "sn-right")
    monkeypatch.setenv("TEST_JIRA_TOKEN", "jira-right")
    async with running_notifier(
        postgres_url,
        connections_file=str(connections_file(tmp_path, platforms, pagerduty=False)),
        email_outbox=True,
    ) as notifier:
        story = Story()
        await notifier.publish(story.started(incident_records=records("pagerduty", "servicenow")))

        found = await writebacks(notifier, 1)

    assert [d["channel"] for d in found] == ["servicenow"]
    assert platforms.pagerduty.received() == []


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


# Record ids as a hostile reporter sent them, before the intake checked their form:
# each would have steered the request elsewhere on the platform, with the
# integration user's credentials.
HOSTILE = {
    "servicenow": (
        "../../../api/now/table/sys_user/62826bf03710200044e0bfc8bcbe5df1?x=",
        "/api/now/table/incident/..%2F..%2F..%2Fapi%2Fnow%2Ftable%2Fsys_user%2F"
        "62826bf03710200044e0bfc8bcbe5df1%3Fx%3D",
    ),
    "jira": ("OPS-7#", "/rest/api/3/issue/OPS-7%23/comment"),
    "pagerduty": ("../../users/PXPGF42?x=", "/incidents/..%2F..%2Fusers%2FPXPGF42%3Fx%3D/notes"),
}


@pytest.mark.parametrize("platform", sorted(HOSTILE))
async def test_a_record_id_from_an_event_is_one_encoded_path_segment_on_the_platform(
    notifier: Notifier, platforms: Platforms, platform: str
) -> None:
    # given an escalation whose incident record carries a path in its id
    hostile, encoded = HOSTILE[platform]
    record = PlatformRecord(platform=platform, record_id=hostile)  # type: ignore[arg-type]
    story = Story()
    incident = esc.IncidentRecord(incident_id=uuid.uuid4(), record=record)

    # when its start is written back
    await notifier.publish(story.started(incident_records=(incident,)))
    await writebacks(notifier, 1)

    # then the platform got exactly one request, on the incident path, the id one segment
    fake = getattr(platforms, platform)
    [request] = fake.received()
    assert request.target == encoded
