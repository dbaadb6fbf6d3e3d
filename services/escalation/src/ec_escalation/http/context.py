"""What every escalation route runs with: the service's objects (as an
`Annotated` dependency), and how the domain's refusals answer over HTTP.
Route modules import this one, never each other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from ec_escalation.domain.criteria import RuleSet
from ec_escalation.domain.errors import (
    DomainError,
    InvalidCommand,
    NotAllowed,
    NotFound,
    StaleVersion,
)
from ec_escalation.use_cases.escalations import Escalations
from ec_platform.http.problems import ProblemError
from ec_platform.outbound.policy import OutboundPolicy
from ec_platform.outbound.transport import Resolver, system_resolver
from ec_platform.storage.eventlog import VersionConflict


@dataclass(frozen=True)
class CustomerPages:
    """How customers' links and pages behave (from the settings), and where
    refused links are counted."""

    lifetime_after_end: timedelta = timedelta(days=30)
    show_names: bool = False
    refused: Callable[[], None] = lambda: None
    # Requests per client address and per link: None when one may go on,
    # else the seconds to wait.
    admit: Callable[[str, str], int | None] = lambda address, link: None


@dataclass(frozen=True)
class EscalationContext:
    escalations: Escalations
    rules: RuleSet
    customers: CustomerPages = CustomerPages()
    # Where contacts' chat and webhook addresses may point (http/outbound.py).
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)
    resolver: Resolver = system_resolver


async def context_of(request: Request) -> EscalationContext:
    context: EscalationContext = request.app.state.escalation
    return context


Context = Annotated[EscalationContext, Depends(context_of)]


def problem_for(error: DomainError | VersionConflict) -> ProblemError:
    if isinstance(error, StaleVersion):
        return ProblemError(
            412,
            "Precondition Failed",
            str(error),
            type="/problems/stale-version",
            current_version=error.actual,
        )
    if isinstance(error, NotFound):
        return ProblemError(404, "Not Found", str(error))
    if isinstance(error, InvalidCommand):
        named = [problem.partition(": ") for problem in error.problems]
        return ProblemError(
            422,
            "Invalid input",
            str(error),
            type="/problems/invalid-input",
            errors=[{"field": field, "message": message} for field, _, message in named],
        )
    if isinstance(error, NotAllowed):
        return ProblemError(409, "Conflict", str(error), type="/problems/not-allowed")
    return ProblemError(
        409,
        "Conflict",
        "the escalation changed concurrently; try again",
        type="/problems/concurrent-change",
    )


def not_found(detail: str) -> ProblemError:
    return ProblemError(404, "Not Found", detail)
