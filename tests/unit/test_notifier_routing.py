"""Who hears of which escalation event: the default routing, management lists
by level, channels from contacts, and the routing file. Pure, no servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from ec_events import escalations as esc
from ec_events.base import Contact, Event, Person, TeamMember
from ec_notifier.domain.audience import Audience, evolve
from ec_notifier.domain.routing import (
    EMAIL,
    LOG,
    SLACK,
    TEAMS,
    WEBHOOK,
    Routing,
    Target,
    targets_for,
)
from ec_notifier.routing_file import RoutingFileError, load_routing, parse_routing
from harness.notifier import CUSTOMER, MANAGER, MEMBER, NOW, PROVIDER, Story

LEVELS = """
management:
  2:
    people:
      - {name: Service directors, email: directors@provider.example}
  3:
    people:
      - {name: Executives, channel: chat, address: "https://hooks.slack.com/services/T/B/X"}
"""
CONTACT_EVENTS = frozenset(
    {
        "EscalationStarted",
        "EscalationLevelRaised",
        "ProgressReported",
        "MonitoringStarted",
        "EscalationReopened",
        "EscalationClosed",
        "EscalationWithdrawn",
    }
)


def fold(*events: Event) -> Audience:
    audience = Audience(str(events[0].subject))
    for event in events:
        audience = evolve(audience, event)
    return audience


def heard(routing: Routing, given: list[Event], event: Event) -> set[str]:
    before = fold(*given)
    return {t.recipient for t in targets_for(routing, before, evolve(before, event), event)}


def staffed(story: Story) -> list[Event]:
    return [story.started(), story.manager(), story.team(), story.contacts()]


def test_the_manager_and_team_hear_every_event_and_contacts_only_the_milestones() -> None:
    story = Story()
    routing = load_routing(None)

    assert heard(routing, staffed(story), story.linked()) == {
        MANAGER.email,
        MEMBER.email,
        "operations-log",
    }
    assert heard(routing, staffed(story), story.progress()) == {
        MANAGER.email,
        MEMBER.email,
        PROVIDER.email,
        CUSTOMER.email,
        "operations-log",
    }
    assert routing.provider_contacts.events == CONTACT_EVENTS
    assert routing.customer_contacts.events == CONTACT_EVENTS


def test_a_progress_report_reaches_people_named_only_in_earlier_events() -> None:
    story = Story()
    audience = fold(*staffed(story), story.progress())

    assert audience.manager == MANAGER
    assert audience.team == (MEMBER,)
    assert audience.customer_contacts == (CUSTOMER,)
    assert audience.title == story.started().title
    assert Audience.from_json(audience.to_json()) == audience


def test_a_level_list_hears_the_raise_to_its_level_and_everything_after_it() -> None:
    story = Story()
    routing = parse_routing(LEVELS)
    directors = "directors@provider.example"
    slack = "https://hooks.slack.com/services/T/B/X"

    assert directors not in heard(routing, staffed(story), story.progress())
    assert directors in heard(routing, staffed(story), story.raised(2))
    after_raise = [*staffed(story), story.raised(2)]
    assert directors in heard(routing, after_raise, story.linked())
    assert slack not in heard(routing, after_raise, story.progress())
    assert {directors, slack} <= heard(routing, after_raise, story.raised(3))


def test_a_raise_past_a_level_still_tells_that_level() -> None:
    story = Story()
    routing = parse_routing(LEVELS)

    assert "directors@provider.example" in heard(routing, staffed(story), story.raised(3))


def test_a_replaced_manager_hears_of_the_handover_and_nothing_after() -> None:
    story = Story()
    successor = Person(id="u-118", name="Ravi Menon", email="ravi@provider.example")
    routing = load_routing(None)

    assert {MANAGER.email, successor.email} <= heard(
        routing, staffed(story), story.manager(successor)
    )
    replaced = [*staffed(story), story.manager(successor)]
    assert MANAGER.email not in heard(routing, replaced, story.progress())


def test_contacts_are_reached_on_their_own_channel() -> None:
    story = Story()
    routing = parse_routing("chat: {hosts: {'127.0.0.1:9999': teams}}")
    contacts = story.contacts(
        provider=[
            Contact(name="Ops", email="ops@p.example", channel="chat", address=SLACK_URL),
            Contact(name="Desk", email="desk@p.example", channel="chat", address=TEAMS_URL),
            Contact(name="Bot", email="bot@p.example", channel="chat", address=LOCAL_TEAMS),
        ],
        customer=[
            Contact(name="ITSM", email="itsm@c.example", channel="webhook", address=HOOK),
            Contact(name="No address", email="na@c.example", channel="chat"),
        ],
    )
    before = fold(story.started(), contacts)

    targets = targets_for(routing, before, before, story.progress())

    assert {(t.channel, t.recipient) for t in targets} == {
        (SLACK, SLACK_URL),
        (TEAMS, TEAMS_URL),
        (TEAMS, LOCAL_TEAMS),
        (WEBHOOK, HOOK),
        (EMAIL, "na@c.example"),
        (LOG, "operations-log"),
    }


SLACK_URL = "https://hooks.slack.com/services/T0/B0/abc"
TEAMS_URL = "https://contoso.webhook.office.com/webhookb2/x"
LOCAL_TEAMS = "http://127.0.0.1:9999/teams"
HOOK = "https://itsm.customer.example/hooks/ec"


def test_someone_in_two_roles_hears_once() -> None:
    story = Story()
    manager_as_contact = Contact(name=MANAGER.name, email=MANAGER.email.upper())
    given = [story.started(), story.manager(), story.contacts(provider=[manager_as_contact])]
    before = fold(*given)

    targets = targets_for(load_routing(None), before, before, story.progress())

    assert [t for t in targets if t.recipient == MANAGER.email] == [
        Target(EMAIL, MANAGER.email, MANAGER.name, "escalation manager")
    ]


def test_a_routing_file_may_silence_an_audience_and_keep_the_other_defaults() -> None:
    routing = parse_routing(
        "audiences: {operations_log: {events: []}, team: {events: [EscalationClosed]}}"
    )
    story = Story()

    recipients = heard(routing, staffed(story), story.progress())

    assert "operations-log" not in recipients
    assert MEMBER.email not in recipients
    assert {MANAGER.email, CUSTOMER.email} <= recipients


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("audiences: {team: {events: [EscalationExploded]}}", "EscalationExploded"),
        ("management: {2: {people: [{name: Bo}]}}", "needs `email`"),
        ("management: {2: {people: [{name: Bo, channel: chat}]}}", "address"),
        ("management: {0: {people: []}}", "greater than or equal to 1"),
        ("chat: {default: discord}", "slack"),
        ("audience: {}", "audience"),
        ("management: [", "not valid"),
    ],
)
def test_a_bad_routing_file_is_refused_with_the_reason(text: str, complaint: str) -> None:
    with pytest.raises(RoutingFileError, match="not valid") as refused:
        parse_routing(text)
    assert complaint in str(refused.value)


def test_the_routing_file_is_read_from_its_path(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(LEVELS)

    assert 2 in load_routing(str(path)).management
    with pytest.raises(RoutingFileError, match="cannot read"):
        load_routing(str(path) + ".missing")


def test_a_team_member_removed_from_the_team_is_told() -> None:
    story = Story()
    newcomer = TeamMember(id="u-9", name="Kim Ode", email="kim@provider.example", role="expert")

    recipients = heard(load_routing(None), staffed(story), story.team(newcomer))

    assert {MEMBER.email, newcomer.email} <= recipients


def test_a_new_link_asked_for_goes_to_the_contact_who_asked_and_no_one_else() -> None:
    # given a staffed escalation whose routing would tell the manager and team everything
    story = Story()
    asker = esc.CustomerContact(name=CUSTOMER.name, email="Jo@Customer.example")
    asked = esc.CustomerAskedForLink(escalation_id=story.id, contact=asker, at=NOW)

    # when the customer contact asks for a new link
    before = fold(*staffed(story))
    targets = targets_for(load_routing(None), before, evolve(before, asked), asked)

    # then the mail, with the link it will carry, goes only to them, by email
    assert targets == [
        Target(EMAIL, "jo@customer.example", CUSTOMER.name, "customer contact"),
        Target(LOG, "operations-log", "operations log", "operations log"),
    ]
