"""The console's pure parts: forms into API bodies, errors back onto fields,
plan versions compared, the board filtered and sessions ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ec_console.data.board import BoardQuery, select
from ec_console.data.escalation import changed_since, plan_history
from ec_console.security.sessions import SessionStore, User, csrf_matches
from ec_console.views.commands import COMMANDS
from ec_console.views.display import countdown, is_overdue
from ec_console.views.forms import Invalid, renumbered

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
OLIVIA = User(role="operator", name="olivia")


def test_team_rows_skip_blank_ones_and_errors_land_on_the_row_typed() -> None:
    body, placed = COMMANDS["team"].build(
        {
            "members.0.name": "Ines",
            "members.0.email": "ines@example.com",
            "members.0.role": "owner",
            "members.2.name": "Pete",
            "members.2.email": "not-an-email",
            "members.2.role": "problem owner",
        }
    )
    assert [m["name"] for m in body["members"]] == ["Ines", "Pete"]
    assert body["members"][0]["id"] == "ines@example.com"
    errors = renumbered({"members.1.email": "bad"}, "members", placed["members"])
    assert errors == {"members.2.email": "bad"}


def test_contacts_rows_holding_only_a_default_channel_are_blank() -> None:
    body, _ = COMMANDS["contacts"].build(
        {
            "provider.0.name": "Dana",
            "provider.0.email": "d@x.example",
            "provider.1.channel": "email",
        }
    )
    assert body == {
        "provider": [{"name": "Dana", "email": "d@x.example", "channel": "email"}],
        "customer": [],
    }


def test_a_plan_reads_its_times_as_utc_and_needs_an_action() -> None:
    body, _ = COMMANDS["plan"].build(
        {
            "actions.0.title": "Fail over",
            "actions.0.owner": "Ines",
            "actions.0.due": "2026-12-04T10:00",
            "reason": "first",
            "review_by": "2026-12-04T08:30",
            "customer_agreed": "on",
        }
    )
    assert body["actions"][0]["due"] == "2026-12-04T10:00:00+00:00"
    assert body["review_by"] == "2026-12-04T08:30:00+00:00"
    assert body["customer_agreed"] is True
    with pytest.raises(Invalid) as refused:
        COMMANDS["plan"].build({"reason": "nothing", "review_by": "soon"})
    assert set(refused.value.errors) == {"actions.0.title", "review_by"}


def test_plan_versions_say_what_changed() -> None:
    def revised(version: int, actions: list[dict[str, str]], agreed: bool) -> dict[str, object]:
        return {
            "type": "PlanRevised",
            "recorded_at": NOW.isoformat(),
            "actor": {"role": "operator", "name": "olivia"},
            "data": {
                "plan_version": version,
                "actions": actions,
                "resources": [],
                "customer_agreed": agreed,
                "reason": "r",
                "review_by": NOW.isoformat(),
            },
        }

    due = NOW.isoformat()
    first = [{"title": "Fail over", "owner": "Ines", "due": due}]
    second = [
        {"title": "Fail over", "owner": "Pete", "due": due},
        {"title": "Call daily", "owner": "Olivia", "due": due},
    ]
    newest, oldest = plan_history([revised(1, first, False), revised(2, second, True)])
    assert oldest["changes"] == ["first version"]
    assert "“Fail over”: owner Ines → Pete" in newest["changes"]
    assert any(c.startswith("added “Call daily”") for c in newest["changes"])
    assert "the customer agreed" in newest["changes"]


def test_a_stale_form_names_who_changed_the_escalation() -> None:
    events = [
        {"version": 3, "type": "PlanRevised", "actor": {"role": "operator", "name": "oscar"}},
        {"version": 2, "type": "RecordLinked", "actor": {"role": "operator", "name": "olivia"}},
    ]
    assert changed_since(events, 2) == "oscar (operator) (plan revised)"


def _item(**fields: object) -> dict[str, object]:
    return {
        "id": "e1",
        "version": 1,
        "state": "active",
        "level": 1,
        "title": "Payments down",
        "customer_id": "c1",
        "customer_name": "Northwind",
        "service": "payments",
        "manager_id": None,
        "manager_name": None,
        "started_at": NOW.isoformat(),
        "updated_at": NOW.isoformat(),
        **fields,
    }


def test_the_board_filters_mine_overdue_and_text_and_sorts_by_deadline() -> None:
    late = (NOW - timedelta(minutes=5)).isoformat()
    soon = (NOW + timedelta(minutes=5)).isoformat()
    items = [
        _item(id="a", manager_id="olivia", next_update_due=soon),
        _item(id="b", title="Mail relay", next_update_due=late),
        _item(id="c", customer_name="Contoso"),
    ]
    ids = lambda query: [i["id"] for i in select(items, query, OLIVIA, NOW)]  # noqa: E731
    assert ids(BoardQuery(mine=True)) == ["a"]
    assert ids(BoardQuery(overdue=True)) == ["b"]
    assert ids(BoardQuery(q="contoso")) == ["c"]
    assert ids(BoardQuery(sort="deadline")) == ["b", "a", "c"]
    assert is_overdue(items[1], NOW)
    assert countdown(late, NOW) == "overdue 5m"
    assert countdown(soon, NOW) == "in 5m"


def test_a_session_ends_for_good_and_its_cookie_is_signed() -> None:
    store = SessionStore("a-secret-of-enough-length", lifetime_s=3600)
    session, cookie = store.create("olivia:token", OLIVIA)
    assert store.find(cookie) is session
    assert store.find(cookie + "x") is None
    assert store.find(session.id) is None  # an id without its signature
    assert csrf_matches(session, session.csrf)
    assert not csrf_matches(session, "")
    assert "olivia:token" not in repr(session)
    store.end(session)
    assert store.find(cookie) is None


def test_a_correction_sends_only_what_changed_and_the_whole_customer() -> None:
    was = {
        "was.title": "Payments down",
        "was.priority": "P1",
        "was.service": "payments-eu",
        "was.customer.id": "c1",
        "was.customer.name": "Northwind",
        "was.customer.tier": "gold",
    }
    typed = {k.removeprefix("was."): v for k, v in was.items()}
    body, _ = COMMANDS["corrections"].build(
        {**was, **typed, "title": "Card payments down", "customer.tier": "platinum", "reason": "x"}
    )
    assert body == {
        "title": "Card payments down",
        "customer": {"id": "c1", "name": "Northwind", "tier": "platinum"},
        "reason": "x",
    }
    with pytest.raises(Invalid) as nothing:
        COMMANDS["corrections"].build({**was, **typed, "reason": "x"})
    assert "title" in nothing.value.errors
    with pytest.raises(Invalid) as unsaid:
        COMMANDS["withdrawal"].build({"reason": "  "})
    assert "reason" in unsaid.value.errors


def test_withdrawal_is_offered_only_before_any_monitoring() -> None:
    from ec_console.views.commands import offered

    assert "withdrawal" in offered("active", 0)
    assert "withdrawal" not in offered("active", 1)
    assert "withdrawal" not in offered("monitoring", 1)
    assert "corrections" in offered("closed", 1)


def test_withdrawal_and_correction_read_as_sentences() -> None:
    from ec_console.data.escalation import told_in_sentences

    told = [
        {"version": 3, "type": "EscalationDetailsCorrected", "summary": "raw"},
        {"version": 4, "type": "EscalationWithdrawn", "summary": "raw"},
    ]
    stored = [
        {
            "version": 3,
            "type": "EscalationDetailsCorrected",
            "data": {"reason": "typo", "title": {"old": "Paymnts", "new": "Payments"}},
        },
        {"version": 4, "type": "EscalationWithdrawn", "data": {"reason": "a test incident"}},
    ]
    said = [t["summary"] for t in told_in_sentences(told, stored)]
    assert said == [
        "Corrected title “Paymnts” → “Payments”. Why: typo",
        "Withdrawn as started by mistake: a test incident",
    ]


def test_an_incident_reads_as_escalated_by_a_decision_or_by_hand() -> None:
    from ec_console.pages.incidents import verdict

    nothing = {"outcome": "nothing", "escalation_id": None, "explanation": "no rule fired"}
    started = {"outcome": "started", "escalation_id": "e1", "explanation": "p1"}
    assert verdict([]) is None
    said = verdict([nothing])
    assert said is not None
    assert not said.escalated
    assert said.explanation == "no rule fired"
    joined = verdict([started, {**nothing, "outcome": "linked", "escalation_id": "e1"}, nothing])
    assert joined is not None
    assert joined.escalation_id == "e1"
    by_hand = verdict([nothing], [{"id": "e2"}])
    assert by_hand is not None
    assert by_hand.escalation_id == "e2"
