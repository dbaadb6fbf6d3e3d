"""Escalation criteria: which incidents start an escalation. The rules are
data (a YAML file), so operators change them in configuration, not code.

A rule fires when every condition it names holds; an incident escalates when
any rule fires. Evaluation is pure: the caller supplies how many incidents the
same customer had on the same service recently."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

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
        return not self.unmet(incident, recent)

    def unmet(self, incident: IncidentFacts, recent: RecentCounts) -> tuple[str, ...]:
        """Each condition that does not hold, in words; none when the rule fires.

        A stand-in customer (`customer_resolved` false) is nobody's: its tier
        counts for no tier condition, and it counts for no repeat window."""
        w = self.when
        stand_in = not incident.customer_resolved
        tier = incident.customer.tier.lower()
        unmet: list[str] = []
        if w.priority and incident.priority not in w.priority:
            unmet.append(f"priority is {incident.priority}, not {' or '.join(w.priority)}")
        if w.tier and stand_in:
            unmet.append("tier: the customer is a stand-in (not resolved)")
        elif w.tier and tier not in {t.lower() for t in w.tier}:
            unmet.append(f"tier is {incident.customer.tier}, not {' or '.join(w.tier)}")
        if w.sla_breached is not None and incident.sla_breached != w.sla_breached:
            unmet.append("the SLA is not breached" if w.sla_breached else "the SLA is breached")
        if w.min_reopen_count is not None and incident.reopen_count < w.min_reopen_count:
            unmet.append(f"reopened {incident.reopen_count} times, fewer than {w.min_reopen_count}")
        if w.customer_request is not None and (
            incident.customer_escalation_requested != w.customer_request
        ):
            unmet.append(f"customer_escalation_requested is not {str(w.customer_request).lower()}")
        if w.repeated is not None:
            unmet.extend(_repeat_unmet(w.repeated, recent, stand_in=stand_in))
        return tuple(unmet)


def _repeat_unmet(repeated: Repeated, recent: RecentCounts, *, stand_in: bool) -> list[str]:
    if stand_in:
        return ["repeated: the customer is a stand-in (not resolved), counted in no window"]
    count = recent.get(repeated.within, 1)
    if count >= repeated.count:
        return []
    window = TypeAdapter(timedelta).dump_python(repeated.within, mode="json")
    return [
        f"{count} incident(s) of this customer on this service within {window}, "
        f"fewer than {repeated.count}"
    ]


@dataclass(frozen=True)
class RuleCheck:
    """One rule, judged against one incident."""

    id: str
    description: str
    unmet: tuple[str, ...]

    @property
    def matched(self) -> bool:
        return not self.unmet


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

    def check(
        self, incident: IncidentFacts, recent: RecentCounts | None = None
    ) -> tuple[RuleCheck, ...]:
        """Every rule, and for each the conditions this incident did not meet."""
        return tuple(
            RuleCheck(rule.id, rule.description, rule.unmet(incident, recent or {}))
            for rule in self.rules
        )

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
    text = resources.files("ec_escalation.domain").joinpath(DEFAULT_FILE).read_text()
    return parse_rules(text, source="built-in defaults")


def load_rules(path: str | None) -> RuleSet:
    if not path:
        return default_rules()
    return parse_rules(Path(path).read_text(), source=path)
