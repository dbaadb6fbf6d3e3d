"""Properties of the escalation process over random sequences of commands: whatever is
asked, in whatever order, decide refuses only with domain errors and the stream it
accepts keeps the process's invariants."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st

from ec_escalation.domain import commands as c
from ec_escalation.domain.decide import decide
from ec_escalation.domain.errors import DomainError, InvalidCommand, NotAllowed, NotFound
from ec_escalation.domain.state import OPEN_STATUSES, Escalation, evolve, fold
from ec_events import escalations as e
from ec_events import parse_event
from ec_events.base import Customer, Event, PlanAction
from ec_events.escalations import CustomerAgreement, ProblemManagementInput
from harness.escalations import (
    ACCEPTED_IN,
    ACTS_IN,
    ARROWS,
    CUSTOMER_CONTACT,
    FINAL,
    INCIDENT_OWNER,
    MANAGER,
    NOW,
    OTHER_MANAGER,
    PROBLEM_OWNER,
    PROVIDER_CONTACT,
    accepted_in,
)

T = TypeVar("T")
FINISHED = frozenset({"closed", "reviewed", "withdrawn"})

# Fixed ids keep every example reproducible (hypothesis replays failures).
ESCALATION_ID = UUID("5b0c3a2e-8f61-4c1e-9b7a-2f4d6e8a1c03")
INCIDENTS = tuple(UUID(int=n) for n in range(1, 4))
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

words = st.sampled_from(
    ["502s are back", "3 of 5 gateways restored", "certificate expired", "customer asked", "x"]
)
refs = st.sampled_from(["INC0012345", "PRB1", "CHG7", *(str(i) for i in INCIDENTS)])
minutes = st.integers(min_value=-120, max_value=3 * 24 * 60).map(lambda m: timedelta(minutes=m))
# Deadlines the monitor names: few, so the same one comes twice.
due_ats = st.sampled_from([NOW + timedelta(hours=h) for h in range(4)])


def tuples_of(
    elements: st.SearchStrategy[T], max_size: int = 2
) -> st.SearchStrategy[tuple[T, ...]]:
    return st.lists(elements, max_size=max_size, unique=True).map(tuple)


CUSTOMERS = (
    Customer(id="cust-042", name="Northwind", tier="gold"),
    Customer(id="cust-043", name="Northwind EU", tier="silver"),
)

starts = st.builds(
    c.StartEscalation,
    trigger=st.sampled_from(["automatic", "manual"]),
    reason=words,
    title=words,
    incident_ids=tuples_of(st.sampled_from(INCIDENTS)),
    priority=st.none() | st.sampled_from(["P1", "P2", "P3", "P4", "P5"]),
    customer=st.none() | st.just(CUSTOMERS[0]),
    service=st.none() | st.just("payments-eu"),
    criteria=tuples_of(st.sampled_from(["p1", "sla-breached", "reopened"])),
    criteria_version=st.none() | st.just("default-1"),
)


# A step's command is drawn before the state it meets is known: each strategy below
# draws a maker that fits its arguments to that state and clock (the current round,
# plan version, level), sometimes right, sometimes stale, times sometimes past.
Make = Callable[[Escalation, datetime], c.Command]


def fixed(commands: st.SearchStrategy[c.Command]) -> st.SearchStrategy[Make]:
    return commands.map(lambda command: lambda state, now: command)


def relative(
    build: Callable[..., c.Command], *args: st.SearchStrategy[Any]
) -> st.SearchStrategy[Make]:
    """A maker calling build(state, now, *drawn)."""
    return st.tuples(*args).map(lambda drawn: lambda state, now: build(state, now, *drawn))


def _plan(
    state: Escalation,
    now: datetime,
    actions: tuple[timedelta, ...],
    agreed: bool,
    review_in: timedelta,
) -> c.Command:
    return c.RevisePlan(
        actions=tuple(
            PlanAction(title="restore", owner="Lee Park", due=now + due) for due in actions
        ),
        customer_agreed=agreed,
        reason="revised",
        review_by=now + review_in,
    )


def _progress(state: Escalation, now: datetime, due_in: timedelta) -> c.Command:
    return c.ReportProgress(note="3 of 5 gateways restored", next_update_due=now + due_in)


def _raise(state: Escalation, now: datetime, by: int) -> c.Command:
    return c.RaiseLevel(level=state.level + by, reason="management must know")


def _pass(state: Escalation, now: datetime, off: int) -> c.Command:
    return c.PassMonitoring(round=max(1, state.monitoring_round + off))


def _missed_plan(state: Escalation, now: datetime, off: int, due_at: datetime) -> c.Command:
    version = state.plan.plan_version if state.plan else 1
    return c.RecordMissedPlanReview(plan_version=max(1, version + off), due_at=due_at)


def _missed_progress(state: Escalation, now: datetime, since: str, due_at: datetime) -> c.Command:
    versions = {"last": state.progress_version, "start": 1, "now": state.version}
    return c.RecordMissedProgressUpdate(since_version=versions[since], due_at=due_at)


def _raise_automatically(state: Escalation, now: datetime, off: int, by: int) -> c.Command:
    from_level = max(1, state.level + off)
    return c.RaiseAutomatically(from_level=from_level, to_level=from_level + by, reason="late")


def _advance(state: Escalation, now: datetime, period: timedelta) -> c.Command:
    """The next step of the process, so that random sequences reach its end too."""
    if state.status == "active":
        if state.manager is None:
            return c.AssignManager(manager=MANAGER)
        return c.Resolve(customer_confirmed=True, monitoring_period=period)
    if state.status == "monitoring":
        return c.PassMonitoring(round=state.monitoring_round)
    if state.status == "monitoring_passed":
        return c.Close(customer_agreement=CustomerAgreement(by="Jo Meyer", note="agreed"))
    return c.Review(findings="rotation lacked a canary")


def _rarely_withdraw(state: Escalation, now: datetime, draw: int, reason: str) -> c.Command:
    """A withdrawal ends the story: rarely, so that most sequences go on to its end."""
    if draw == 0:
        return c.Withdraw(reason=reason)
    return c.AssignManager(manager=MANAGER)


offsets = st.sampled_from([0, 0, 0, -1, 1])
resolves = st.builds(
    c.Resolve,
    customer_confirmed=st.sampled_from([True, True, True, False]),
    monitoring_period=st.sampled_from([timedelta(0), -timedelta(hours=1)]) | minutes,
)
makes: st.SearchStrategy[Make] = st.one_of(
    fixed(starts),
    fixed(st.builds(c.AssignManager, manager=st.sampled_from([MANAGER, OTHER_MANAGER]))),
    fixed(
        st.builds(c.LinkRecord, kind=st.sampled_from(["incident", "problem", "change"]), ref=refs)
    ),
    fixed(
        st.builds(c.AssignTeam, members=tuples_of(st.sampled_from([INCIDENT_OWNER, PROBLEM_OWNER])))
    ),
    fixed(
        st.builds(
            c.SetContacts,
            provider=tuples_of(st.just(PROVIDER_CONTACT), 1),
            customer=tuples_of(st.just(CUSTOMER_CONTACT), 1),
        )
    ),
    fixed(
        st.builds(
            c.AssessSituation,
            summary=words,
            impact=words,
            risk=words,
            affected_services=tuples_of(st.sampled_from(["payments-eu", "cards"])),
            known=st.none() | words,
        )
    ),
    relative(_plan, tuples_of(minutes), st.booleans(), minutes),
    relative(_raise, st.integers(-1, 2)),
    relative(_progress, minutes),
    fixed(resolves),
    fixed(resolves),
    fixed(
        st.builds(
            c.ReportRecurrence, note=words, incident_id=st.none() | st.sampled_from(INCIDENTS)
        )
    ),
    fixed(
        st.builds(c.Close, customer_agreement=st.builds(CustomerAgreement, by=words, note=words))
    ),
    fixed(
        st.builds(
            c.Review,
            findings=words,
            problem_management_inputs=tuples_of(
                st.builds(
                    ProblemManagementInput,
                    kind=st.sampled_from(["open_problem", "follow_up_action"]),
                    description=words,
                )
            ),
        )
    ),
    relative(_pass, offsets),
    relative(_pass, offsets),
    relative(_missed_plan, offsets, due_ats),
    relative(_missed_progress, st.sampled_from(["last", "start", "now"]), due_ats),
    relative(_raise_automatically, offsets, st.integers(0, 2)),
    relative(_advance, st.integers(1, 3 * 24 * 60).map(lambda m: timedelta(minutes=m))),
    relative(_advance, st.integers(1, 3 * 24 * 60).map(lambda m: timedelta(minutes=m))),
    relative(_rarely_withdraw, st.integers(0, 5), words),
    fixed(
        st.builds(
            c.CorrectDetails,
            reason=words,
            title=st.none() | words,
            priority=st.none() | st.sampled_from(["P1", "P2", "P3"]),
            customer=st.none() | st.sampled_from(CUSTOMERS),
            service=st.none() | st.sampled_from(["payments-eu", "cards"]),
        )
    ),
)
waits = st.integers(0, 180).map(lambda m: timedelta(minutes=m))


# Commands whose effect, once recorded, makes the same command again record nothing.
IDEMPOTENT = (
    c.AssignManager,
    c.LinkRecord,
    c.AssignTeam,
    c.SetContacts,
    c.PassMonitoring,
    c.RecordMissedPlanReview,
    c.RecordMissedProgressUpdate,
    c.RaiseAutomatically,
)


def through_json(stored: Event) -> Event:
    """The event as a reader of the store or the topic gets it back."""
    text = json.dumps(stored.model_dump(mode="json"))
    read = type(stored).model_validate(json.loads(text))
    assert parse_event(stored.event_name(), json.loads(text)) == read
    return read


def check_current(before: Escalation, recorded: Event) -> None:
    """What is recorded names the round, plan version, level it acted on: the current one."""
    if isinstance(recorded, e.MonitoringStarted):
        assert recorded.round == before.monitoring_round + 1
        assert recorded.ends_at == recorded.started_at + recorded.monitoring_period
    if isinstance(recorded, e.MonitoringPassed | e.EscalationReopened):
        assert recorded.round == before.monitoring_round
    if isinstance(recorded, e.EscalationLevelRaised):
        assert recorded.from_level == before.level < recorded.to_level
    if isinstance(recorded, e.DeadlineMissed) and recorded.kind == "plan_review":
        assert before.plan is not None
        assert recorded.details == {"plan_version": before.plan.plan_version}
    if isinstance(recorded, e.DeadlineMissed) and recorded.kind == "progress_update":
        assert recorded.details == {"since_version": before.progress_version}
    if isinstance(recorded, e.DeadlineMissed):
        assert (recorded.kind, recorded.due_at) not in {
            (missed.kind, missed.due_at) for missed in before.missed_deadlines
        }, "a missed deadline is recorded once"


DETAILS = ("title", "priority", "customer", "service")


def check_details(before: Escalation, recorded: Event, after: Escalation) -> None:
    """Only a correction changes the details, and it names each change as it was and is."""
    if not isinstance(recorded, e.EscalationDetailsCorrected):
        assert [getattr(after, f) for f in DETAILS] == [getattr(before, f) for f in DETAILS]
        return
    changed = [f for f in DETAILS if getattr(recorded, f) is not None]
    assert changed, "a correction changes something"
    for name in DETAILS:
        change = getattr(recorded, name)
        if change is None:
            assert getattr(after, name) == getattr(before, name)
        else:
            assert (change.old, change.new) == (getattr(before, name), getattr(after, name))
            assert change.old != change.new


def check_step(before: Escalation, recorded: Event, after: Escalation, count: int) -> None:
    check_current(before, recorded)
    assert recorded.subject == str(ESCALATION_ID)
    assert after.version == before.version + 1 == count
    assert after.level >= before.level >= 1
    assert after.monitoring_round >= before.monitoring_round
    old_version = before.plan.plan_version if before.plan else 0
    new_version = after.plan.plan_version if after.plan else 0
    if isinstance(recorded, e.PlanRevised):
        assert new_version == old_version + 1
    else:
        assert after.plan == before.plan
    if after.status != before.status:
        assert (before.status, after.status) in ARROWS
    if before.status in FINISHED:
        assert after.status not in OPEN_STATUSES
    # Nothing but the problem records its review produced is recorded after it.
    problem = isinstance(recorded, e.RecordLinked) and recorded.kind == "problem"
    if before.status in FINAL and not (before.status == "reviewed" and problem):
        raise AssertionError(f"{before.status} is final, yet {recorded!r} was recorded")
    check_details(before, recorded, after)
    read = through_json(recorded)
    assert read == recorded
    assert evolve(before, read) == after


def check_totals(state: Escalation, history: list[Event]) -> None:
    kinds = Counter(type(recorded) for recorded in history)
    assert state.version == len(history)
    assert state.monitoring_round == kinds[e.MonitoringStarted]
    assert state.recurrences == kinds[e.EscalationReopened]
    assert len(state.missed_deadlines) == kinds[e.DeadlineMissed]
    assert state.plan is None or state.plan.plan_version == kinds[e.PlanRevised]
    assert state.is_open == (state.status in OPEN_STATUSES)
    assert (state.withdrawal is not None) == (state.status == "withdrawn")
    assert kinds[e.EscalationWithdrawn] <= 1
    # Folding the stored events always reproduces the state, and so does a snapshot.
    assert fold(history) == state
    assert Escalation.from_json(json.loads(json.dumps(state.to_json()))) == state


def check_refusal(state: Escalation, command: c.Command, error: DomainError) -> None:
    assert isinstance(error, NotAllowed | InvalidCommand), error
    assert str(error)
    assert type(command) in ACCEPTED_IN or isinstance(command, c.StartEscalation), (
        "the monitor's requests are never refused"
    )
    if type(command) in ACCEPTED_IN and state.status not in accepted_in(command):
        assert isinstance(error, NotAllowed)
        assert state.status in str(error)


def check_decision(
    state: Escalation, command: c.Command, decided: list[Event], now: datetime
) -> None:
    assert len(decided) <= 1
    if type(command) in ACCEPTED_IN:
        assert state.status in accepted_in(command), "accepted in the wrong status"
    if decided and type(command) in ACTS_IN:
        assert state.status in ACTS_IN[type(command)], "the monitor acted in the wrong status"
    # Pure: the same question gets the same answer.
    assert decide(state, command, escalation_id=ESCALATION_ID, now=now) == decided


@SETTINGS
@given(start=starts, steps=st.lists(st.tuples(waits, makes), min_size=10, max_size=60))
def test_any_sequence_of_commands_keeps_the_invariants(
    start: c.StartEscalation, steps: list[tuple[timedelta, Make]]
) -> None:
    now = NOW
    history = decide(None, start, escalation_id=ESCALATION_ID, now=now)
    state = fold(history)
    assert state is not None
    assert (state.status, state.level, state.version) == ("active", 1, 1)
    assert evolve(None, through_json(history[0])) == state
    finished = False

    for wait, make in steps:
        now += wait
        command = make(state, now)
        note(f"{now.isoformat()} {command!r}")
        try:
            decided = decide(state, command, escalation_id=ESCALATION_ID, now=now)
        except DomainError as error:
            check_refusal(state, command, error)
            continue
        check_decision(state, command, decided, now)
        before = state
        for recorded in decided:
            after = evolve(state, recorded)
            history.append(recorded)
            check_step(state, recorded, after, len(history))
            state = after
        finished = finished or state.status in FINISHED
        assert not (finished and state.is_open), "a finished escalation opened again"
        if decided and isinstance(command, IDEMPOTENT):
            assert decide(state, command, escalation_id=ESCALATION_ID, now=now) == []
        if not decided:
            assert state == before
        check_totals(state, history)

    for name in sorted({type(recorded).__name__ for recorded in history}):
        event(f"recorded {name}")


@settings(max_examples=50, deadline=None)
@given(start=starts, make=makes)
def test_any_command_but_a_start_on_a_missing_escalation_is_not_found(
    start: c.StartEscalation, make: Make
) -> None:
    started = fold(decide(None, start, escalation_id=ESCALATION_ID, now=NOW))
    assert started is not None
    command = make(started, NOW)
    assume(not isinstance(command, c.StartEscalation))
    with pytest.raises(NotFound, match=str(ESCALATION_ID)):
        decide(None, command, escalation_id=ESCALATION_ID, now=NOW)
