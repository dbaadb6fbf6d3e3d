"""An escalation started by hand: completed from what the service knows of the
incidents it names, refused when it names one nobody vouches for."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ec_escalation.domain.errors import InvalidCommand, NotAllowed
from ec_escalation.domain.manual_start import ManualStart, SeenIncidents, start_command
from ec_events.base import Customer, PlatformRecord
from ec_events.escalations import IncidentRecord

CUSTOMER = Customer(id="c-9", name="Northwind", tier="gold")
FACTS = {
    "title": "Payment gateway returns 502",
    "priority": "P2",
    "customer": CUSTOMER.model_dump(),
    "service": "payments-eu",
}


def seen(*incident_ids: uuid.UUID, **fields: Any) -> SeenIncidents:
    return SeenIncidents(known=frozenset(incident_ids), **fields)


def test_a_start_naming_no_incident_takes_its_title_from_the_reason() -> None:
    command = start_command(ManualStart(reason="the customer called"), SeenIncidents())

    assert command.trigger == "manual"
    assert command.title == "the customer called"
    assert command.incident_ids == ()


def test_a_start_from_a_known_incident_is_completed_from_its_facts() -> None:
    incident = uuid.uuid4()

    command = start_command(
        ManualStart(reason="escalated by phone", incident_ids=(incident,)),
        seen(incident, first_facts=FACTS),
    )

    assert command.incident_ids == (incident,)
    assert (command.title, command.priority, command.service) == (
        "Payment gateway returns 502",
        "P2",
        "payments-eu",
    )
    assert command.customer == CUSTOMER


def test_what_the_operator_gives_wins_over_the_incidents_facts() -> None:
    incident = uuid.uuid4()
    other = Customer(id="c-1", name="Contoso", tier="silver")

    command = start_command(
        ManualStart(reason="r", incident_ids=(incident,), title="Mine", customer=other),
        seen(incident, first_facts=FACTS),
    )

    assert (command.title, command.customer) == ("Mine", other)


def test_an_incident_named_twice_is_recorded_once() -> None:
    incident = uuid.uuid4()
    command = start_command(
        ManualStart(reason="r", incident_ids=(incident, incident)), seen(incident)
    )
    assert command.incident_ids == (incident,)


def test_a_start_naming_incidents_the_service_never_heard_of_is_refused_naming_each() -> None:
    known, unknown_1, unknown_2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    with pytest.raises(InvalidCommand) as refused:
        start_command(
            ManualStart(reason="r", incident_ids=(unknown_1, known, unknown_2)), seen(known)
        )

    problems = refused.value.problems
    assert [p.partition(":")[0] for p in problems] == ["incident_ids.0", "incident_ids.2"]
    assert str(unknown_1) in problems[0]
    assert str(unknown_2) in problems[1]
    assert "incidents_known_elsewhere" in problems[0]


def test_incidents_known_elsewhere_start_with_the_title_and_customer_given() -> None:
    elsewhere = uuid.uuid4()

    command = start_command(
        ManualStart(
            reason="reported in Jira only",
            incident_ids=(elsewhere,),
            title="Checkout down",
            customer=CUSTOMER,
            incidents_known_elsewhere=True,
        ),
        SeenIncidents(),
    )

    assert command.incident_ids == (elsewhere,)
    assert (command.title, command.customer) == ("Checkout down", CUSTOMER)


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({}, ["title", "customer"]),
        ({"title": "Checkout down"}, ["customer"]),
        ({"customer": CUSTOMER}, ["title"]),
    ],
)
def test_incidents_known_elsewhere_without_a_title_or_customer_are_refused_naming_them(
    given: dict[str, Any], missing: list[str]
) -> None:
    request = ManualStart(
        reason="r", incident_ids=(uuid.uuid4(),), incidents_known_elsewhere=True, **given
    )

    with pytest.raises(InvalidCommand) as refused:
        start_command(request, SeenIncidents())

    assert [p.partition(":")[0] for p in refused.value.problems] == missing


def test_a_start_naming_an_incident_with_an_open_escalation_is_not_allowed() -> None:
    incident, escalation = uuid.uuid4(), uuid.uuid4()

    with pytest.raises(NotAllowed, match=f"{incident} already has an open escalation {escalation}"):
        start_command(
            ManualStart(reason="r", incident_ids=(incident,)),
            seen(incident, open_escalations={incident: escalation}),
        )


def test_a_start_by_hand_names_the_platform_records_of_the_incidents_that_have_one() -> None:
    # given two known incidents, only the first with a record on its platform
    jira, alert = uuid.uuid4(), uuid.uuid4()
    record = PlatformRecord(platform="jira", record_id="SUP-42")

    # when an operator starts an escalation from both
    command = start_command(
        ManualStart(reason="escalated by phone", incident_ids=(jira, alert, jira)),
        seen(jira, alert, records={jira: record}),
    )

    # then the command names the one record, once
    assert command.incident_records == (IncidentRecord(incident_id=jira, record=record),)
