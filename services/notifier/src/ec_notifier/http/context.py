"""What every notifier route runs with, as the `Context` dependency: the one
place that reads the service's objects from the app (`app.state.notifier`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from ec_notifier.dispatcher import Dispatcher
from ec_notifier.store.claims import Claims
from ec_notifier.store.subscriptions import Subscriptions
from ec_notifier.store.tables import Tables
from ec_platform.clock import Clock
from ec_platform.outbound.policy import OutboundPolicy
from ec_platform.outbound.transport import Resolver, system_resolver
from ec_platform.storage.database import Database
from ec_platform.tasks import Doorbell


@dataclass(frozen=True)
class NotifierContext:
    db: Database
    tables: Tables
    claims: Claims
    dispatcher: Dispatcher
    subscriptions: Subscriptions
    doorbell: Doorbell
    clock: Clock
    max_body_bytes: int
    # Where subscriptions may point (checked when one is made, and at each send).
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)
    resolver: Resolver = system_resolver


async def context_of(request: Request) -> NotifierContext:
    context: NotifierContext = request.app.state.notifier
    return context


Context = Annotated[NotifierContext, Depends(context_of)]
