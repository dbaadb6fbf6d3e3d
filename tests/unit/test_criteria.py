"""The shipped escalation criteria."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ec_escalation.domain.criteria import default_rules
from ec_events.incidents import IncidentReported
from harness.factories import incident_body


def incident(**overrides: Any) -> IncidentReported:
    return IncidentReported.model_validate(
        {**incident_body(**overrides), "incident_id": uuid.uuid4()}
    )


def customer(tier: str) -> dict[str, str]:
    return {"id": "c", "name": "C", "tier": tier}


@pytest.mark.parametrize(
    ("overrides", "fired"),
    [
        ({"priority": "P1", "customer": customer("bronze")}, ("p1",)),
        ({"priority": "P2", "customer": customer("gold")}, ("p2-key-customer",)),
        ({"priority": "P2", "customer": customer("strategic")}, ("p2-key-customer",)),
        ({"priority": "P2", "customer": customer("silver")}, ()),
        ({"priority": "P3", "customer": customer("bronze")}, ()),
        ({"priority": "P5", "customer": customer("silver")}, ()),
        (
            {"priority": "P4", "customer": customer("bronze"), "sla_breached": True},
            ("sla-breached",),
        ),
        ({"priority": "P3", "customer": customer("silver"), "reopen_count": 2}, ("reopened",)),
        ({"priority": "P3", "customer": customer("silver"), "reopen_count": 1}, ()),
        (
            {
                "priority": "P4",
                "customer": customer("bronze"),
                "customer_escalation_requested": True,
            },
            ("customer-request",),
        ),
    ],
)
def test_default_rules(overrides: dict[str, Any], fired: tuple[str, ...]) -> None:
    assert default_rules().fired_by(incident(**overrides)) == fired


@pytest.mark.parametrize(
    ("overrides", "fired"),
    [
        ({"priority": "P1", "customer": customer("gold")}, ("p1",)),
        ({"priority": "P2", "customer": customer("gold")}, ()),
        ({"priority": "P2", "customer": customer("strategic")}, ()),
        ({"priority": "P4", "customer": customer("gold"), "sla_breached": True}, ("sla-breached",)),
    ],
)
def test_a_stand_in_customers_tier_fires_no_rule_but_everything_else_still_does(
    overrides: dict[str, Any], fired: tuple[str, ...]
) -> None:
    stand_in = incident(**overrides, customer_resolved=False)
    assert default_rules().fired_by(stand_in) == fired
