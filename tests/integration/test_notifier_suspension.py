"""Subscriptions that are gone get suspended: a subscription whose deliveries
all fail for EC_NOTIFIER_SUSPEND_AFTER_S is suspended and its deliveries held
(a healthy one beside it carries on); resuming it sends what it missed, once
each; only an admin resumes, only a suspended subscription; deleting a
suspended one fails what it held. On the real PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from harness.factories import bearer
from harness.notifier import Notifier, Story, running_notifier
from harness.notifier_receivers import HttpReceiver, receivers
from harness.processes import free_port
from harness.waiting import eventually

pytestmark = pytest.mark.postgres
# Short enough for a test; how soon it happens is not what is tested.
SUSPEND_AFTER_S = 0.5
# Attempts go on for as long as a test lasts, so failures keep coming.
MANY_ATTEMPTS = 1_000


@pytest.fixture
async def notifier(postgres_url: str) -> AsyncIterator[Notifier]:
    async with running_notifier(
        postgres_url,
        notifier_suspend_after_s=SUSPEND_AFTER_S,
        notifier_max_attempts=MANY_ATTEMPTS,
    ) as running:
        yield running


async def subscription(notifier: Notifier, subscription_id: str) -> dict[str, Any]:
    answer = await notifier.client.get(
        f"/v1/subscriptions/{subscription_id}", headers=bearer("admin")
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def deliveries_of(notifier: Notifier, subscription_id: str) -> list[dict[str, Any]]:
    return [d for d in await notifier.deliveries() if d["recipient"] == subscription_id]


async def suspended(notifier: Notifier, subscription_id: str, story: Story) -> dict[str, Any]:
    """The subscription once suspended, events published until it is (a
    suspension comes with a failed attempt), and none of its deliveries
    still waiting to be attempted."""

    async def after_another_event() -> dict[str, Any] | None:
        await notifier.publish(story.progress("still failing?"))
        found = await subscription(notifier, subscription_id)
        return found if found["status"] == "suspended" else None

    await eventually(after_another_event, interval=0.2)

    async def all_held_or_failed() -> list[dict[str, Any]] | None:
        mine = await deliveries_of(notifier, subscription_id)
        return mine if all(d["status"] in ("held", "failed") for d in mine) else None

    await eventually(all_held_or_failed)
    return await subscription(notifier, subscription_id)


async def test_a_subscription_whose_receiver_is_gone_is_suspended_and_held_and_a_healthy_one_is_not(
    notifier: Notifier, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="ec_notifier")
    with receivers("ok") as (_, [healthy]):
        # given a subscription whose receiver is gone (nothing listens there) and a healthy one
        dead_url = f"http://127.0.0.1:{free_port()}/hook"
        dead = await notifier.subscribe(dead_url)
        alive = await notifier.subscribe(f"{healthy.url}/hook")
        assert (dead["status"], dead["held_deliveries"]) == ("active", 0)
        story = Story()
        await notifier.publish(story.started())

        # when every attempt to the gone one fails for longer than the setting
        gone = await suspended(notifier, dead["id"], story)

        # then it is suspended, saying since when and why, its deliveries held
        assert gone["failing_since"] is not None
        assert gone["suspended_at"] is not None
        assert gone["suspended_at"] >= gone["failing_since"]
        assert "every delivery failed since" in gone["suspended_reason"]
        held = await deliveries_of(notifier, dead["id"])
        assert held
        assert {d["status"] for d in held} == {"held"}
        assert gone["held_deliveries"] == len(held)
        # and the list says so too
        listed = await notifier.client.get("/v1/subscriptions", headers=bearer("admin"))
        by_id = {s["id"]: s for s in listed.json()["items"]}
        assert by_id[dead["id"]]["status"] == "suspended"
        assert by_id[dead["id"]]["held_deliveries"] == len(held)

        # and what is recorded for it now is held at once, never attempted
        [event_id] = await notifier.publish(story.progress("after the suspension"))

        async def recorded_held() -> dict[str, Any] | None:
            mine = await deliveries_of(notifier, dead["id"])
            return next((d for d in mine if d["event_id"] == event_id), None)

        late = await eventually(recorded_held)
        assert (late["status"], late["attempts"]) == ("held", 0)

        # and the healthy one beside it got every event and stays active
        async def healthy_has_all() -> list[dict[str, Any]] | None:
            mine = await deliveries_of(notifier, alive["id"])
            done = all(d["status"] == "delivered" for d in mine)
            return mine if mine and done and len(mine) == len(held) + 1 else None

        delivered = await eventually(healthy_has_all)
        assert set(healthy.delivery_ids()) == {d["id"] for d in delivered}
        beside = await subscription(notifier, alive["id"])
        assert (beside["status"], beside["failing_since"], beside["held_deliveries"]) == (
            "active",
            None,
            0,
        )

        # and the admin is told: a warning naming it, its URL and why; the metrics
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        told = [w for w in warnings if dead["id"] in w and "suspended" in w]
        assert len(told) == 1
        assert dead_url in told[0]
        assert "last error" in told[0]
        metrics = (await notifier.client.get("/metrics", headers=bearer("admin"))).text
        assert "ec_notifier_subscriptions_suspended_total 1.0" in metrics
        assert "ec_notifier_suspended_subscriptions 1.0" in metrics
        assert "ec_notifier_held_deliveries " in metrics


async def test_resuming_sends_everything_it_missed_once_to_a_receiver_that_is_back(
    postgres_url: str,
) -> None:
    receiver = HttpReceiver("fail")
    receiver.start()
    try:
        # given a subscription suspended while its receiver failed, some of its
        # deliveries ended failed (few attempts each) and the rest held
        async with running_notifier(
            postgres_url, notifier_suspend_after_s=SUSPEND_AFTER_S, notifier_max_attempts=2
        ) as notifier:
            created = await notifier.subscribe(f"{receiver.url}/hook")
            story = Story()
            await notifier.publish(story.started(), story.progress("first"))
            await suspended(notifier, created["id"], story)
            missed = await deliveries_of(notifier, created["id"])
            assert {d["status"] for d in missed} <= {"held", "failed"}

            # when its receiver is back and an admin resumes it
            receiver.mode = "ok"
            answer = await notifier.client.post(
                f"/v1/subscriptions/{created['id']}/resume", headers=bearer("admin")
            )

            # then it is active again, nothing held, its failures forgotten
            assert answer.status_code == 202, answer.text
            resumed = answer.json()
            assert (resumed["status"], resumed["held_deliveries"]) == ("active", 0)
            assert resumed["failing_since"] is None
            assert resumed["suspended_at"] is None
            assert resumed["suspended_reason"] is None

            # and everything it missed arrives, each delivery once
            async def all_delivered() -> list[dict[str, Any]] | None:
                mine = await deliveries_of(notifier, created["id"])
                return mine if all(d["status"] == "delivered" for d in mine) else None

            delivered = await eventually(all_delivered)
            assert {d["id"] for d in delivered} == {d["id"] for d in missed}
            arrived = receiver.delivery_ids()
            assert set(arrived) == {d["id"] for d in missed}
            assert set(arrived.values()) == {1}
    finally:
        receiver.stop()


async def test_only_a_suspended_subscription_can_be_resumed_and_an_unknown_one_is_404(
    notifier: Notifier,
) -> None:
    # given an active subscription
    active = await notifier.subscribe("https://itsm.example/hooks/escalations")

    # when an admin resumes it, or one that does not exist
    refused = await notifier.client.post(
        f"/v1/subscriptions/{active['id']}/resume", headers=bearer("admin")
    )
    unknown = await notifier.client.post(
        "/v1/subscriptions/6f1c1c55-0d43-4f0e-9d3a-0b6a3b0c8f11/resume", headers=bearer("admin")
    )

    # then the active one is a conflict saying why, the unknown one not found
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "active" in refused.json()["detail"]
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")


async def test_only_an_admin_resumes_a_subscription(notifier: Notifier) -> None:
    created = await notifier.subscribe("https://itsm.example/hooks/escalations")
    path = f"/v1/subscriptions/{created['id']}/resume"

    assert (await notifier.client.post(path)).status_code == 401
    for role in ("operator", "auditor", "intake"):
        assert (await notifier.client.post(path, headers=bearer(role))).status_code == 403


async def test_deleting_a_suspended_subscription_fails_what_it_held(notifier: Notifier) -> None:
    # given a suspended subscription holding deliveries
    created = await notifier.subscribe(f"http://127.0.0.1:{free_port()}/hook")
    story = Story()
    await notifier.publish(story.started())
    await suspended(notifier, created["id"], story)

    # when it is deleted
    path = f"/v1/subscriptions/{created['id']}"
    assert (await notifier.client.delete(path, headers=bearer("admin"))).status_code == 204

    # then its deliveries failed, saying why, as its pending ones would
    ended = await deliveries_of(notifier, created["id"])
    assert ended
    assert {(d["status"], d["last_error"]) for d in ended} == {
        ("failed", "the subscription was deleted")
    }
