"""The customer's own acts: agreeing to a plan version or declining it, confirming
the resolution, reporting a recurrence, agreeing to closure; and the rules that
make resolution and closure wait for them unless an operator overrides with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ec_escalation.domain import commands as c
from ec_escalation.domain.errors import InvalidCommand, NotAllowed
from ec_escalation.domain.sentences import describe
from ec_events import escalations as e
from harness.escalations import (
    JO,
    NOW,
    agreed_to_closure,
    close,
    close_on_record,
    closed,
    confirmed_by_customer,
    customer_contacts,
    in_monitoring,
    managed,
    monitoring_passed,
    plan,
    resolve,
    resolve_on_record,
)

HOUR = timedelta(hours=1)
STRANGER = e.CustomerContact(name="Eve Outsider", email="eve@elsewhere.example")


def test_the_customer_agreeing_to_the_current_plan_version_makes_it_agreed_in_their_name() -> None:
    history = managed().given(customer_contacts(), plan(), plan(reason="second plan"))

    [event] = history.when(c.AgreeToPlan(contact=JO, plan_version=2, comment="go ahead"))

    assert event == e.CustomerAgreedToPlan(
        escalation_id=history.id, contact=JO, at=NOW, plan_version=2, comment="go ahead"
    )
    after = history.evolved(event)
    assert after.plan is not None
    assert (after.plan.plan_version, after.plan.customer_agreed) == (2, True)
    assert [(a.kind, a.contact, a.plan_version) for a in after.customer_acts] == [
        ("CustomerAgreedToPlan", JO, 2)
    ]


def test_an_act_through_an_operator_issued_link_says_whose_link_it_was() -> None:
    history = managed().given(customer_contacts(), plan())

    [event] = history.when(
        c.ConfirmResolution(contact=JO, comment="works", via_link_issued_by="operator:olivia")
    )

    assert event == e.CustomerConfirmedResolution(
        escalation_id=history.id,
        contact=JO,
        at=NOW,
        plan_version=1,
        comment="works",
        via_link_issued_by="operator:olivia",
    )
    told = describe(event.__class__.__name__, event.model_dump(mode="json"))
    assert "through a link issued by operator:olivia" in told


def test_agreeing_to_a_plan_version_that_is_no_longer_current_is_refused() -> None:
    history = managed().given(customer_contacts(), plan(), plan(reason="second plan"))
    with pytest.raises(NotAllowed, match="plan version 1 is not the current plan"):
        history.when(c.AgreeToPlan(contact=JO, plan_version=1))


def test_declining_keeps_the_plan_unagreed_and_records_their_words() -> None:
    history = managed().given(customer_contacts(), plan())
    history.given(c.AgreeToPlan(contact=JO, plan_version=1))

    [event] = history.when(c.DeclinePlan(contact=JO, plan_version=1, comment="not at month end"))

    after = history.evolved(event)
    assert after.plan is not None
    assert after.plan.customer_agreed is False
    assert after.customer_acts[-1].words == "not at month end"


def test_someone_who_is_not_a_customer_contact_now_cannot_act() -> None:
    history = managed().given(customer_contacts(), plan())
    with pytest.raises(NotAllowed, match="not a customer contact"):
        history.when(c.AgreeToPlan(contact=STRANGER, plan_version=1))


def test_a_contact_removed_from_the_escalation_can_no_longer_act() -> None:
    history = managed().given(customer_contacts(), plan(), c.SetContacts())
    with pytest.raises(NotAllowed, match="not a customer contact"):
        history.when(c.AgreeToPlan(contact=JO, plan_version=1))


def test_an_operator_marks_a_plan_agreed_only_as_an_override_with_its_reason() -> None:
    bare = c.RevisePlan(
        actions=plan().actions, customer_agreed=True, reason="x", review_by=NOW + HOUR
    )
    with pytest.raises(InvalidCommand, match="customer_agreed"):
        managed().when(bare)

    [event] = managed().when(
        c.RevisePlan(
            actions=plan().actions,
            customer_agreed=True,
            reason="x",
            review_by=NOW + HOUR,
            agreement_override_reason="agreed by phone",
        )
    )
    assert isinstance(event, e.PlanRevised)
    assert (event.customer_agreed, event.agreement_override_reason) == (True, "agreed by phone")
    assert "operator override: agreed by phone" in describe("PlanRevised", event.model_dump())


def test_resolving_without_the_customers_confirmation_or_an_override_is_refused() -> None:
    with pytest.raises(NotAllowed, match="has not confirmed the resolution"):
        managed().given(customer_contacts()).when(resolve_on_record())


def test_resolving_on_the_customers_confirmation_names_them() -> None:
    history = managed().given(*confirmed_by_customer())

    [event] = history.when(resolve_on_record(24 * HOUR))

    assert isinstance(event, e.MonitoringStarted)
    assert (event.confirmed_by, event.override_reason) == (JO, None)
    assert "by the customer Jo Meyer" in describe("MonitoringStarted", event.model_dump())


def test_resolving_by_override_records_the_operators_reason() -> None:
    [event] = managed().when(resolve())

    assert isinstance(event, e.MonitoringStarted)
    assert event.confirmed_by is None
    assert event.override_reason == "the customer confirmed on the phone"
    said = describe("MonitoringStarted", event.model_dump(mode="json"))
    assert "operator override: the customer confirmed on the phone" in said


def test_a_confirmation_counts_for_one_resolution_only() -> None:
    history = in_monitoring().given(c.ReportRecurrence(note="502s again"))
    with pytest.raises(NotAllowed, match="has not confirmed"):
        history.when(resolve_on_record())


def test_the_customer_reporting_a_recurrence_makes_the_escalation_active_again() -> None:
    history = in_monitoring()

    events = history.when(c.ReportRecurrenceAsCustomer(contact=JO, note="cards fail again"))

    assert [type(x) for x in events] == [e.CustomerReportedRecurrence, e.EscalationReopened]
    after = history.evolved(*events)
    assert (after.status, after.recurrences) == ("active", 1)
    assert after.customer_acts[-1].words == "cards fail again"


def test_the_customer_cannot_report_a_recurrence_while_it_is_still_active() -> None:
    with pytest.raises(NotAllowed, match="recurrence"):
        managed().given(customer_contacts()).when(
            c.ReportRecurrenceAsCustomer(contact=JO, note="still broken")
        )


def test_closing_without_the_customers_agreement_or_an_override_is_refused() -> None:
    with pytest.raises(NotAllowed, match="has not agreed to closure"):
        monitoring_passed().when(close_on_record())


def test_closing_on_the_customers_agreement_records_them_as_the_ones_who_agreed() -> None:
    history = monitoring_passed().given(agreed_to_closure())

    [event] = history.when(close_on_record())

    assert isinstance(event, e.EscalationClosed)
    assert (event.agreed_by, event.override_reason) == (JO, None)
    assert event.customer_agreement == e.CustomerAgreement(by="Jo Meyer", note="stable for a day")
    assert history.evolved(event).status == "closed"


def test_closing_by_override_shows_it_was_an_override() -> None:
    [event] = monitoring_passed().when(close())

    assert isinstance(event, e.EscalationClosed)
    assert event.agreed_by is None
    assert event.override_reason == "the customer has no access to their page"
    said = describe("EscalationClosed", event.model_dump(mode="json"))
    assert "operator override" in said


def test_a_recurrence_voids_the_customers_agreement_to_close() -> None:
    history = in_monitoring().given(agreed_to_closure(), c.ReportRecurrence(note="back"))
    history.given(*confirmed_by_customer()[1:], resolve_on_record())
    history.given(c.PassMonitoring(round=history.current.monitoring_round))

    with pytest.raises(NotAllowed, match="has not agreed to closure"):
        history.when(close_on_record())


def test_every_act_is_told_in_the_timeline_with_the_contact_and_their_words() -> None:
    history = in_monitoring()
    [agreed, reopened] = history.when(c.ReportRecurrenceAsCustomer(contact=JO, note="<b>x</b>"))

    said = describe(agreed.event_name(), agreed.model_dump(mode="json"))

    assert said == "customer Jo Meyer <jo@customer.example> reported a recurrence: <b>x</b>"
    assert isinstance(reopened, e.EscalationReopened)


WITH_CONTACTS = {
    "active": lambda: managed().given(customer_contacts()),
    "monitoring": in_monitoring,
    "closed": closed,
    "withdrawn": lambda: managed().given(
        customer_contacts(), c.Withdraw(reason="started from a misread payload")
    ),
}


@pytest.mark.parametrize("status", WITH_CONTACTS)
def test_a_customer_contact_may_ask_for_a_new_link_in_any_status(status: str) -> None:
    history = WITH_CONTACTS[status]()
    assert history.current.status == status

    [event] = history.when(c.AskForLink(JO))

    assert event == e.CustomerAskedForLink(escalation_id=history.id, contact=JO, at=NOW)
    assert describe(event.event_name(), event.model_dump(mode="json")).startswith(
        "customer Jo Meyer <jo@customer.example> asked for a new link"
    )


def test_a_new_link_is_mailed_at_most_once_an_hour_to_each_contact() -> None:
    # given Jo asked for a new link at nine
    history = managed().given(customer_contacts(), c.AskForLink(JO))

    # when Jo asks again within the hour, and after it
    with pytest.raises(NotAllowed, match="less than an hour ago"):
        history.when(c.AskForLink(JO), at=NOW + HOUR - timedelta(seconds=1))
    later = history.when(c.AskForLink(JO), at=NOW + HOUR)

    # then only the later ask is recorded, and it is remembered in place of the first
    assert [type(event) for event in later] == [e.CustomerAskedForLink]
    assert history.evolved(*later).links_asked_at == (("jo@customer.example", NOW + HOUR),)


def test_someone_who_is_no_longer_a_customer_contact_gets_no_new_link() -> None:
    history = managed().given(customer_contacts(), c.SetContacts(provider=(), customer=()))
    with pytest.raises(NotAllowed, match="is not a customer contact"):
        history.when(c.AskForLink(JO))
    with pytest.raises(NotAllowed, match="is not a customer contact"):
        history.when(c.AskForLink(STRANGER))
