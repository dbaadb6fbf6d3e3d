"""Incidents that arrive together are handled in one transaction, and each
decision is the one it would have been one message at a time: the same
incident twice, one customer's repeats in a window, a recurrence that changes
what the next incident of the same customer and service finds (SQLite and
real PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from ec_escalation.http.views import decision_view
from ec_escalation.service import open_store
from ec_escalation.store import queries
from ec_escalation.store.tables import SCHEMA
from ec_escalation.use_cases.escalations import Escalations
from ec_escalation.use_cases.incidents import IncidentPolicy
from ec_events import Envelope
from ec_events.incidents import IncidentFacts, IncidentReported, IncidentResolved, IncidentUpdated
from ec_platform.clock import utc_now
from ec_platform.http.pagination import PageRequest
from ec_platform.storage.database import Database
from harness.factories import incident_body
from harness.infra import DATABASES, database_of
from tests.integration.test_incident_policy import RULES, resolved

Messages = list[tuple[Envelope, IncidentFacts]]
Handling = Callable[[IncidentPolicy, Messages], Awaitable[None]]


@pytest.fixture(params=DATABASES)
async def policy(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[IncidentPolicy]:
    async with database_of(request.param, tmp_path) as url:
        db = Database.open(url, schema=SCHEMA)
        try:
            escalations = Escalations(await open_store(db), utc_now, lambda: None)
            yield IncidentPolicy(escalations, RULES, utc_now)
        finally:
            await db.close()


async def one_by_one(policy: IncidentPolicy, messages: Messages) -> None:
    for envelope, event in messages:
        await policy.handle(envelope, event)


async def together(policy: IncidentPolicy, messages: Messages) -> None:
    await policy.handle_all(messages)


def message(kind: type[IncidentFacts] = IncidentReported, **fields: Any) -> Any:
    event = kind.model_validate({**incident_body(), "incident_id": uuid.uuid4(), **fields})
    return Envelope.wrap(event, id=uuid.uuid4(), source="/test"), event


def again(
    first: tuple[Envelope, IncidentFacts], kind: type[IncidentFacts], **changes: Any
) -> tuple[Envelope, IncidentFacts]:
    return message(kind, **{**first[1].model_dump(mode="json"), **changes})


async def outcomes(policy: IncidentPolicy, messages: Messages) -> list[tuple[str, str, int | None]]:
    """Each message's decision: its outcome and which escalation, numbered by
    first appearance (ids are random; who shares one is what counts)."""
    numbers: dict[str, int] = {}
    decided: dict[str, tuple[str, str | None]] = {}
    store = policy.escalations.store
    for incident_id in dict.fromkeys(event.incident_id for _, event in messages):
        page = await queries.decisions_page(
            store, incident_id, PageRequest(limit=100, cursor=None), view=decision_view
        )
        assert page is not None
        for row in page["items"]:
            assert row["message_id"] not in decided, "one decision per message"
            decided[row["message_id"]] = (row["outcome"], row["escalation_id"])
    shown = []
    for envelope, event in messages:
        outcome, escalation_id = decided[envelope.id]
        number = None if escalation_id is None else numbers.setdefault(escalation_id, len(numbers))
        shown.append((f"{event.event_name()}", outcome, number))
    return shown


async def the_same_incident_again_and_again(
    policy: IncidentPolicy, handling: Handling
) -> list[tuple[str, str, int | None]]:
    first = message(priority="P1")
    messages = [
        first,
        again(first, IncidentUpdated, title="worse", changed=["title"]),
        first,  # delivered twice in one poll
        again(first, IncidentResolved, status="resolved"),
        message(priority="P4"),
    ]
    await handling(policy, messages)
    return await outcomes(policy, messages)


async def repeats_of_one_customer_within_the_window(
    policy: IncidentPolicy, handling: Handling
) -> list[tuple[str, str, int | None]]:
    first = message(priority="P4")
    same = {
        "customer": first[1].customer.model_dump(),
        "service": first[1].service,
        "priority": "P4",
    }
    messages = [first, message(**same), message(**same, customer_resolved=False)]
    messages += [message(**same), message(**same), message(priority="P4")]
    await handling(policy, messages)
    return await outcomes(policy, messages)


async def a_recurrence_changes_what_the_next_incident_finds(
    policy: IncidentPolicy, handling: Handling
) -> list[tuple[str, str, int | None]]:
    first = message(priority="P1")
    [started] = await policy.handle_all([first])
    assert started is not None
    await resolved(policy, started.state.id)
    same = {"customer": first[1].customer.model_dump(), "service": first[1].service}
    messages = [
        message(priority="P1", **same),  # reopens the resolved escalation
        message(priority="P1", **same),  # finds it active: starts another
        again(first, IncidentUpdated, status="in progress", changed=["status"]),
    ]
    await handling(policy, messages)
    return await outcomes(policy, messages)


@pytest.mark.parametrize(
    "scenario",
    [
        the_same_incident_again_and_again,
        repeats_of_one_customer_within_the_window,
        a_recurrence_changes_what_the_next_incident_finds,
    ],
)
async def test_a_batch_decides_as_one_message_at_a_time_would(
    policy: IncidentPolicy,
    scenario: Callable[[IncidentPolicy, Handling], Awaitable[list[tuple[str, str, int | None]]]],
) -> None:
    expected = await scenario(policy, one_by_one)
    assert await scenario(policy, together) == expected


async def test_the_expected_story_of_a_recurrence_in_one_batch(policy: IncidentPolicy) -> None:
    assert await a_recurrence_changes_what_the_next_incident_finds(policy, together) == [
        ("IncidentReported", "reopened", 0),
        ("IncidentReported", "started", 1),
        ("IncidentUpdated", "linked", 0),
    ]


async def test_a_batch_handled_again_changes_nothing(policy: IncidentPolicy) -> None:
    messages = [message(priority="P1"), message(priority="P4")]
    first = await policy.handle_all(messages)
    assert first[0] is not None
    assert first[1] is None

    assert await policy.handle_all(messages) == [None, None]
    assert [o for _, o, _ in await outcomes(policy, messages)] == ["started", "nothing"]
