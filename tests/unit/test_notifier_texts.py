"""What people and systems receive: readable texts for every event type, the
chat products' webhook formats, email headers, and the subscription signature."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from ec_events import escalations as esc
from ec_events.base import Event, PlanAction
from ec_events.registry import TOPIC_OF
from ec_events.topics import TopicName
from ec_notifier.channels.messages import email_message, slack_payload, teams_payload
from ec_notifier.domain.audience import Audience, evolve
from ec_notifier.domain.signing import signature, verify
from ec_notifier.domain.templates import duration, render
from harness.notifier import NOW, Story

STORY = Story()
AGREEMENT = esc.CustomerAgreement(by="Jo Meyer", note="agreed on the call")
JO = esc.CustomerContact(name="Jo Meyer", email="jo@customer.example")
EVERY_EVENT: list[Event] = [
    STORY.started(),
    STORY.manager(),
    STORY.linked(),
    STORY.team(),
    STORY.contacts(),
    esc.SituationAssessed(
        escalation_id=STORY.id, summary="EU payments fail", impact="1,200 merchants", risk="fines"
    ),
    esc.PlanRevised(
        escalation_id=STORY.id,
        plan_version=2,
        actions=(PlanAction(title="Roll back certificates", owner="Lee Park", due=NOW),),
        customer_agreed=True,
        reason="customer asked for a rollback",
        review_by=NOW + timedelta(hours=4),
    ),
    STORY.raised(2),
    STORY.progress(),
    esc.MonitoringStarted(
        escalation_id=STORY.id,
        round=1,
        customer_confirmed=True,
        monitoring_period=timedelta(hours=72),
        started_at=NOW,
        ends_at=NOW + timedelta(hours=72),
    ),
    esc.EscalationReopened(escalation_id=STORY.id, round=1, note="502s are back"),
    esc.MonitoringPassed(escalation_id=STORY.id, round=2),
    esc.EscalationClosed(escalation_id=STORY.id, customer_agreement=AGREEMENT),
    esc.EscalationReviewed(escalation_id=STORY.id, findings="rotation lacked a canary"),
    esc.DeadlineMissed(escalation_id=STORY.id, kind="progress_update", due_at=NOW),
    esc.EscalationWithdrawn(escalation_id=STORY.id, reason="started from a misread payload"),
    esc.EscalationDetailsCorrected(
        escalation_id=STORY.id,
        reason="the webhook named the wrong priority",
        priority=esc.PriorityCorrection(old="P1", new="P2"),
    ),
    esc.CustomerAgreedToPlan(
        escalation_id=STORY.id, contact=JO, at=NOW, plan_version=2, comment="go ahead"
    ),
    esc.CustomerDeclinedPlan(
        escalation_id=STORY.id, contact=JO, at=NOW, plan_version=2, comment="not on month end"
    ),
    esc.CustomerConfirmedResolution(escalation_id=STORY.id, contact=JO, at=NOW),
    esc.CustomerReportedRecurrence(
        escalation_id=STORY.id, contact=JO, at=NOW, note="card payments fail again"
    ),
    esc.CustomerAgreedToClosure(escalation_id=STORY.id, contact=JO, at=NOW),
    esc.CustomerAskedForLink(escalation_id=STORY.id, contact=JO, at=NOW),
]
# What each text must mention for its reader to know what happened.
FACTS = {
    "EscalationStarted": ["Escalation started", "Northwind", "escalation criteria met: p1"],
    "EscalationManagerAssigned": ["Dana Okafor", "owns this escalation"],
    "RecordLinked": ["PRB1"],
    "EscalationTeamAssigned": ["Lee Park, incident owner"],
    "CommunicationContactsSet": ["Sam Patel", "Jo Meyer"],
    "SituationAssessed": ["1,200 merchants", "fines"],
    "PlanRevised": ["Action plan v2", "Roll back certificates", "owner Lee Park"],
    "EscalationLevelRaised": ["raised to level 2", "no progress"],
    "ProgressReported": ["3 of 5 gateways restored", "Next update by Fri 27 Nov 2026, 10:00 UTC"],
    "MonitoringStarted": ["3 days", "Mon 30 Nov 2026, 09:00 UTC"],
    "EscalationReopened": ["502s are back", "active again"],
    "MonitoringPassed": ["no recurrence"],
    "EscalationClosed": ["Jo Meyer", "agreed on the call"],
    "EscalationReviewed": ["rotation lacked a canary"],
    "DeadlineMissed": ["Missed progress update"],
    "EscalationWithdrawn": ["Escalation withdrawn", "started from a misread payload"],
    "CustomerAgreedToPlan": ["agreed to plan v2", "jo@customer.example", "go ahead"],
    "CustomerDeclinedPlan": ["declined plan v2", "Jo Meyer", "not on month end"],
    "CustomerConfirmedResolution": ["confirmed the resolution", "Jo Meyer"],
    "CustomerReportedRecurrence": ["reported a recurrence", "card payments fail again"],
    "CustomerAgreedToClosure": ["agreed to closure", "Jo Meyer"],
    "CustomerAskedForLink": ["Your new link", "You asked for a new link"],
    "EscalationDetailsCorrected": ["Priority: P1, now P2", "the webhook named the wrong priority"],
}


def test_every_escalation_event_has_a_text_of_its_own() -> None:
    escalation_events = {n for n, t in TOPIC_OF.items() if t == TopicName.ESCALATIONS}
    assert {e.event_name() for e in EVERY_EVENT} == escalation_events == set(FACTS)


@pytest.mark.parametrize("event", EVERY_EVENT, ids=lambda e: e.event_name())
def test_each_text_tells_people_what_happened_in_words(event: Event) -> None:
    audience = evolve(evolve(Audience(str(STORY.id)), STORY.started()), event)

    text = render(event, audience)

    whole = f"{text.subject}\n{text.body}"
    for fact in FACTS[event.event_name()]:
        assert fact in whole
    assert text.subject.endswith("Payment gateway returns 502 for all EU merchants (Northwind)")
    assert "{" not in whole  # no JSON, no unfilled placeholder
    assert event.event_name() not in text.subject
    assert str(STORY.id) in text.body


def test_an_escalation_the_notifier_never_saw_start_is_still_named() -> None:
    text = render(STORY.progress(), Audience(str(STORY.id)))

    assert text.subject == f"Progress update: escalation {str(STORY.id)[:8]}"


@pytest.mark.parametrize(
    ("period", "said"),
    [
        (timedelta(hours=72), "3 days"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(seconds=5), "5 seconds"),
    ],
)
def test_periods_are_said_the_way_people_say_them(period: timedelta, said: str) -> None:
    assert duration(period) == said


def test_a_slack_message_escapes_its_control_characters_and_keeps_a_fallback() -> None:
    payload = slack_payload("Raised: A <b> & C", "line one\nline <two>")

    assert payload["text"] == "Raised: A &lt;b&gt; &amp; C"
    assert payload["blocks"][1]["text"] == {"type": "mrkdwn", "text": "line one\nline &lt;two&gt;"}


def test_a_teams_message_is_an_adaptive_card_with_a_paragraph_per_block() -> None:
    payload = teams_payload("Progress update: X", "First.\n\nSecond.")

    [attachment] = payload["attachments"]
    assert payload["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card: dict[str, Any] = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert [b["text"] for b in card["body"]] == ["Progress update: X", "First.", "Second."]
    json.dumps(payload)


def test_an_email_carries_a_message_id_derived_from_the_delivery() -> None:
    def build() -> str:
        message = email_message(
            delivery_id="0b7f6c1e-0000-4000-8000-000000000001",
            event_id="e1",
            sender="Escalation Center <ec@provider.example>",
            to="jo@customer.example",
            to_name="Jo Meyer",
            subject="Progress update: X",
            body="Body",
            sent_at=NOW,
        )
        return str(message["Message-ID"])

    assert build() == build() == "<0b7f6c1e-0000-4000-8000-000000000001@provider.example>"


def test_a_signature_verifies_with_the_secret_within_five_minutes_only() -> None:
    body = b'{"id":"1"}'
    header = signature("whsec_x", body, 1_700_000_000)

    assert header.startswith("t=1700000000,v1=")
    assert verify("whsec_x", body, header, now=1_700_000_100)
    assert not verify("whsec_y", body, header, now=1_700_000_100)
    assert not verify("whsec_x", body + b" ", header, now=1_700_000_100)
    assert not verify("whsec_x", body, header, now=1_700_000_301)
    assert not verify("whsec_x", body, "v1=abc", now=1_700_000_000)
