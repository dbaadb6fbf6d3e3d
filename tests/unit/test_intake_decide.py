"""The intake's decisions over what it has seen of an incident."""

from __future__ import annotations

from typing import Any

from ec_events.incidents import IncidentReported, IncidentResolved, IncidentUpdated
from ec_intake.domain import IncidentIn, decide, incident_id_for
from tests.support.factories import incident_body


def incoming(**overrides: Any) -> IncidentIn:
    return IncidentIn.model_validate(incident_body(**overrides))


def test_first_sight_reports_the_incident_under_a_stable_id() -> None:
    report = incoming(external_id="INC1")

    [event] = decide(None, report)

    assert isinstance(event, IncidentReported)
    assert event.incident_id == incident_id_for("servicenow", "INC1")
    assert incident_id_for("servicenow", "INC1") != incident_id_for("jira", "INC1")


def test_an_identical_report_changes_nothing() -> None:
    report = incoming()
    [first] = decide(None, report)
    assert isinstance(first, IncidentReported)
    assert decide(first, report) == []


def test_changed_content_is_an_update_naming_what_changed() -> None:
    report = incoming()
    [first] = decide(None, report)
    assert isinstance(first, IncidentReported)

    [update] = decide(first, report.model_copy(update={"priority": "P2", "sla_breached": True}))

    assert isinstance(update, IncidentUpdated)
    assert set(update.changed) == {"priority", "sla_breached"}


def test_a_resolved_or_closed_status_resolves_the_incident() -> None:
    report = incoming()
    [first] = decide(None, report)
    assert isinstance(first, IncidentReported)

    [resolved] = decide(first, report.model_copy(update={"status": "closed"}))

    assert isinstance(resolved, IncidentResolved)


def test_an_incident_first_seen_resolved_is_reported_then_resolved() -> None:
    events = decide(None, incoming(status="Resolved"))
    assert [type(e) for e in events] == [IncidentReported, IncidentResolved]
