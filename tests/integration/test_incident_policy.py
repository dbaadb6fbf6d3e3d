"""The incident consumer's reads, on SQLite and real PostgreSQL: what the
decision is told about an incident's surroundings is what the store holds."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ec_escalation.domain import commands as c
from ec_escalation.domain.criteria import parse_rules
from ec_escalation.domain.incident_decision import LinkedEscalation
from ec_escalation.http.views import decision_view
from ec_escalation.service import open_store
from ec_escalation.store import queries
from ec_escalation.store.tables import SCHEMA
from ec_escalation.use_cases.escalations import Escalations
from ec_escalation.use_cases.incidents import IncidentPolicy
from ec_events import Envelope
from ec_events.base import Person
from ec_events.incidents import IncidentFacts, IncidentReported, IncidentUpdated
from ec_platform.clock import utc_now
from ec_platform.http.pagination import PageRequest
from ec_platform.storage.database import Database
from harness.factories import incident_body
from harness.infra import DATABASES, database_of

ACTOR = ("operator", "olivia")
MANAGER = Person(id="u1", name="Dana", email="d@p.example")
RULES = parse_rules(
    "version: t-1\nrules:\n"
    "  - {id: p1, when: {priority: [P1]}}\n"
    "  - {id: thrice, when: {repeated: {count: 3, within: P1D}}}\n",
    source="test",
)


@pytest.fixture(params=DATABASES)
async def policy(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[IncidentPolicy]:
    async with database_of(request.param, tmp_path) as url:
        db = Database.open(url, schema=SCHEMA)
        try:
            escalations = Escalations(await open_store(db), utc_now, lambda: None)
            yield IncidentPolicy(escalations, RULES, utc_now)
        finally:
            await db.close()


def incident(kind: type[IncidentFacts] = IncidentReported, **fields: Any) -> Any:
    return kind.model_validate({**incident_body(), "incident_id": uuid.uuid4(), **fields})


async def handle(policy: IncidentPolicy, event: IncidentFacts) -> Any:
    return await policy.handle(Envelope.wrap(event, id=uuid.uuid4(), source="/test"), event)


async def resolved(policy: IncidentPolicy, escalation_id: uuid.UUID) -> None:
    escalations = policy.escalations
    await escalations.execute(escalation_id, c.AssignManager(MANAGER), actor=ACTOR)
    await escalations.execute(
        escalation_id,
        c.Resolve(
            customer_confirmed=True,
            monitoring_period=timedelta(hours=1),
            override_reason="confirmed on the phone",
        ),
        actor=ACTOR,
    )


async def test_the_linked_escalation_and_its_status_are_read(policy: IncidentPolicy) -> None:
    first = incident(priority="P1")
    started = await handle(policy, first)
    escalation_id = started.state.id

    async with policy.escalations.store.db.read() as conn:
        known = await policy.read(conn, first, utc_now())
    assert known.linked == LinkedEscalation(escalation_id, "active")
    assert known.latest_resolved is None

    await resolved(policy, escalation_id)
    async with policy.escalations.store.db.read() as conn:
        known = await policy.read(conn, first, utc_now())
    assert known.linked == LinkedEscalation(escalation_id, "monitoring")
    assert known.latest_resolved == escalation_id


async def test_an_incident_the_platform_reopens_reopens_its_escalation(
    policy: IncidentPolicy,
) -> None:
    first = incident(priority="P1")
    escalation_id = (await handle(policy, first)).state.id
    await resolved(policy, escalation_id)

    reopened = incident(
        IncidentUpdated,
        **{**first.model_dump(mode="json"), "status": "in progress", "changed": ["status"]},
    )
    recorded = await handle(policy, reopened)

    assert recorded.state.id == escalation_id
    assert recorded.state.status == "active"
    assert recorded.state.recurrences == 1


async def test_a_new_matching_incident_reopens_the_resolved_escalation(
    policy: IncidentPolicy,
) -> None:
    first = incident(priority="P1")
    escalation_id = (await handle(policy, first)).state.id
    await resolved(policy, escalation_id)

    again = incident(priority="P1", customer=first.customer.model_dump(), service=first.service)
    recorded = await handle(policy, again)

    assert recorded.state.id == escalation_id
    assert recorded.state.status == "active"
    assert again.incident_id in recorded.state.incident_ids


async def test_incidents_of_one_customer_and_service_are_counted_in_the_window(
    policy: IncidentPolicy,
) -> None:
    first = incident(priority="P4")
    same = {"customer": first.customer.model_dump(), "service": first.service, "priority": "P4"}

    assert await handle(policy, first) is None
    assert await handle(policy, incident(**same)) is None
    third = await handle(policy, incident(**same))

    assert third is not None
    assert third.state.criteria == ("thrice",)


FIRST_PAGE = PageRequest(limit=100, cursor=None)


async def decisions(policy: IncidentPolicy, incident_id: uuid.UUID) -> list[dict[str, Any]]:
    """The decisions as GET /v1/incidents/{id}/decisions answers them."""
    page = await queries.decisions_page(
        policy.escalations.store, incident_id, FIRST_PAGE, view=decision_view
    )
    assert page is not None
    items: list[dict[str, Any]] = page["items"]
    return items


async def test_every_incident_event_leaves_its_decision_and_a_redelivery_leaves_no_second(
    policy: IncidentPolicy,
) -> None:
    quiet = incident(priority="P4")
    envelope = Envelope.wrap(quiet, id=uuid.uuid4(), source="/test")

    assert await policy.handle(envelope, quiet) is None
    assert await policy.handle(envelope, quiet) is None  # the same message again

    [decided] = await decisions(policy, quiet.incident_id)
    assert (decided["outcome"], decided["escalation_id"]) == ("nothing", None)
    assert decided["message_id"] == envelope.id
    assert decided["event_type"] == "IncidentReported"
    assert decided["criteria_version"] == "t-1"
    assert [(r["id"], r["matched"]) for r in decided["rules"]] == [("p1", False), ("thrice", False)]
    assert decided["facts"]["priority"] == "P4"

    urgent = incident(priority="P1")
    started = await handle(policy, urgent)
    again = incident(IncidentUpdated, **{**urgent.model_dump(mode="json"), "changed": ["title"]})
    await handle(policy, again)
    first, second = await decisions(policy, urgent.incident_id)
    assert (first["outcome"], first["escalation_id"]) == ("started", str(started.state.id))
    assert (second["outcome"], second["escalation_id"]) == ("linked", str(started.state.id))


async def test_an_unknown_incident_has_no_decisions_to_page(policy: IncidentPolicy) -> None:
    store = policy.escalations.store
    assert await queries.decisions_page(store, uuid.uuid4(), FIRST_PAGE, view=decision_view) is None


async def test_incidents_of_a_stand_in_customer_count_in_no_window(
    policy: IncidentPolicy,
) -> None:
    first = incident(priority="P4", customer_resolved=False)
    same = {"customer": first.customer.model_dump(), "service": first.service, "priority": "P4"}

    assert await handle(policy, first) is None
    assert await handle(policy, incident(**same, customer_resolved=False)) is None
    # A resolved incident of a customer with the stand-in's id: the two before are nobody's.
    assert await handle(policy, incident(**same)) is None
    assert await handle(policy, incident(**same)) is None
    third = await handle(policy, incident(**same))

    assert third is not None
    assert third.state.criteria == ("thrice",)


async def test_a_stand_in_customer_does_not_reopen_by_customer_and_service(
    policy: IncidentPolicy,
) -> None:
    first = incident(priority="P1")
    escalation_id = (await handle(policy, first)).state.id
    await resolved(policy, escalation_id)

    stand_in = incident(
        priority="P1",
        customer=first.customer.model_dump(),
        service=first.service,
        customer_resolved=False,
    )
    recorded = await handle(policy, stand_in)

    assert recorded.state.id != escalation_id
    assert recorded.state.status == "active"


async def test_after_a_withdrawal_only_news_the_criteria_look_at_starts_another_escalation(
    policy: IncidentPolicy,
) -> None:
    first = incident(priority="P1")
    withdrawn_id = (await handle(policy, first)).state.id
    await policy.escalations.execute(withdrawn_id, c.Withdraw(reason="misread"), actor=ACTOR)
    facts = first.model_dump(mode="json")

    retitled = incident(IncidentUpdated, **{**facts, "title": "Still P1", "changed": ["title"]})
    assert await handle(policy, retitled) is None
    breached = incident(
        IncidentUpdated, **{**facts, "sla_breached": True, "changed": ["sla_breached"]}
    )
    restarted = await handle(policy, breached)

    assert restarted is not None
    assert restarted.state.id != withdrawn_id
    assert restarted.state.incident_ids == (first.incident_id,)
    outcomes = [d["outcome"] for d in await decisions(policy, first.incident_id)]
    assert outcomes == ["started", "nothing", "started"]
    # One open escalation for the incident again: a further report is linked to it.
    await handle(policy, incident(IncidentUpdated, **{**facts, "changed": ["priority"]}))
    last = (await decisions(policy, first.incident_id))[-1]
    assert (last["outcome"], last["escalation_id"]) == ("linked", str(restarted.state.id))
