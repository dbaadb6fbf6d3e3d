"""What every intake route runs with, as the `Context` dependency: the one place
that reads the service's objects from the app (`app.state.intake`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from prometheus_client import Counter

from ec_intake.settings import IntakeSettings
from ec_intake.store import IncidentStore, Recorder
from ec_intake.webhooks import SourceConfig
from ec_platform.bus.relay import Relay
from ec_platform.clock import Clock


@dataclass(frozen=True)
class IntakeContext:
    settings: IntakeSettings
    store: IncidentStore
    recorder: Recorder
    relay: Relay
    clock: Clock
    sources: dict[str, SourceConfig]
    rejected: Counter
    ignored: Counter
    unresolved: Counter
    stale: Counter


async def context_of(request: Request) -> IntakeContext:
    context: IntakeContext = request.app.state.intake
    return context


Context = Annotated[IntakeContext, Depends(context_of)]
