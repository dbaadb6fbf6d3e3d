"""Who hears of an escalation event, and on which channel. Pure: the rules come
from the routing file (see routing_file.py), the people from the audience."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ec_events import TOPIC_OF, TopicName
from ec_events.base import Contact, Event, Person
from ec_events.escalations import (
    CustomerAskedForLink,
    EscalationManagerAssigned,
    EscalationTeamAssigned,
)
from ec_notifier.domain.audience import Audience

EMAIL, SLACK, TEAMS, WEBHOOK, LOG = "email", "slack", "teams", "webhook", "log"
SUBSCRIPTION = "subscription"
OPERATIONS_LOG = "operations-log"
CHAT_KINDS = (SLACK, TEAMS)

# The events a routing rule or a subscription may name.
ESCALATION_EVENTS = frozenset(n for n, t in TOPIC_OF.items() if t == TopicName.ESCALATIONS)

# Where each product's incoming webhooks live; any other chat host is told by
# the routing file (`chat.hosts`), else `chat.default`.
KNOWN_CHAT_HOSTS: tuple[tuple[str, str], ...] = (
    ("hooks.slack.com", SLACK),
    (".webhook.office.com", TEAMS),
    (".logic.azure.com", TEAMS),
    (".powerplatform.com", TEAMS),
)

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


@dataclass(frozen=True)
class Hears:
    """A set of event names; `None` means every event."""

    events: frozenset[str] | None = None

    def includes(self, name: str) -> bool:
        return self.events is None or name in self.events


@dataclass(frozen=True)
class Member:
    """Someone on a management list: an email address, a chat webhook or a webhook."""

    name: str
    email: str | None = None
    channel: str = "email"
    address: str | None = None


@dataclass(frozen=True)
class ManagementList:
    people: tuple[Member, ...] = ()
    hears: Hears = Hears()


@dataclass(frozen=True)
class ChatRouting:
    default: str = SLACK
    hosts: Mapping[str, str] = field(default_factory=dict)

    def kind_of(self, url: str) -> str:
        host = (urlsplit(url).hostname or "").lower()
        netloc = urlsplit(url).netloc.lower()
        for name in (netloc, host):
            if name in self.hosts:
                return self.hosts[name]
        for suffix, kind in KNOWN_CHAT_HOSTS:
            if host == suffix.lstrip(".") or host.endswith(suffix):
                return kind
        return self.default


@dataclass(frozen=True)
class Routing:
    manager: Hears = Hears()
    team: Hears = Hears()
    provider_contacts: Hears = Hears(CONTACT_EVENTS)
    customer_contacts: Hears = Hears(CONTACT_EVENTS)
    operations_log: Hears = Hears()
    management: Mapping[int, ManagementList] = field(default_factory=dict)
    chat: ChatRouting = ChatRouting()


@dataclass(frozen=True)
class Target:
    """One recipient on one channel, and why they hear of it."""

    channel: str
    recipient: str
    name: str
    role: str
    # Where it is sent, when that is not the recipient itself (a subscription's URL).
    url: str | None = None

    @property
    def host_address(self) -> str:
        return self.url or self.recipient


# Why a customer contact hears of an event: only their mail carries a personal link.
CUSTOMER_CONTACT = "customer contact"


def targets_for(routing: Routing, before: Audience, after: Audience, event: Event) -> list[Target]:
    """Everyone who hears of `event`, once per channel and address. `before` is
    the audience the event found, `after` the one it leaves: a manager or team
    member being replaced hears of it too."""
    name = event.event_name()
    found: list[Target] = []
    if isinstance(event, CustomerAskedForLink):
        # Their new link is personal: it goes to them, by mail, and to no one else.
        asker = Target(EMAIL, event.contact.email.lower(), event.contact.name, CUSTOMER_CONTACT)
        return [asker, *_operations_log(routing, name)]
    if routing.manager.includes(name):
        managers = [after.manager]
        if isinstance(event, EscalationManagerAssigned):
            managers.append(before.manager)
        found += [_person(m, "escalation manager") for m in managers if m is not None]
    if routing.team.includes(name):
        members = list(after.team)
        if isinstance(event, EscalationTeamAssigned):
            members += [m for m in before.team if m not in after.team]
        found += [_person(m, f"team ({m.role})") for m in members]
    if routing.provider_contacts.includes(name):
        found += [_contact(routing.chat, c, "provider contact") for c in after.provider]
    if routing.customer_contacts.includes(name):
        found += [_contact(routing.chat, c, CUSTOMER_CONTACT) for c in after.customer_contacts]
    for level, listed in sorted(routing.management.items()):
        if after.level >= level and listed.hears.includes(name):
            role = f"level {level} management"
            found += [_contact(routing.chat, c, role) for c in listed.people]
    return list(_unique([*found, *_operations_log(routing, name)]))


def _operations_log(routing: Routing, name: str) -> list[Target]:
    if not routing.operations_log.includes(name):
        return []
    return [Target(LOG, OPERATIONS_LOG, "operations log", "operations log")]


def _person(person: Person, role: str) -> Target:
    return Target(EMAIL, person.email.lower(), person.name, role)


def _contact(chat: ChatRouting, contact: Contact | Member, role: str) -> Target:
    if contact.channel == "chat" and contact.address:
        return Target(chat.kind_of(contact.address), contact.address, contact.name, role)
    if contact.channel == "webhook" and contact.address:
        return Target(WEBHOOK, contact.address, contact.name, role)
    # A chat or webhook contact without an address falls back to their email.
    return Target(EMAIL, (contact.email or "").lower(), contact.name, role)


def _unique(targets: Iterable[Target]) -> Iterator[Target]:
    """The first reason wins: someone who is both manager and contact hears once."""
    seen: set[tuple[str, str]] = set()
    for target in targets:
        key = (target.channel, target.recipient)
        if key not in seen:
            seen.add(key)
            yield target
