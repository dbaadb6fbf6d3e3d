"""The intake's decisions over what it has seen of an incident."""

from __future__ import annotations

from typing import Any

from ec_events.incidents import IncidentReported, IncidentResolved, IncidentUpdated
from ec_intake.domain import IncidentIn, changes, decide, incident_id_for, is_resolved
from harness.factories import incident_body


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


def test_a_report_without_a_resolved_customer_says_so_in_its_event() -> None:
    # given a report whose customer is a stand-in
    report = incoming(customer_resolved=False)

    # when it is first seen
    [event] = decide(None, report)

    # then the event carries the flag
    assert isinstance(event, IncidentReported)
    assert event.customer_resolved is False


def test_an_incident_whose_customer_becomes_known_is_updated_naming_both() -> None:
    unknown = {"id": "unknown", "name": "Unknown customer", "tier": "standard"}
    report = incoming(customer=unknown, customer_resolved=False)
    [first] = decide(None, report)
    assert isinstance(first, IncidentReported)

    known = {"id": "fabrikam", "name": "Fabrikam", "tier": "gold"}
    later = IncidentIn.model_validate(
        {**report.model_dump(), "customer": known, "customer_resolved": True}
    )
    [update] = decide(first, later)

    assert isinstance(update, IncidentUpdated)
    assert set(update.changed) == {"customer", "customer_resolved"}
    assert update.customer_resolved is True


def test_an_event_recorded_before_the_flag_existed_reads_as_resolved() -> None:
    # given an IncidentReported payload as the intake wrote it before the flag
    [event] = decide(None, incoming())
    payload = event.model_dump(mode="json")
    del payload["customer_resolved"]

    # when it is read back
    old = IncidentReported.model_validate(payload)

    # then its customer counts as resolved, and re-reporting it changes nothing
    assert old.customer_resolved is True
    assert decide(old, incoming(**{k: payload[k] for k in incident_body()})) == []


def test_the_history_shows_each_changed_field_with_its_old_and_new_value() -> None:
    report = incoming(priority="P3")
    [first] = decide(None, report)
    assert isinstance(first, IncidentReported)
    later = report.model_copy(update={"priority": "P1", "customer_escalation_requested": True})
    [update] = decide(first, later)
    assert isinstance(update, IncidentUpdated)

    changed = changes(first, update)

    assert [(c.field, c.old, c.new) for c in changed] == [
        ("priority", "P3", "P1"),
        ("customer_escalation_requested", False, True),
    ]
    assert changes(None, first) == []


def test_resolved_and_closed_mean_resolved_other_words_open() -> None:
    assert is_resolved("resolved")
    assert is_resolved("closed")
    assert not is_resolved("in_progress")
    assert not is_resolved("open")


SNOW_RECORD = {
    "platform": "servicenow",
    "record_id": "9d385017c611228701d22104cc95c372",
    "number": "INC1",
}


def test_the_platform_record_of_a_report_travels_on_its_event() -> None:
    [event] = decide(None, incoming(external_id="INC1", platform_record=SNOW_RECORD))

    assert event.platform_record is not None
    assert event.platform_record.model_dump() == SNOW_RECORD


def test_a_later_report_without_platform_record_keeps_the_known_one() -> None:
    # given an incident whose platform record is known
    report = incoming(external_id="INC1", platform_record=SNOW_RECORD)
    [first] = decide(None, report)
    assert isinstance(first, IncidentReported)

    # when a report that does not name it changes the priority
    later = report.model_copy(update={"priority": "P2", "platform_record": None})
    [update] = decide(first, later)

    # then the update still says where to write back, and only the priority changed
    assert isinstance(update, IncidentUpdated)
    assert update.changed == ("priority",)
    assert update.platform_record == first.platform_record


def test_learning_the_platform_record_of_a_known_incident_is_an_update() -> None:
    # given an incident recorded before its platform record was kept
    report = incoming(external_id="INC1")
    [first] = decide(None, report)
    assert isinstance(first, IncidentReported)

    # when the platform reports it again, naming its record
    named = IncidentIn.model_validate(report.model_dump() | {"platform_record": SNOW_RECORD})
    [update] = decide(first, named)

    # then the escalation service hears of it
    assert isinstance(update, IncidentUpdated)
    assert update.changed == ("platform_record",)
