"""Whether a delivery still says something new about its incident.

A platform may deliver again what it delivered before (a retry, a captured
webhook replayed), and deliveries may arrive out of order. Neither may rewrite
the present: a delivery whose platform event id was already taken is ignored,
and so is one that happened before the newest time known of its incident.
Pure: the store gives what it knows, and records what this decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

# A Prometheus label value: a short fixed set.
StaleReason = Literal["duplicate", "older"]


@dataclass(frozen=True)
class Delivery:
    """What a report says of itself: the platform's id of the event (PagerDuty's
    `event.id`), and when the record was as reported (`occurred_at`)."""

    delivery_id: str | None
    occurred_at: datetime | None


@dataclass(frozen=True)
class Known:
    """What is known of an incident: the newest time any taken report gave it,
    and which of the delivery ids asked about were taken."""

    newest_at: datetime | None = None
    taken_ids: frozenset[str] = frozenset()


def stale(known: Known, delivery: Delivery) -> StaleReason | None:
    """Why `delivery` changes nothing, or None when it is taken. An undated
    report cannot be older than anything; one dated as the newest is taken
    (platforms date to the second, and two changes share a second)."""
    if delivery.delivery_id is not None and delivery.delivery_id in known.taken_ids:
        return "duplicate"
    if (
        delivery.occurred_at is not None
        and known.newest_at is not None
        and delivery.occurred_at < known.newest_at
    ):
        return "older"
    return None


def after_taking(known: Known, delivery: Delivery) -> Known:
    """What is known once `delivery` is taken."""
    taken = known.taken_ids
    if delivery.delivery_id is not None:
        taken = taken | {delivery.delivery_id}
    newest = known.newest_at
    if delivery.occurred_at is not None and (newest is None or delivery.occurred_at > newest):
        newest = delivery.occurred_at
    return Known(newest_at=newest, taken_ids=taken)
