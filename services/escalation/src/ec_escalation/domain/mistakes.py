"""Mistakes put right, without rewriting anything: an escalation started by
mistake is withdrawn, wrong details are corrected. Pure, like decide."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ec_escalation.domain import commands as c
from ec_escalation.domain.errors import InvalidCommand, NotAllowed, require
from ec_escalation.domain.state import OPEN_STATUSES, Escalation
from ec_events import escalations as e
from ec_events.base import Customer, Event

# Wrong details are corrected until the review, which is handed to the customer.
CORRECTABLE = OPEN_STATUSES | {"closed"}


def withdraw(s: Escalation, cmd: c.Withdraw, now: datetime) -> list[Event]:
    require(
        s.status,
        frozenset({"active"}),
        "withdraw",
        "only an active escalation is withdrawn, before any monitoring",
    )
    if s.monitoring_round > 0:
        # Resolved with the customer once: it was real, not started by mistake.
        raise NotAllowed(
            "cannot withdraw: the escalation was resolved with the customer before "
            f"(monitoring round {s.monitoring_round}); only an escalation started by mistake, "
            "before any monitoring, is withdrawn"
        )
    return [e.EscalationWithdrawn(escalation_id=s.id, reason=cmd.reason)]


def correct(s: Escalation, cmd: c.CorrectDetails, now: datetime) -> list[Event]:
    require(
        s.status, CORRECTABLE, "correct the details", "details can be corrected until the review"
    )
    given = {
        "title": cmd.title,
        "priority": cmd.priority,
        "customer": cmd.customer,
        "service": cmd.service,
    }
    if all(value is None for value in given.values()):
        raise InvalidCommand(
            "title: name at least one of title, priority, customer, service to correct"
        )
    changed = {
        name: (getattr(s, name), new)
        for name, new in given.items()
        if new is not None and new != getattr(s, name)
    }
    if not changed:
        raise InvalidCommand(
            *(
                f"{name}: is already {_spoken(new)}; nothing would change"
                for name, new in given.items()
                if new is not None
            )
        )
    kinds: dict[str, Any] = {
        "title": e.TitleCorrection,
        "priority": e.PriorityCorrection,
        "customer": e.CustomerCorrection,
        "service": e.ServiceCorrection,
    }
    corrections = {name: kinds[name](old=old, new=new) for name, (old, new) in changed.items()}
    return [e.EscalationDetailsCorrected(escalation_id=s.id, reason=cmd.reason, **corrections)]


def _spoken(value: object) -> str:
    return value.id if isinstance(value, Customer) else repr(value)
