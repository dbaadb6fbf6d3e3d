"""Escalation criteria: which incidents start an escalation. The rules are
data (a YAML file), so operators change them in configuration, not code.

A rule fires when every condition it names holds; an incident escalates when
any rule fires. Evaluation is pure: the caller supplies how many incidents the
same customer had on the same service recently."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ec_events.base import Priority
from ec_events.incidents import IncidentFacts

DEFAULT_FILE = "default_criteria.yaml"

# How many incidents (this one included) the customer had on this service
# within each window the rules name.
RecentCounts = Mapping[timedelta, int]


class Repeated(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    count: int = Field(ge=2)
    within: timedelta


class Conditions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    priority: tuple[Priority, ...] = ()
    tier: tuple[str, ...] = ()
    sla_breached: bool | None = None
    min_reopen_count: int | None = Field(default=None, ge=1)
    customer_request: bool | None = None
    repeated: Repeated | None = None


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(min_length=1, max_length=80)
    description: str = ""
    when: Conditions

    def matches(self, incident: IncidentFacts, recent: RecentCounts) -> bool:
        w = self.when
        return all(
            (
                not w.priority or incident.priority in w.priority,
                not w.tier or incident.customer.tier.lower() in {t.lower() for t in w.tier},
                w.sla_breached is None or incident.sla_breached == w.sla_breached,
                w.min_reopen_count is None or incident.reopen_count >= w.min_reopen_count,
                w.customer_request is None
                or incident.customer_escalation_requested == w.customer_request,
                w.repeated is None or recent.get(w.repeated.within, 1) >= w.repeated.count,
            )
        )


class RuleSet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    version: str
    source: str = "built-in defaults"
    rules: tuple[Rule, ...]

    @property
    def windows(self) -> tuple[timedelta, ...]:
        """The repeat windows the rules name, each once."""
        named = (rule.when.repeated.within for rule in self.rules if rule.when.repeated)
        return tuple(dict.fromkeys(named))

    def fired_by(
        self, incident: IncidentFacts, recent: RecentCounts | None = None
    ) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.rules if rule.matches(incident, recent or {}))


class InvalidCriteria(ValueError):
    pass


def parse_rules(text: str, *, source: str) -> RuleSet:
    try:
        document: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidCriteria(f"{source}: not YAML: {error}") from None
    if not isinstance(document, dict):
        raise InvalidCriteria(f"{source}: expected a mapping with `rules`")
    # Without an explicit version, the content names it: any edit is a new version.
    version = document.get("version")
    if version is None:
        version = f"sha256:{hashlib.sha256(text.encode()).hexdigest()[:12]}"
    try:
        rule_set = RuleSet.model_validate(
            {"version": str(version), "source": source, "rules": document.get("rules") or []}
        )
    except ValidationError as error:
        raise InvalidCriteria(f"{source}: {error}") from None
    ids = [rule.id for rule in rule_set.rules]
    if len(ids) != len(set(ids)):
        raise InvalidCriteria(f"{source}: rule ids must be unique")
    unconditional = [rule.id for rule in rule_set.rules if rule.when == Conditions()]
    if unconditional:
        # An empty `when` would escalate every incident: surely a mistake.
        raise InvalidCriteria(f"{source}: rule {unconditional[0]} has no condition")
    return rule_set


def default_rules() -> RuleSet:
    text = resources.files("ec_escalation").joinpath(DEFAULT_FILE).read_text()
    return parse_rules(text, source="built-in defaults")


def load_rules(path: str | None) -> RuleSet:
    if not path:
        return default_rules()
    return parse_rules(Path(path).read_text(), source=path)
