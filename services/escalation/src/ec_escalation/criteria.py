"""Escalation criteria: which incidents start an escalation. Pure; the rules
are data, so operators change them in configuration rather than code."""

from __future__ import annotations

from dataclasses import dataclass

from ec_events.incidents import IncidentFacts


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    priorities: frozenset[str] = frozenset()
    tiers: frozenset[str] = frozenset()
    sla_breached: bool | None = None
    min_reopen_count: int | None = None
    customer_request: bool | None = None

    def matches(self, incident: IncidentFacts) -> bool:
        checks = (
            not self.priorities or incident.priority in self.priorities,
            not self.tiers or incident.customer.tier.lower() in self.tiers,
            self.sla_breached is None or incident.sla_breached == self.sla_breached,
            self.min_reopen_count is None or incident.reopen_count >= self.min_reopen_count,
            self.customer_request is None
            or incident.customer_escalation_requested == self.customer_request,
        )
        return all(checks)


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: tuple[Rule, ...]

    def fired_by(self, incident: IncidentFacts) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.rules if rule.matches(incident))


def default_rules() -> RuleSet:
    return RuleSet(
        version="default-1",
        rules=(
            Rule("p1", "every P1 incident", priorities=frozenset({"P1"})),
            Rule(
                "p2-key-customer",
                "a P2 incident of a gold or strategic customer",
                priorities=frozenset({"P2"}),
                tiers=frozenset({"gold", "strategic"}),
            ),
            Rule("sla-breached", "the SLA is breached", sla_breached=True),
            Rule("reopened", "reopened twice or more", min_reopen_count=2),
            Rule("customer-request", "the customer asked to escalate", customer_request=True),
        ),
    )
