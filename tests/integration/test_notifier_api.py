"""The notifier's HTTP contract: subscriptions (admin only, secret shown once,
URLs validated), the delivery log's filters, and retrying only what failed."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ec_notifier.store.migrations import history
from harness.factories import bearer
from harness.notifier import Notifier, Story, running_notifier

pytestmark = pytest.mark.postgres
HOOK = "https://itsm.example/hooks/escalations"


@pytest.fixture
async def notifier(postgres_url: str) -> AsyncIterator[Notifier]:
    async with running_notifier(postgres_url) as running:
        yield running


async def test_a_subscription_shows_its_secret_once_and_never_again(notifier: Notifier) -> None:
    created = await notifier.subscribe(HOOK, ["ProgressReported", "EscalationClosed"])

    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == ["EscalationClosed", "ProgressReported"]
    listed = await notifier.client.get("/v1/subscriptions", headers=bearer("admin"))
    assert listed.json() == {
        "items": [{k: v for k, v in created.items() if k != "secret"}],
        "next": None,
    }
    one = await notifier.client.get(f"/v1/subscriptions/{created['id']}", headers=bearer("admin"))
    assert "secret" not in one.json()
    assert one.json()["url"] == HOOK


async def test_only_an_admin_manages_subscriptions(notifier: Notifier) -> None:
    body = {"url": HOOK}
    client = notifier.client

    assert (await client.post("/v1/subscriptions", json=body)).status_code == 401
    for role in ("operator", "auditor", "intake"):
        refused = await client.post("/v1/subscriptions", json=body, headers=bearer(role))
        assert refused.status_code == 403
        assert (await client.get("/v1/subscriptions", headers=bearer(role))).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://itsm.example/x"}, "url"),
        ({"url": "itsm.example/hooks"}, "url"),
        ({"url": "https://user:pw@itsm.example/x"}, "url"),
        ({"url": HOOK, "event_types": ["IncidentReported"]}, "event_types"),
        ({}, "url"),
        ({"url": HOOK, "colour": "red"}, "colour"),
    ],
)
async def test_a_subscription_with_a_bad_field_is_refused_naming_it(
    notifier: Notifier, body: dict[str, object], field: str
) -> None:
    refused = await notifier.client.post("/v1/subscriptions", json=body, headers=bearer("admin"))

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in refused.json()["errors"]] == [field]


async def test_malformed_json_is_a_400(notifier: Notifier) -> None:
    refused = await notifier.client.post(
        "/v1/subscriptions", content=b"{nope", headers=bearer("admin")
    )
    assert refused.status_code == 400


async def test_a_deleted_subscription_is_gone(notifier: Notifier) -> None:
    created = await notifier.subscribe(HOOK)
    path = f"/v1/subscriptions/{created['id']}"

    assert (await notifier.client.delete(path, headers=bearer("admin"))).status_code == 204
    assert (await notifier.client.delete(path, headers=bearer("admin"))).status_code == 404
    assert (await notifier.client.get(path, headers=bearer("admin"))).status_code == 404


async def test_the_delivery_log_filters_by_escalation_and_status_and_pages(
    notifier: Notifier,
) -> None:
    one, other = Story(), Story()
    await notifier.publish(one.started(), one.linked(), other.started())
    await notifier.settled(count=3)

    mine = await notifier.deliveries(escalation_id=str(one.id))
    assert [d["event_type"] for d in mine] == ["EscalationStarted", "RecordLinked"]
    assert len(await notifier.deliveries(status="delivered")) == 3
    assert await notifier.deliveries(status="failed") == []
    first = await notifier.client.get(
        "/v1/deliveries", params={"limit": 2}, headers=bearer("operator")
    )
    rest = await notifier.client.get(
        "/v1/deliveries", params={"cursor": first.json()["next"]}, headers=bearer("operator")
    )
    assert len(first.json()["items"]) == 2
    assert len(rest.json()["items"]) == 1
    bad = await notifier.client.get(
        "/v1/deliveries", params={"status": "lost"}, headers=bearer("operator")
    )
    assert bad.status_code == 422


async def test_only_a_failed_delivery_can_be_retried_and_only_by_an_operator(
    notifier: Notifier,
) -> None:
    story = Story()
    await notifier.publish(story.started())
    [delivered] = await notifier.settled(count=1)
    path = f"/v1/deliveries/{delivered['id']}/retry"

    assert (await notifier.client.post(path, headers=bearer("auditor"))).status_code == 403
    conflict = await notifier.client.post(path, headers=bearer("operator"))
    assert conflict.status_code == 409
    assert "delivered" in conflict.json()["detail"]
    unknown = "/v1/deliveries/0b7f6c1e-0000-4000-8000-000000000001/retry"
    assert (await notifier.client.post(unknown, headers=bearer("operator"))).status_code == 404


async def test_a_delivery_log_left_by_the_first_skeleton_stops_the_start_saying_why(
    tmp_path: Path,
) -> None:
    with sqlite3.connect(tmp_path / "ec-notifier.db") as old:
        old.execute("CREATE TABLE deliveries (id TEXT PRIMARY KEY, subject TEXT)")

    with pytest.raises(SystemExit, match=r"notifier: .* not a release this version can migrate"):
        async with running_notifier(f"sqlite+aiosqlite:///{tmp_path}/ec.db"):
            pass


async def test_a_schema_newer_than_the_notifier_knows_stops_the_start_naming_the_revision(
    tmp_path: Path,
) -> None:
    # given a notifier database that a later release migrated to revision 9999
    # (a revision this one does not have)
    with sqlite3.connect(tmp_path / "ec-notifier.db") as newer:
        newer.execute("CREATE TABLE alembic_version_notifier (version_num VARCHAR(32))")
        newer.execute("INSERT INTO alembic_version_notifier VALUES ('9999')")

    # then the notifier of this release refuses to start on it, naming both revisions
    head = history().head
    refusal = rf"notifier: .* revision '9999', which this version does not know .*'{head}'"
    with pytest.raises(SystemExit, match=refusal):
        async with running_notifier(f"sqlite+aiosqlite:///{tmp_path}/ec.db"):
            pass
