"""The escalation process as decide(state, command) -> events and evolve(state, event):
every command, what it records, and every refusal with its reason."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ec_escalation.domain import commands as c
from ec_escalation.domain.decide import decide
from ec_escalation.domain.errors import DomainError, InvalidCommand, NotAllowed, NotFound
from ec_escalation.domain.state import Escalation, Link, MissedDeadline, evolve, fold
from ec_events import escalations as e
from ec_events.base import Contact, Customer, PlatformRecord
from ec_events.incidents import IncidentReported
from harness.escalations import (
    ACCEPTED_IN,
    ACTS_IN,
    CUSTOMER_CONTACT,
    INCIDENT_OWNER,
    MANAGER,
    NOW,
    OTHER_MANAGER,
    PROBLEM_OWNER,
    PROVIDER_CONTACT,
    STATUSES,
    WHOLE_LIFECYCLE,
    History,
    action,
    at_status,
    close,
    in_monitoring,
    managed,
    monitoring_passed,
    plan,
    progress,
    resolve,
    review,
    start,
    started,
    withdrawn,
)
from harness.factories import incident_body

HOUR = timedelta(hours=1)
LATER = NOW + 3 * HOUR

# One of each command an operator can give, all valid in some status.
HUMAN_COMMANDS: dict[str, c.Command] = {
    "assign a manager": c.AssignManager(manager=OTHER_MANAGER),
    # A problem record is also linked after the review (below): a change is the rule.
    "link a record": c.LinkRecord(kind="change", ref="CHG-NEW"),
    "appoint the team": c.AssignTeam(members=(PROBLEM_OWNER,)),
    "set contacts": c.SetContacts(provider=(PROVIDER_CONTACT,)),
    "assess": c.AssessSituation(summary="EU payments fail", impact="1,200 merchants", risk="fines"),
    "revise the plan": plan(),
    "raise the level": c.RaiseLevel(level=3, reason="executives must know"),
    "report progress": progress(),
    "resolve": resolve(),
    "report a recurrence": c.ReportRecurrence(note="502s are back"),
    "close": close(),
    "review": review(),
    "withdraw": c.Withdraw(reason="started from a misread payload"),
    "correct the details": c.CorrectDetails(reason="the webhook misread it", priority="P3"),
}

MONITOR_REQUESTS: dict[str, c.Command] = {
    "pass monitoring": c.PassMonitoring(round=1),
    "missed plan review": c.RecordMissedPlanReview(plan_version=1, due_at=NOW),
    "missed progress update": c.RecordMissedProgressUpdate(since_version=1, due_at=NOW),
    "raise automatically": c.RaiseAutomatically(from_level=1, to_level=2, reason="no progress"),
}


# --- start -------------------------------------------------------------------------------


def test_starting_records_the_trigger_the_criteria_and_the_start_time() -> None:
    command = start(criteria=("p1", "sla-breached"), criteria_version="default-1")
    escalation_id = uuid.uuid4()

    [event] = decide(None, command, escalation_id=escalation_id, now=NOW)

    assert isinstance(event, e.EscalationStarted)
    assert event.escalation_id == escalation_id
    assert event.trigger == "automatic"
    assert event.criteria == ("p1", "sla-breached")
    assert event.criteria_version == "default-1"
    assert event.incident_ids == command.incident_ids
    assert event.customer == command.customer
    assert event.started_at == NOW


def test_a_started_escalation_is_active_at_level_1_with_version_1() -> None:
    history = started(trigger="manual", criteria=(), criteria_version=None)

    state = history.current

    assert (state.status, state.level, state.version) == ("active", 1, 1)
    assert state.is_open
    assert state.trigger == "manual"
    assert state.started_at == NOW
    assert state.manager is None
    assert state.plan is None
    assert state.monitoring_round == 0
    assert state.progress_version == 1


def test_starting_an_escalation_that_exists_is_refused() -> None:
    history = started()
    with pytest.raises(NotAllowed, match="already exists"):
        history.when(start())


@pytest.mark.parametrize("command", [*HUMAN_COMMANDS.values(), *MONITOR_REQUESTS.values()])
def test_any_command_on_a_missing_escalation_is_not_found(command: c.Command) -> None:
    escalation_id = uuid.uuid4()
    with pytest.raises(NotFound, match=str(escalation_id)):
        decide(None, command, escalation_id=escalation_id, now=NOW)


def test_an_event_before_the_start_cannot_be_applied() -> None:
    with pytest.raises(ValueError, match="before EscalationStarted"):
        evolve(None, e.EscalationManagerAssigned(escalation_id=uuid.uuid4(), manager=MANAGER))


def test_a_second_start_in_one_stream_cannot_be_applied() -> None:
    history = started()
    with pytest.raises(ValueError, match="already started"):
        evolve(history.current, history.events[0])


def test_an_event_of_another_stream_cannot_be_applied() -> None:
    incident = IncidentReported.model_validate({**incident_body(), "incident_id": uuid.uuid4()})
    with pytest.raises(ValueError, match="not an escalation event"):
        evolve(started().current, incident)


def test_folding_nothing_is_no_escalation_and_folding_onto_a_state_continues_it() -> None:
    history = managed()
    assert fold([]) is None
    assert fold(history.events[1:], fold(history.events[:1])) == history.current


# --- manager -----------------------------------------------------------------------------


def test_assigning_a_manager_records_them_with_no_previous_manager() -> None:
    history = started()

    [event] = history.when(c.AssignManager(manager=MANAGER))

    assert isinstance(event, e.EscalationManagerAssigned)
    assert event.previous_manager_id is None
    assert history.evolved(event).manager == MANAGER
    assert history.evolved(event).version == 2


def test_reassigning_the_manager_names_the_previous_one() -> None:
    history = managed()

    [event] = history.when(c.AssignManager(manager=OTHER_MANAGER))

    assert isinstance(event, e.EscalationManagerAssigned)
    assert event.previous_manager_id == MANAGER.id
    assert history.evolved(event).manager == OTHER_MANAGER


def test_assigning_the_same_manager_again_records_nothing() -> None:
    assert managed().when(c.AssignManager(manager=MANAGER)) == []


@pytest.mark.parametrize("status", ["monitoring", "monitoring_passed"])
def test_the_manager_can_change_until_the_escalation_is_closed(status: str) -> None:
    [event] = at_status(status).when(c.AssignManager(manager=OTHER_MANAGER))
    assert isinstance(event, e.EscalationManagerAssigned)


# --- links -------------------------------------------------------------------------------


def test_linking_a_record_adds_it_to_the_links() -> None:
    history = started()

    [event] = history.when(c.LinkRecord(kind="problem", ref="PRB0040012"))

    assert event == e.RecordLinked(escalation_id=history.id, kind="problem", ref="PRB0040012")
    assert history.evolved(event).links == (Link(kind="problem", ref="PRB0040012"),)


def test_linking_the_same_record_again_records_nothing() -> None:
    history = started().given(c.LinkRecord(kind="change", ref="CHG7"))
    assert history.when(c.LinkRecord(kind="change", ref="CHG7")) == []


def test_the_same_reference_under_another_kind_is_another_link() -> None:
    history = started().given(c.LinkRecord(kind="change", ref="X-1"))

    [event] = history.when(c.LinkRecord(kind="problem", ref="X-1"))

    assert [link.kind for link in history.evolved(event).links] == ["change", "problem"]


def test_an_incident_linked_by_its_uuid_joins_the_incident_ids() -> None:
    history = started()
    incident_id = uuid.uuid4()

    [event] = history.when(c.LinkRecord(kind="incident", ref=str(incident_id)))

    assert history.evolved(event).incident_ids == (*history.current.incident_ids, incident_id)


def test_an_incident_linked_by_the_platforms_number_does_not_join_the_incident_ids() -> None:
    history = started()

    [event] = history.when(c.LinkRecord(kind="incident", ref="INC0012345"))

    after = history.evolved(event)
    assert after.incident_ids == history.current.incident_ids
    assert after.links == (Link(kind="incident", ref="INC0012345"),)


def test_a_problem_whose_reference_is_a_uuid_does_not_join_the_incident_ids() -> None:
    history = started()

    [event] = history.when(c.LinkRecord(kind="problem", ref=str(uuid.uuid4())))

    assert history.evolved(event).incident_ids == history.current.incident_ids


def test_linking_an_incident_the_escalation_started_from_does_not_repeat_its_id() -> None:
    history = started()
    [first] = history.current.incident_ids

    [event] = history.when(c.LinkRecord(kind="incident", ref=str(first)))

    assert history.evolved(event).incident_ids == (first,)


def test_a_closed_escalation_can_still_be_linked() -> None:
    [event] = at_status("closed").when(c.LinkRecord(kind="problem", ref="PRB9"))
    assert isinstance(event, e.RecordLinked)


@pytest.mark.parametrize("kind", ["incident", "change"])
def test_linking_an_incident_or_a_change_to_a_reviewed_escalation_is_refused(kind: str) -> None:
    with pytest.raises(NotAllowed, match="reviewed"):
        at_status("reviewed").when(c.LinkRecord(kind=kind, ref="REC9"))  # type: ignore[arg-type]


def test_a_problem_record_the_review_produced_is_linked_after_the_review() -> None:
    # given a reviewed escalation
    history = at_status("reviewed")
    problem = PlatformRecord(platform="servicenow", record_id="a1b2c3", number="PRB0040001")

    # when the problem record created on the platform from its review is linked
    [event] = history.when(c.LinkRecord(kind="problem", ref="PRB0040001", platform_record=problem))

    # then it is linked with its platform record, and the escalation stays reviewed
    assert event == e.RecordLinked(
        escalation_id=history.id, kind="problem", ref="PRB0040001", platform_record=problem
    )
    after = history.evolved(event)
    assert after.status == "reviewed"
    assert after.links[-1] == Link(kind="problem", ref="PRB0040001", platform_record=problem)


def test_the_same_problem_linked_again_after_the_review_records_nothing() -> None:
    history = at_status("reviewed").given(c.LinkRecord(kind="problem", ref="SUP-7"))
    record = PlatformRecord(platform="jira", record_id="SUP-7")

    assert history.when(c.LinkRecord(kind="problem", ref="SUP-7", platform_record=record)) == []


def test_a_withdrawn_escalation_links_no_problem() -> None:
    with pytest.raises(NotAllowed, match="withdrawn"):
        at_status("withdrawn").when(c.LinkRecord(kind="problem", ref="PRB9"))


def test_an_incident_linked_with_its_platform_record_adds_it_to_the_incident_records() -> None:
    history = started()
    incident_id = uuid.uuid4()
    record = PlatformRecord(platform="pagerduty", record_id="Q2LJ4TZ0ABC9PQ", number="1187")

    [event] = history.when(
        c.LinkRecord(kind="incident", ref=str(incident_id), platform_record=record)
    )

    assert isinstance(event, e.RecordLinked)
    assert event.platform_record == record
    assert history.evolved(event).incident_records[-1] == e.IncidentRecord(
        incident_id=incident_id, record=record
    )


# --- team --------------------------------------------------------------------------------


def test_appointing_the_team_records_its_members() -> None:
    history = started()

    [event] = history.when(c.AssignTeam(members=(INCIDENT_OWNER, PROBLEM_OWNER)))

    assert isinstance(event, e.EscalationTeamAssigned)
    assert history.evolved(event).team == (INCIDENT_OWNER, PROBLEM_OWNER)


def test_appointing_an_empty_team_is_refused() -> None:
    with pytest.raises(InvalidCommand, match="member"):
        started().when(c.AssignTeam(members=()))


def test_appointing_the_same_team_again_records_nothing() -> None:
    history = started().given(c.AssignTeam(members=(INCIDENT_OWNER,)))
    assert history.when(c.AssignTeam(members=(INCIDENT_OWNER,))) == []


def test_a_changed_team_replaces_the_members() -> None:
    history = started().given(c.AssignTeam(members=(INCIDENT_OWNER,)))

    [event] = history.when(c.AssignTeam(members=(PROBLEM_OWNER,)))

    assert history.evolved(event).team == (PROBLEM_OWNER,)


# --- contacts ----------------------------------------------------------------------------


def test_setting_the_contacts_records_both_sides() -> None:
    history = started()

    [event] = history.when(
        c.SetContacts(provider=(PROVIDER_CONTACT,), customer=(CUSTOMER_CONTACT,))
    )

    after = history.evolved(event)
    assert after.provider_contacts == (PROVIDER_CONTACT,)
    assert after.customer_contacts == (CUSTOMER_CONTACT,)


def test_setting_the_same_contacts_again_records_nothing() -> None:
    contacts = c.SetContacts(provider=(PROVIDER_CONTACT,), customer=(CUSTOMER_CONTACT,))
    assert started().given(contacts).when(contacts) == []


def test_setting_no_contacts_where_there_are_none_records_nothing() -> None:
    assert started().when(c.SetContacts()) == []


def test_contacts_can_be_replaced_and_cleared() -> None:
    history = started().given(c.SetContacts(provider=(PROVIDER_CONTACT,)))
    other = Contact(name="Kim Lee", email="kim@customer.example", channel="chat", address="#esc")

    history.given(c.SetContacts(customer=(other,)))
    assert (history.current.provider_contacts, history.current.customer_contacts) == ((), (other,))
    history.given(c.SetContacts())
    assert (history.current.provider_contacts, history.current.customer_contacts) == ((), ())


# --- assessment --------------------------------------------------------------------------


def test_an_assessment_is_recorded_whole() -> None:
    history = started()
    command = c.AssessSituation(
        summary="EU payments fail",
        impact="1,200 merchants cannot take cards",
        risk="contract penalties from 12:00",
        affected_services=("payments-eu",),
        affected_customers=("Northwind",),
        known="the certificate chain expired",
        unknown="why the rotation job did not run",
    )

    [event] = history.when(command)

    assert isinstance(event, e.SituationAssessed)
    assert (event.summary, event.impact, event.risk) == (
        command.summary,
        command.impact,
        command.risk,
    )
    assert event.affected_services == ("payments-eu",)
    assert (event.known, event.unknown) == (command.known, command.unknown)
    assert history.evolved(event).assessment == event


def test_a_new_assessment_replaces_the_previous_one() -> None:
    first = c.AssessSituation(summary="first look", impact="some", risk="low")
    history = started().given(first)

    [event] = history.when(c.AssessSituation(summary="second look", impact="more", risk="high"))

    after = history.evolved(event)
    assert after.assessment is not None
    assert after.assessment.summary == "second look"


# --- plan --------------------------------------------------------------------------------


def test_plan_versions_count_1_2_3() -> None:
    history = started()

    history.given(
        plan(reason="first plan"),
        plan(reason="customer asked for a rollback"),
        plan(reason="rollback done"),
    )

    revisions = [event for event in history.events if isinstance(event, e.PlanRevised)]
    assert [revision.plan_version for revision in revisions] == [1, 2, 3]
    assert history.current.plan is not None
    assert history.current.plan.plan_version == 3
    assert history.current.plan.reason == "rollback done"


def test_a_plan_keeps_its_actions_resources_and_review_deadline_and_awaits_the_customer() -> None:
    history = started()
    command = plan(review_by=NOW + 6 * HOUR)

    [event] = history.when(command)

    assert isinstance(event, e.PlanRevised)
    assert event.actions == command.actions
    assert event.resources == ("two network engineers",)
    assert event.customer_agreed is False
    assert event.review_by == NOW + 6 * HOUR


@pytest.mark.parametrize("review_by", [NOW - HOUR, NOW], ids=["past", "now"])
def test_a_plan_whose_review_deadline_is_not_in_the_future_is_refused(
    review_by: datetime,
) -> None:
    with pytest.raises(InvalidCommand, match="review_by"):
        started().when(plan(review_by=review_by))


YEAR = timedelta(days=366)


def test_a_plan_may_be_reviewed_and_its_actions_due_up_to_a_year_ahead() -> None:
    command = replace(plan(review_by=NOW + YEAR), actions=(action(due=NOW + YEAR),))

    [event] = started().when(command)

    assert isinstance(event, e.PlanRevised)
    assert event.review_by == NOW + YEAR


@pytest.mark.parametrize(
    "too_far", [NOW + YEAR + timedelta(seconds=1), datetime(9999, 12, 31, tzinfo=UTC)]
)
def test_a_plan_review_deadline_more_than_a_year_ahead_is_refused(too_far: datetime) -> None:
    with pytest.raises(InvalidCommand, match="review_by: must be within a year") as refused:
        started().when(plan(review_by=too_far))
    assert refused.value.problems == ("review_by: must be within a year (366 days) from now",)


def test_plan_actions_due_more_than_a_year_ahead_are_refused_each_by_its_place() -> None:
    command = c.RevisePlan(
        actions=(
            action(),
            action(due=datetime(9999, 1, 1, tzinfo=UTC)),
            action(due=NOW + 2 * YEAR),
        ),
        customer_agreed=False,
        reason="typo in the year",
        review_by=datetime(9999, 1, 1, tzinfo=UTC),
    )

    with pytest.raises(InvalidCommand) as refused:
        started().when(command)

    assert [p.partition(":")[0] for p in refused.value.problems] == [
        "review_by",
        "actions.1.due",
        "actions.2.due",
    ]


def test_a_plan_without_actions_is_refused() -> None:
    command = c.RevisePlan(actions=(), customer_agreed=True, reason="x", review_by=LATER)
    with pytest.raises(InvalidCommand, match="action"):
        started().when(command)


def test_the_plan_can_be_revised_while_monitoring() -> None:
    [event] = in_monitoring().when(plan())
    assert isinstance(event, e.PlanRevised)


@pytest.mark.parametrize("status", ["monitoring_passed", "closed", "reviewed"])
def test_revising_the_plan_once_monitoring_passed_is_refused(status: str) -> None:
    with pytest.raises(NotAllowed, match=f"is {status}.*active or monitored"):
        at_status(status).when(plan())


# --- level -------------------------------------------------------------------------------


def test_raising_the_level_records_where_from_and_why() -> None:
    history = started()

    [event] = history.when(c.RaiseLevel(level=2, reason="directors must know"))

    assert event == e.EscalationLevelRaised(
        escalation_id=history.id, from_level=1, to_level=2, reason="directors must know"
    )
    assert history.evolved(event).level == 2


def test_raising_may_skip_a_level() -> None:
    [event] = started().when(c.RaiseLevel(level=3, reason="straight to the executives"))
    assert isinstance(event, e.EscalationLevelRaised)
    assert (event.from_level, event.to_level, event.automatic) == (1, 3, False)


@pytest.mark.parametrize("level", [1, 2])
def test_raising_to_a_level_that_is_not_higher_is_refused(level: int) -> None:
    history = started().given(c.RaiseLevel(level=2, reason="directors"))
    with pytest.raises(NotAllowed, match="level 2"):
        history.when(c.RaiseLevel(level=level, reason="again"))


def test_the_level_can_be_raised_while_monitoring() -> None:
    [event] = in_monitoring().when(c.RaiseLevel(level=2, reason="customer unhappy"))
    assert isinstance(event, e.EscalationLevelRaised)


# --- progress ----------------------------------------------------------------------------


def test_progress_is_recorded_with_the_time_of_the_next_update() -> None:
    history = started().given(c.AssignManager(manager=MANAGER))

    [event] = history.when(progress(next_update_due=NOW + HOUR))

    assert event == e.ProgressReported(
        escalation_id=history.id, note="3 of 5 gateways restored", next_update_due=NOW + HOUR
    )
    after = history.evolved(event)
    assert after.last_progress == event
    assert after.progress_version == after.version == 3


@pytest.mark.parametrize("due", [NOW - HOUR, NOW], ids=["past", "now"])
def test_progress_whose_next_update_is_not_in_the_future_is_refused(due: datetime) -> None:
    with pytest.raises(InvalidCommand, match="next_update_due"):
        started().when(progress(next_update_due=due))


def test_the_next_update_may_be_due_up_to_a_year_ahead() -> None:
    [event] = started().when(progress(next_update_due=NOW + YEAR))
    assert isinstance(event, e.ProgressReported)


@pytest.mark.parametrize(
    "too_far", [NOW + YEAR + timedelta(seconds=1), datetime(9999, 12, 31, tzinfo=UTC)]
)
def test_a_next_update_due_more_than_a_year_ahead_is_refused(too_far: datetime) -> None:
    with pytest.raises(InvalidCommand, match="next_update_due: must be within a year"):
        started().when(progress(next_update_due=too_far))


def test_progress_can_be_reported_while_monitoring() -> None:
    [event] = in_monitoring().when(progress())
    assert isinstance(event, e.ProgressReported)


# --- resolve and monitoring ----------------------------------------------------------------


def test_resolving_starts_monitoring_round_1_for_the_agreed_period() -> None:
    history = managed()

    [event] = history.when(resolve(72 * HOUR))

    assert event == e.MonitoringStarted(
        escalation_id=history.id,
        round=1,
        customer_confirmed=True,
        monitoring_period=72 * HOUR,
        started_at=NOW,
        ends_at=NOW + 72 * HOUR,
        override_reason="the customer confirmed on the phone",
    )
    after = history.evolved(event)
    assert (after.status, after.monitoring_round) == ("monitoring", 1)
    assert after.monitoring_ends_at == NOW + 72 * HOUR
    assert after.is_open


def test_resolving_without_a_manager_is_refused() -> None:
    with pytest.raises(NotAllowed, match="manager"):
        started().when(resolve())


def test_resolving_without_the_customers_confirmation_is_refused() -> None:
    command = c.Resolve(customer_confirmed=False, monitoring_period=HOUR)
    with pytest.raises(InvalidCommand, match="customer"):
        managed().when(command)


@pytest.mark.parametrize("period", [timedelta(0), -HOUR], ids=["zero", "negative"])
def test_resolving_with_a_monitoring_period_that_is_not_positive_is_refused(
    period: timedelta,
) -> None:
    with pytest.raises(InvalidCommand, match="monitoring_period"):
        managed().when(resolve(period))


def test_resolving_with_a_monitoring_period_beyond_the_calendar_is_refused() -> None:
    # The HTTP body accepts any ISO 8601 duration, e.g. P3000000D.
    with pytest.raises(InvalidCommand, match="monitoring_period"):
        managed().when(resolve(timedelta(days=3_000_000)))


@pytest.mark.parametrize(
    ("period", "accepted"),
    [(YEAR, True), (YEAR + timedelta(seconds=1), False), (timedelta(days=365 * 300), False)],
    ids=["366 days", "a second more", "three centuries"],
)
def test_a_monitoring_period_may_last_at_most_366_days(period: timedelta, accepted: bool) -> None:
    history = managed()
    if accepted:
        assert history.when(resolve(period))
    else:
        with pytest.raises(InvalidCommand, match="at most 366 days"):
            history.when(resolve(period))


@pytest.mark.parametrize("status", ["monitoring", "monitoring_passed"])
def test_resolving_what_is_already_resolved_is_refused(status: str) -> None:
    with pytest.raises(NotAllowed, match="only an active escalation"):
        at_status(status).when(resolve())


def test_monitoring_passes_for_the_current_round() -> None:
    history = in_monitoring()

    [event] = history.when(c.PassMonitoring(round=1))

    assert event == e.MonitoringPassed(escalation_id=history.id, round=1)
    assert history.evolved(event).status == "monitoring_passed"


def test_monitoring_passes_only_once() -> None:
    assert monitoring_passed().when(c.PassMonitoring(round=1)) == []


@pytest.mark.parametrize("round_", [0, 2])
def test_a_timer_for_another_round_changes_nothing(round_: int) -> None:
    assert in_monitoring().when(c.PassMonitoring(round=round_)) == []


def test_a_timer_of_the_round_a_recurrence_ended_changes_nothing() -> None:
    history = in_monitoring().given(c.ReportRecurrence(note="502s are back"))
    assert history.when(c.PassMonitoring(round=1)) == []


# --- recurrence --------------------------------------------------------------------------


def test_a_recurrence_during_monitoring_makes_the_escalation_active_again() -> None:
    history = in_monitoring()

    [event] = history.when(c.ReportRecurrence(note="502s are back for one merchant group"))

    assert event == e.EscalationReopened(
        escalation_id=history.id, round=1, note="502s are back for one merchant group"
    )
    after = history.evolved(event)
    assert (after.status, after.recurrences, after.monitoring_round) == ("active", 1, 1)
    assert after.monitoring_ends_at is None


def test_a_recurrence_after_monitoring_passed_makes_the_escalation_active_again() -> None:
    [event] = monitoring_passed().when(c.ReportRecurrence(note="back again"))
    assert isinstance(event, e.EscalationReopened)
    assert monitoring_passed().evolved(event).status == "active"


def test_a_recurrence_by_a_new_incident_joins_its_id_once() -> None:
    history = in_monitoring()
    new_incident = uuid.uuid4()

    history.given(c.ReportRecurrence(note="new matching incident", incident_id=new_incident))
    history.given(resolve(), c.ReportRecurrence(note="again", incident_id=new_incident))

    assert history.current.incident_ids.count(new_incident) == 1
    assert history.current.recurrences == 2


def test_resolving_again_after_a_recurrence_starts_round_2() -> None:
    history = in_monitoring().given(c.ReportRecurrence(note="502s are back"))

    [event] = history.when(resolve(HOUR))

    assert isinstance(event, e.MonitoringStarted)
    assert event.round == 2
    assert history.evolved(event).monitoring_round == 2


def test_after_a_recurrence_only_the_new_rounds_timer_passes_monitoring() -> None:
    history = in_monitoring().given(c.ReportRecurrence(note="back"), resolve(HOUR))

    assert history.when(c.PassMonitoring(round=1)) == []
    [event] = history.when(c.PassMonitoring(round=2))
    assert event == e.MonitoringPassed(escalation_id=history.id, round=2)


def test_a_recurrence_of_an_active_escalation_is_refused() -> None:
    with pytest.raises(NotAllowed, match="recurrence reopens a resolved escalation"):
        managed().when(c.ReportRecurrence(note="still broken"))


# --- close and review --------------------------------------------------------------------


def test_closing_after_monitoring_passed_records_the_customers_agreement() -> None:
    history = monitoring_passed()

    [event] = history.when(close())

    assert isinstance(event, e.EscalationClosed)
    after = history.evolved(event)
    assert after.status == "closed"
    assert not after.is_open
    assert after.customer_agreement == close().customer_agreement


@pytest.mark.parametrize("status", ["active", "monitoring"])
def test_closing_before_monitoring_passed_is_refused(status: str) -> None:
    with pytest.raises(NotAllowed, match="monitoring period passed"):
        at_status(status).when(close())


def test_closing_twice_is_refused() -> None:
    with pytest.raises(NotAllowed, match="is closed"):
        at_status("closed").when(close())


def test_reviewing_a_closed_escalation_records_the_findings_and_inputs() -> None:
    history = at_status("closed")

    [event] = history.when(review())

    assert isinstance(event, e.EscalationReviewed)
    assert event.problem_management_inputs == review().problem_management_inputs
    after = history.evolved(event)
    assert after.status == "reviewed"
    assert after.review == event


@pytest.mark.parametrize("status", ["active", "monitoring", "monitoring_passed", "reviewed"])
def test_reviewing_anything_but_a_closed_escalation_is_refused(status: str) -> None:
    with pytest.raises(NotAllowed, match="only a closed escalation"):
        at_status(status).when(review())


# --- withdrawal --------------------------------------------------------------------------


def test_an_escalation_started_by_mistake_is_withdrawn_with_its_reason() -> None:
    history = started()

    [event] = history.when(c.Withdraw(reason="the payload's priority was misread"))

    assert event == e.EscalationWithdrawn(
        escalation_id=history.id, reason="the payload's priority was misread"
    )
    state = history.evolved(event)
    assert state.status == "withdrawn"
    assert state.withdrawal == event
    assert not state.is_open


def test_a_withdrawn_escalation_keeps_everything_it_recorded() -> None:
    history = managed().given(c.LinkRecord(kind="problem", ref="PRB1"))
    before = history.current

    history.given(c.Withdraw(reason="wrong manual start"))

    state = history.current
    assert (state.manager, state.links, state.incident_ids) == (
        before.manager,
        before.links,
        before.incident_ids,
    )
    assert state.version == before.version + 1


@pytest.mark.parametrize("status", ["monitoring", "monitoring_passed", "closed", "reviewed"])
def test_withdrawing_anything_but_an_active_escalation_is_refused(status: str) -> None:
    with pytest.raises(NotAllowed, match=f"cannot withdraw: the escalation is {status}"):
        at_status(status).when(c.Withdraw(reason="oops"))


def test_an_escalation_resolved_with_the_customer_once_is_no_mistake_to_withdraw() -> None:
    history = in_monitoring().given(c.ReportRecurrence(note="502s are back"))
    assert history.current.status == "active"

    with pytest.raises(NotAllowed, match="before any monitoring"):
        history.when(c.Withdraw(reason="oops"))


def test_withdrawing_twice_is_refused() -> None:
    with pytest.raises(NotAllowed, match="withdrawn; a withdrawn escalation accepts no further"):
        withdrawn().when(c.Withdraw(reason="again"))


@pytest.mark.parametrize("request_", list(MONITOR_REQUESTS.values()))
def test_a_timer_of_a_withdrawn_escalation_changes_nothing(request_: c.Command) -> None:
    assert withdrawn().when(request_) == []


# --- corrections -------------------------------------------------------------------------


def test_a_correction_records_the_old_and_new_value_of_each_changed_field() -> None:
    history = started(priority="P1", service="payments-eu")
    old_customer = history.current.customer
    new_customer = Customer(id="cust-eu-1", name="Northwind EU", tier="strategic")

    [event] = history.when(
        c.CorrectDetails(
            reason="the webhook named the parent", priority="P2", customer=new_customer
        )
    )

    assert event == e.EscalationDetailsCorrected(
        escalation_id=history.id,
        reason="the webhook named the parent",
        priority=e.PriorityCorrection(old="P1", new="P2"),
        customer=e.CustomerCorrection(old=old_customer, new=new_customer),
    )
    state = history.evolved(event)
    assert (state.priority, state.customer, state.service) == ("P2", new_customer, "payments-eu")


def test_a_field_given_as_it_already_is_is_not_part_of_the_correction() -> None:
    history = started(title="Payments fail")

    [event] = history.when(
        c.CorrectDetails(reason="typo", title="Payments fail", service="payments-eu-west")
    )

    assert isinstance(event, e.EscalationDetailsCorrected)
    assert event.title is None
    assert event.service == e.ServiceCorrection(old="payments-eu", new="payments-eu-west")
    assert history.evolved(event).title == "Payments fail"


def test_a_field_that_was_never_set_is_corrected_from_none() -> None:
    history = started(priority=None, customer=None, service=None)

    [event] = history.when(c.CorrectDetails(reason="now known", priority="P2", service="cards"))

    assert isinstance(event, e.EscalationDetailsCorrected)
    assert event.priority == e.PriorityCorrection(old=None, new="P2")
    assert history.evolved(event).service == "cards"


def test_a_correction_that_would_change_nothing_is_refused_naming_the_fields() -> None:
    history = started(priority="P1", service="payments-eu")

    with pytest.raises(InvalidCommand) as refused:
        history.when(c.CorrectDetails(reason="r", priority="P1", service="payments-eu"))

    assert refused.value.problems == (
        "priority: is already 'P1'; nothing would change",
        "service: is already 'payments-eu'; nothing would change",
    )


def test_a_correction_naming_no_field_is_refused() -> None:
    with pytest.raises(InvalidCommand, match="name at least one of"):
        started().when(c.CorrectDetails(reason="r"))


def test_corrections_follow_one_another_each_from_the_last() -> None:
    history = started(priority="P1").given(
        c.CorrectDetails(reason="first", priority="P2"),
        c.CorrectDetails(reason="second", priority="P3"),
    )

    second = history.events[-1]
    assert isinstance(second, e.EscalationDetailsCorrected)
    assert second.priority == e.PriorityCorrection(old="P2", new="P3")
    assert history.current.priority == "P3"


@pytest.mark.parametrize("status", ["monitoring", "monitoring_passed", "closed"])
def test_details_can_be_corrected_until_the_review(status: str) -> None:
    [event] = at_status(status).when(c.CorrectDetails(reason="r", title="Cards fail"))
    assert isinstance(event, e.EscalationDetailsCorrected)


@pytest.mark.parametrize("status", ["reviewed", "withdrawn"])
def test_correcting_a_reviewed_or_withdrawn_escalation_is_refused(status: str) -> None:
    with pytest.raises(NotAllowed, match=f"the escalation is {status}"):
        at_status(status).when(c.CorrectDetails(reason="r", title="Cards fail"))


def test_the_state_refusal_comes_before_the_nothing_to_change_refusal() -> None:
    history = withdrawn()
    with pytest.raises(NotAllowed):
        history.when(c.CorrectDetails(reason="r", title=history.current.title))


# --- every operator command in every status ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "status"),
    [
        (name, status)
        for name, command in HUMAN_COMMANDS.items()
        for status in STATUSES
        if status not in ACCEPTED_IN[type(command)]
    ],
)
def test_an_operator_command_that_does_not_fit_the_status_is_refused_saying_why(
    name: str, status: str
) -> None:
    with pytest.raises(NotAllowed, match=f"cannot .*: the escalation is {status}; "):
        at_status(status).when(HUMAN_COMMANDS[name])


@pytest.mark.parametrize(
    ("name", "status"),
    [
        (name, status)
        for name, command in HUMAN_COMMANDS.items()
        for status in sorted(ACCEPTED_IN[type(command)])
    ],
)
def test_an_operator_command_that_fits_the_status_records_one_event(name: str, status: str) -> None:
    history = at_status(status)

    events = history.when(HUMAN_COMMANDS[name])

    assert len(events) == 1
    assert history.evolved(*events).version == history.current.version + 1


@pytest.mark.parametrize(
    ("name", "status"),
    [
        (name, status)
        for name, command in MONITOR_REQUESTS.items()
        for status in STATUSES
        if status not in ACTS_IN[type(command)]
    ],
)
def test_a_monitor_request_in_a_status_it_does_not_act_in_changes_nothing(
    name: str, status: str
) -> None:
    assert at_status(status).when(MONITOR_REQUESTS[name]) == []


def test_refusals_are_domain_errors() -> None:
    assert issubclass(NotAllowed, DomainError)
    assert issubclass(InvalidCommand, DomainError)
    assert issubclass(NotFound, DomainError)


# --- missed deadlines --------------------------------------------------------------------


def test_a_missed_review_of_the_current_plan_is_recorded() -> None:
    history = started().given(plan(review_by=NOW + HOUR))

    [event] = history.when(c.RecordMissedPlanReview(plan_version=1, due_at=NOW + HOUR))

    assert event == e.DeadlineMissed(
        escalation_id=history.id,
        kind="plan_review",
        due_at=NOW + HOUR,
        details={"plan_version": 1},
    )
    assert history.evolved(event).missed_deadlines == (
        MissedDeadline(kind="plan_review", due_at=NOW + HOUR),
    )


def test_a_missed_plan_review_is_recorded_once() -> None:
    missed = c.RecordMissedPlanReview(plan_version=1, due_at=NOW + HOUR)
    history = started().given(plan(review_by=NOW + HOUR), missed)
    assert history.when(missed) == []


def test_a_missed_review_of_a_superseded_plan_changes_nothing() -> None:
    history = started().given(plan(review_by=NOW + HOUR), plan(review_by=NOW + 5 * HOUR))
    assert history.when(c.RecordMissedPlanReview(plan_version=1, due_at=NOW + HOUR)) == []


def test_a_missed_plan_review_without_a_plan_changes_nothing() -> None:
    assert started().when(c.RecordMissedPlanReview(plan_version=1, due_at=NOW)) == []


def test_a_missed_plan_review_while_monitoring_is_recorded() -> None:
    history = managed().given(plan(review_by=NOW + HOUR), resolve())
    [event] = history.when(c.RecordMissedPlanReview(plan_version=1, due_at=NOW + HOUR))
    assert isinstance(event, e.DeadlineMissed)


def test_a_missed_plan_review_after_monitoring_passed_changes_nothing() -> None:
    history = managed().given(plan(review_by=NOW + HOUR), resolve(), c.PassMonitoring(round=1))
    assert history.when(c.RecordMissedPlanReview(plan_version=1, due_at=NOW + HOUR)) == []


def test_a_missed_progress_update_since_the_start_is_recorded() -> None:
    history = started()

    [event] = history.when(c.RecordMissedProgressUpdate(since_version=1, due_at=NOW))

    assert event == e.DeadlineMissed(
        escalation_id=history.id,
        kind="progress_update",
        due_at=NOW,
        details={"since_version": 1},
    )


def test_a_missed_progress_update_since_the_last_report_is_recorded() -> None:
    history = managed().given(progress(next_update_due=NOW + HOUR))
    since = history.current.progress_version
    assert since == 3

    [event] = history.when(c.RecordMissedProgressUpdate(since_version=since, due_at=NOW + HOUR))

    assert isinstance(event, e.DeadlineMissed)


def test_a_missed_progress_update_that_a_newer_report_answered_changes_nothing() -> None:
    history = started().given(progress(next_update_due=NOW + HOUR))
    assert history.when(c.RecordMissedProgressUpdate(since_version=1, due_at=NOW)) == []


def test_a_missed_progress_update_is_recorded_once() -> None:
    missed = c.RecordMissedProgressUpdate(since_version=1, due_at=NOW)
    history = started().given(missed)
    assert history.when(missed) == []


def test_a_missed_progress_update_after_monitoring_passed_changes_nothing() -> None:
    history = monitoring_passed()
    assert history.when(c.RecordMissedProgressUpdate(since_version=1, due_at=NOW)) == []


def test_a_missed_plan_review_and_progress_update_at_the_same_time_are_both_recorded() -> None:
    history = started().given(
        plan(review_by=NOW + HOUR),
        c.RecordMissedPlanReview(plan_version=1, due_at=NOW + HOUR),
    )
    [event] = history.when(c.RecordMissedProgressUpdate(since_version=1, due_at=NOW + HOUR))
    assert isinstance(event, e.DeadlineMissed)
    assert len(history.evolved(event).missed_deadlines) == 2


# --- automatic raise ---------------------------------------------------------------------


def test_an_automatic_raise_from_the_current_level_is_recorded_as_automatic() -> None:
    history = started()

    [event] = history.when(c.RaiseAutomatically(from_level=1, to_level=2, reason="no progress"))

    assert event == e.EscalationLevelRaised(
        escalation_id=history.id, from_level=1, to_level=2, reason="no progress", automatic=True
    )
    assert history.evolved(event).level == 2


def test_an_automatic_raise_from_a_level_already_left_changes_nothing() -> None:
    history = started().given(c.RaiseLevel(level=2, reason="by hand"))
    assert history.when(c.RaiseAutomatically(from_level=1, to_level=2, reason="late")) == []


def test_an_automatic_raise_is_recorded_once() -> None:
    raise_ = c.RaiseAutomatically(from_level=1, to_level=2, reason="no progress")
    assert started().given(raise_).when(raise_) == []


def test_an_automatic_raise_that_is_not_higher_changes_nothing() -> None:
    assert started().when(c.RaiseAutomatically(from_level=1, to_level=1, reason="x")) == []


@pytest.mark.parametrize("status", ["monitoring", "monitoring_passed"])
def test_an_automatic_raise_of_a_resolved_escalation_changes_nothing(status: str) -> None:
    raise_ = c.RaiseAutomatically(from_level=1, to_level=2, reason="no progress")
    assert at_status(status).when(raise_) == []


# --- the whole process -------------------------------------------------------------------


def test_the_whole_process_with_a_recurrence_folds_to_the_state_built_step_by_step() -> None:
    history = History().given(
        start(),
        c.AssignManager(manager=MANAGER),
        c.LinkRecord(kind="problem", ref="PRB1"),
        c.LinkRecord(kind="change", ref="CHG7"),
        c.AssignTeam(members=(INCIDENT_OWNER, PROBLEM_OWNER)),
        c.SetContacts(provider=(PROVIDER_CONTACT,), customer=(CUSTOMER_CONTACT,)),
        c.AssessSituation(summary="EU payments fail", impact="1,200 merchants", risk="fines"),
        plan(),
        plan(reason="customer asked for a rollback"),
        c.RaiseLevel(level=2, reason="directors must know"),
        progress(),
        resolve(2 * HOUR),
        c.ReportRecurrence(note="502s are back"),
        c.PassMonitoring(round=1),  # the first round's timer: nothing
        resolve(HOUR),
        c.PassMonitoring(round=2),
        close(),
        review(),
    )

    assert [type(event).__name__ for event in history.events] == WHOLE_LIFECYCLE
    state = history.current
    assert fold(history.events) == state
    assert state.version == len(history.events) == 17
    assert (state.status, state.level, state.monitoring_round, state.recurrences) == (
        "reviewed",
        2,
        2,
        1,
    )
    assert state.plan is not None
    assert state.plan.plan_version == 2


def test_a_snapshot_of_the_state_reads_back_equal_and_replay_continues_from_it() -> None:
    history = in_monitoring().given(
        c.LinkRecord(kind="problem", ref="PRB1"),
        c.RecordMissedProgressUpdate(since_version=1, due_at=NOW),
        plan(),
        c.AssessSituation(summary="EU payments fail", impact="1,200 merchants", risk="fines"),
    )
    stored = json.loads(json.dumps(history.current.to_json()))

    snapshot = Escalation.from_json(stored)

    assert snapshot == history.current
    later = history.when(c.ReportRecurrence(note="back"))
    assert fold(later, snapshot) == fold(later, history.current)


def test_deciding_neither_changes_the_state_nor_depends_on_anything_but_its_arguments() -> None:
    history = managed()
    before = history.current.to_json()

    first = history.when(resolve())
    second = history.when(resolve())

    assert first == second
    assert history.current.to_json() == before


def test_an_incident_linked_twice_in_different_spellings_is_one_link() -> None:
    incident = uuid.uuid4()
    history = started().given(c.LinkRecord("incident", str(incident).upper()))

    assert history.when(c.LinkRecord("incident", str(incident))) == []
    assert [link.ref for link in history.current.links] == [str(incident)]


# --- platform records ----------------------------------------------------------------------

SNOW_RECORD = PlatformRecord(platform="servicenow", record_id="9d38501", number="INC0012345")


def test_a_start_records_the_platform_records_of_its_incidents() -> None:
    # given a start from two incidents, one of them from ServiceNow
    snow, other = uuid.uuid4(), uuid.uuid4()
    records = (e.IncidentRecord(incident_id=snow, record=SNOW_RECORD),)

    # when it is decided
    [event] = History().when(start(incident_ids=(snow, other), incident_records=records))

    # then the event and the state name that record
    assert isinstance(event, e.EscalationStarted)
    assert event.incident_records == records
    assert evolve(None, event).incident_records == records


def test_a_start_keeps_no_record_of_an_incident_it_does_not_name() -> None:
    stray = (e.IncidentRecord(incident_id=uuid.uuid4(), record=SNOW_RECORD),)

    [event] = History().when(start(incident_records=stray))

    assert isinstance(event, e.EscalationStarted)
    assert event.incident_records == ()


def test_a_recurrence_from_a_new_incident_records_its_platform_record() -> None:
    # given a resolved escalation
    history = in_monitoring()
    incident = uuid.uuid4()

    # when a new matching ServiceNow incident reopens it
    [event] = history.when(
        c.ReportRecurrence(note="back", incident_id=incident, platform_record=SNOW_RECORD)
    )

    # then the reopening names the record, and the incident joins with it
    assert isinstance(event, e.EscalationReopened)
    assert event.platform_record == SNOW_RECORD
    assert history.evolved(event).incident_records[-1] == e.IncidentRecord(
        incident_id=incident, record=SNOW_RECORD
    )


def test_an_incident_whose_record_is_known_keeps_it_when_it_reopens_the_escalation() -> None:
    incident = uuid.uuid4()
    records = (e.IncidentRecord(incident_id=incident, record=SNOW_RECORD),)
    history = (
        started(incident_ids=(incident,), incident_records=records)
        .given(c.AssignManager(manager=MANAGER))
        .given(resolve())
    )

    [event] = history.when(
        c.ReportRecurrence(note="reopened", incident_id=incident, platform_record=SNOW_RECORD)
    )

    assert history.evolved(event).incident_records == records
