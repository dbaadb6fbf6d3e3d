"""The whole escalation lifecycle in the embedded mode, told to people and
systems: the contacts' mailboxes on a real SMTP server, the level-2 list, the
manager and team, and a subscriber that verifies every signature."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ec_embedded.app import create_app
from harness.apps import serving
from harness.factories import bearer
from harness.notifier_receivers import HttpReceiver, SmtpSink, receivers
from harness.waiting import eventually
from tests.support.lifecycle import Services, run_whole_lifecycle
from tests.support.notifier_lifecycle import (
    CONTACT_HEADLINES,
    check_what_was_told,
    notifier_env,
)


@pytest.fixture
def sinks() -> Iterator[tuple[SmtpSink, HttpReceiver]]:
    with receivers("ok") as (smtp, [http]):
        yield smtp, http


async def test_the_whole_lifecycle_tells_each_person_once_per_event_that_concerns_them(
    sinks: tuple[SmtpSink, HttpReceiver], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp, http = sinks
    for name, value in notifier_env(smtp, tmp_path / "routing.yaml").items():
        monkeypatch.setenv(name, value)
    async with serving(create_app(database_url=f"sqlite+aiosqlite:///{tmp_path}/ec.db")) as client:
        subscribed = await client.post(
            "/v1/subscriptions", json={"url": f"{http.url}/ec"}, headers=bearer("admin")
        )
        life = await run_whole_lifecycle(Services(client, client, client, client))
        events = (
            await client.get(
                f"/v1/escalations/{life.escalation_id}/events", headers=bearer("auditor")
            )
        ).json()["items"]

        async def settled() -> list[dict[str, Any]] | None:
            answer = await client.get(
                "/v1/deliveries",
                params={"escalation_id": life.escalation_id, "limit": 500},
                headers=bearer("operator"),
            )
            items: list[dict[str, Any]] = answer.json()["items"]
            done = {d["event_id"] for d in items} == {e["id"] for e in events}
            return items if done and all(d["status"] == "delivered" for d in items) else None

        await eventually(settled)

    check_what_was_told(smtp, http, subscribed.json()["secret"], events)


LINK = re.compile(r"(http://[\w.:]+/customer/([\w-]+))")


async def test_a_customer_contact_opens_their_page_from_the_link_in_their_mail(
    sinks: tuple[SmtpSink, HttpReceiver], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the whole lifecycle told by mail through a real SMTP server
    smtp, _ = sinks
    for name, value in notifier_env(smtp, tmp_path / "routing.yaml").items():
        monkeypatch.setenv(name, value)
    async with serving(create_app(database_url=f"sqlite+aiosqlite:///{tmp_path}/ec.db")) as client:
        life = await run_whole_lifecycle(Services(client, client, client, client))

        def told_in_mail(address: str) -> list[str]:
            bodies = [m.message.get_body(("plain",)) for m in smtp.to(address)]
            return [b.get_content() for b in bodies if b is not None]

        async def all_told() -> bool:
            # Each event that concerns the contacts: CONTACT_HEADLINES.
            return len(told_in_mail("jo@customer.example")) == CONTACT_HEADLINES.total()

        await eventually(all_told)

        # when the customer contact follows the link at the end of their last mail
        links = [LINK.search(body) for body in told_in_mail("jo@customer.example")]
        found = [m for m in links if m is not None]
        page = await client.get(f"/customer/{found[-1].group(2)}")

    # then every mail to them carried a link of its own, none to the provider's
    # contact, and it opens their page of that escalation
    assert len(found) == len(links)
    assert len({m.group(2) for m in found}) == len(found)
    assert all(LINK.search(body) is None for body in told_in_mail("sam@provider.example"))
    assert found[-1].group(1).startswith("http://127.0.0.1:8000/customer/")
    assert page.status_code == 200
    assert "Payment gateway" in page.text
    assert life.escalation_id
