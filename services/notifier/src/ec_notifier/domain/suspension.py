"""When a subscription is suspended: every one of its deliveries has failed
for longer than the notifier waits, so its receiver is taken to be gone and
nothing more is attempted until an admin resumes it. Pure: no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

SubscriptionStatus = Literal["active", "suspended"]
ACTIVE: SubscriptionStatus = "active"
SUSPENDED: SubscriptionStatus = "suspended"
# Deliveries kept back from a suspended subscription, sent again on resuming.
HELD = "held"
PENDING = "pending"


class NotSuspended(Exception):
    """Only a suspended subscription can be resumed."""


@dataclass(frozen=True)
class Standing:
    """A subscription's health as stored: since when every attempt has failed
    (None: the last one was delivered, or none was made since it was created
    or resumed), and whether it was suspended for it."""

    failing_since: datetime | None = None
    suspended_at: datetime | None = None
    suspended_reason: str | None = None

    @property
    def status(self) -> SubscriptionStatus:
        return SUSPENDED if self.suspended_at is not None else ACTIVE


@dataclass(frozen=True)
class Attempts:
    """What one batch of recorded outcomes says of one subscription's receiver."""

    delivered: bool
    last_error: str | None


def attempts_by_subscription(
    outcomes: Iterable[tuple[uuid.UUID | None, bool, str | None]],
) -> dict[uuid.UUID, Attempts]:
    """(subscription id, delivered, error) per outcome, in the order they
    ended, folded per subscription: one delivery getting through in the batch
    is enough to show its receiver is there."""
    folded: dict[uuid.UUID, Attempts] = {}
    for subscription_id, delivered, error in outcomes:
        if subscription_id is None:
            continue
        seen = folded.get(subscription_id, Attempts(delivered=False, last_error=None))
        folded[subscription_id] = Attempts(
            delivered=seen.delivered or delivered,
            last_error=seen.last_error if delivered else (error or "failed"),
        )
    return folded


def after_attempts(
    standing: Standing, attempts: Attempts, *, now: datetime, suspend_after: timedelta
) -> Standing:
    """The standing once these attempts are recorded. A suspended
    subscription stays suspended (an attempt that was already under way when
    it was suspended changes nothing): only resuming ends it."""
    if standing.suspended_at is not None:
        return standing
    if attempts.delivered:
        return replace(standing, failing_since=None)
    failing_since = standing.failing_since or now
    if now - failing_since < suspend_after:
        return replace(standing, failing_since=failing_since)
    return Standing(
        failing_since=failing_since,
        suspended_at=now,
        suspended_reason=suspension_reason(failing_since, attempts.last_error),
    )


def suspension_reason(failing_since: datetime, last_error: str | None) -> str:
    return (
        f"every delivery failed since {failing_since.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC; "
        f"last error: {last_error or 'failed'}"
    )[:2000]


def newly_suspended(before: Standing, after: Standing) -> bool:
    return before.suspended_at is None and after.suspended_at is not None


def resumed(standing: Standing) -> Standing:
    """Active again, its run of failures forgotten: the receiver gets a whole
    new `suspend_after` from its next failure."""
    if standing.suspended_at is None:
        raise NotSuspended("the subscription is active: nothing is held back to resume")
    return Standing()
