"""What every monitor route runs with, as the `Context` dependency: the one place
that reads the service's objects from the app (`app.state.monitor`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ec_monitor.timers import TimerBook


@dataclass(frozen=True)
class MonitorContext:
    timers: TimerBook


async def context_of(request: Request) -> MonitorContext:
    context: MonitorContext = request.app.state.monitor
    return context


Context = Annotated[MonitorContext, Depends(context_of)]
