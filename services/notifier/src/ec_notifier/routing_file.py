"""Reading the routing file (YAML): who hears which events. A bad file stops the
service at start-up with the reason, rather than silently telling no one."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ec_notifier.domain.routing import (
    ESCALATION_EVENTS,
    ChatRouting,
    Hears,
    ManagementList,
    Member,
    Routing,
)
from ec_platform.outbound.policy import OutboundPolicy, OutboundRefused


class RoutingFileError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _event_names(value: Any) -> Any:
    if value == "all" or value is None:
        return None
    if isinstance(value, str):
        value = [value]
    unknown = sorted(set(value) - ESCALATION_EVENTS)
    if unknown:
        raise ValueError(f"unknown escalation events: {', '.join(unknown)}")
    return value


class _Hears(_Strict):
    events: list[str] | None = None

    _names = field_validator("events", mode="before")(_event_names)

    def build(self) -> Hears:
        return Hears(None if self.events is None else frozenset(self.events))


class _Member(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)] | None = None
    channel: Literal["email", "chat", "webhook"] = "email"
    address: Annotated[str, Field(pattern=r"^https?://", max_length=2000)] | None = None

    @model_validator(mode="after")
    def _reachable(self) -> _Member:
        if self.channel == "email" and not self.email:
            raise ValueError(f"{self.name}: an email member needs `email`")
        if self.channel != "email" and not self.address:
            raise ValueError(f"{self.name}: a {self.channel} member needs an http(s) `address`")
        return self


class _Level(_Hears):
    people: list[_Member] = []


class _Audiences(_Strict):
    """An audience left out keeps its default (see routing.Routing)."""

    manager: _Hears | None = None
    team: _Hears | None = None
    provider_contacts: _Hears | None = None
    customer_contacts: _Hears | None = None
    operations_log: _Hears | None = None

    def build(self) -> dict[str, Hears]:
        return {
            name: hears.build()
            for name, hears in (
                ("manager", self.manager),
                ("team", self.team),
                ("provider_contacts", self.provider_contacts),
                ("customer_contacts", self.customer_contacts),
                ("operations_log", self.operations_log),
            )
            if hears is not None
        }


class _Chat(_Strict):
    default: Literal["slack", "teams"] = "slack"
    hosts: dict[str, Literal["slack", "teams"]] = {}


class _RoutingFile(_Strict):
    version: str | int | None = None
    audiences: _Audiences = _Audiences()
    management: dict[Annotated[int, Field(ge=1)], _Level] = {}
    chat: _Chat = _Chat()


def parse_routing(text: str, *, origin: str = "routing file") -> Routing:
    try:
        parsed = _RoutingFile.model_validate(yaml.safe_load(text) or {})
    except (yaml.YAMLError, ValidationError) as error:
        raise RoutingFileError(f"{origin} is not valid: {error}") from None
    return Routing(
        **parsed.audiences.build(),
        management={
            level: ManagementList(
                people=tuple(Member(**p.model_dump()) for p in listed.people),
                hears=listed.build(),
            )
            for level, listed in parsed.management.items()
        },
        chat=ChatRouting(
            default=parsed.chat.default, hosts={k.lower(): v for k, v in parsed.chat.hosts.items()}
        ),
    )


def default_routing_text() -> str:
    return resources.files("ec_notifier").joinpath("default_routing.yaml").read_text()


def load_routing(path: str | None, policy: OutboundPolicy | None = None) -> Routing:
    """The routing file at `path`, or the shipped defaults; with `policy`, an
    address it can never send to (a wrong scheme, a refused literal address)
    stops the start, naming the member."""
    if not path:
        return parse_routing(default_routing_text(), origin="the default routing")
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise RoutingFileError(f"cannot read the routing file {path}: {error}") from None
    routing = parse_routing(text, origin=path)
    if policy is not None:
        check_addresses(routing, policy, origin=path)
    return routing


def check_addresses(routing: Routing, policy: OutboundPolicy, *, origin: str) -> None:
    # Names are checked at each send (they may resolve differently then).
    for level, listed in routing.management.items():
        for index, member in enumerate(listed.people):
            if member.address is None:
                continue
            try:
                policy.check_url(member.address)
            except OutboundRefused as error:
                field = f"management.{level}.people.{index}.address"
                raise RoutingFileError(f"{origin} is not valid: {field}: {error}") from None
