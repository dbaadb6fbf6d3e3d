"""The board's data: the escalations the user may see, filtered, searched and
sorted here (the escalation service filters by one value at a time and does not
search text)."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from ec_console.data.services import Answer, Services
from ec_console.security.sessions import User
from ec_console.views.display import ALL_STATES, OPEN_STATES, is_overdue, next_deadline, parse_time
from ec_platform.inputs import parse_count

# The API's highest level: a filter beyond it would only be refused there.
MAX_LEVEL = 99

SORTS = {
    "deadline": "next deadline",
    "age": "age",
    "level": "level",
    "state": "state",
    "customer": "customer",
    "updated": "last change",
}
FAR = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class BoardQuery:
    state: str = ""
    level: str = ""
    customer: str = ""
    manager: str = ""
    mine: bool = False
    overdue: bool = False
    q: str = ""
    sort: str = "deadline"
    desc: bool = False

    @classmethod
    def from_params(cls, params: dict[str, str]) -> BoardQuery:
        def text(name: str) -> str:
            return params.get(name, "").strip()[:200]

        return cls(
            state=text("state") if text("state") in (*ALL_STATES, "withdrawn", "all") else "",
            level=text("level") if parse_count(text("level"), maximum=MAX_LEVEL) else "",
            customer=text("customer"),
            manager=text("manager"),
            mine=bool(params.get("mine")),
            overdue=bool(params.get("overdue")),
            q=text("q"),
            sort=text("sort") if text("sort") in SORTS else "deadline",
            desc=params.get("dir") == "desc",
        )

    def states(self) -> tuple[str, ...]:
        if self.state == "all":
            return ALL_STATES
        return (self.state,) if self.state else OPEN_STATES


async def fetch_items(
    services: Services, token: str, states: tuple[str, ...], *, incident: UUID | None = None
) -> tuple[list[dict[str, Any]], Answer | None]:
    params: dict[str, str | int] = {"incident_id": str(incident)} if incident else {}
    results = await asyncio.gather(
        *(
            services.all_items(
                "escalation", "/v1/escalations", token=token, params={**params, "state": s}
            )
            for s in states
        )
    )
    items = [item for found, _ in results for item in found]
    failed = next((error for _, error in results if error is not None), None)
    return items, failed


def fingerprint(items: list[dict[str, Any]]) -> str:
    marks = sorted(f"{i['id']}:{i['version']}" for i in items)
    return hashlib.sha256("|".join(marks).encode()).hexdigest()[:24]


def _contains(haystack: Any, needle: str) -> bool:
    return needle in str(haystack or "").lower()


async def escalations_of_numbered_incidents(
    services: Services, token: str, query: BoardQuery
) -> frozenset[str]:
    """A search that is a platform's incident number (INC0012345, OPS-42) finds
    the escalations of the incidents the intake knows by that number."""
    number = query.q.strip()
    if not number or _as_uuid(number):
        return frozenset()
    incidents = await services.get(
        "intake", "/v1/incidents", token=token, params={"external_id": number, "limit": 20}
    )
    if not incidents.ok:
        return frozenset()
    linked = await asyncio.gather(
        *(
            services.get(
                "escalation",
                "/v1/escalations",
                token=token,
                params={"incident_id": incident["id"], "include_withdrawn": "true"},
            )
            for incident in incidents.body.get("items", [])
        )
    )
    return frozenset(
        str(item["id"]) for answer in linked if answer.ok for item in answer.body["items"]
    )


def _matches(
    item: dict[str, Any], query: BoardQuery, user: User, now: datetime, numbered: frozenset[str]
) -> bool:
    if query.level and str(item.get("level")) != query.level:
        return False
    customer = query.customer.lower()
    if customer and not (
        _contains(item.get("customer_name"), customer)
        or _contains(item.get("customer_id"), customer)
    ):
        return False
    manager = query.manager.lower()
    if manager and not (
        _contains(item.get("manager_name"), manager) or _contains(item.get("manager_id"), manager)
    ):
        return False
    if query.mine and user.name not in (item.get("manager_id"), item.get("manager_name")):
        return False
    if query.overdue and not is_overdue(item, now):
        return False
    text = query.q.lower()
    if text and not _as_uuid(query.q):
        fields = ("title", "customer_name", "customer_id", "service", "id")
        return str(item["id"]) in numbered or any(_contains(item.get(f), text) for f in fields)
    return True


def _as_uuid(text: str) -> UUID | None:
    try:
        return UUID(text.strip())
    except ValueError:
        return None


def incident_filter(query: BoardQuery) -> UUID | None:
    """A search that is an incident id asks the service for that incident's escalations."""
    return _as_uuid(query.q) if query.q else None


def _sort_key(sort: str, now: datetime) -> Any:
    order = {s: n for n, s in enumerate(ALL_STATES)}

    def key(item: dict[str, Any]) -> Any:
        if sort == "deadline":
            due = next_deadline(item)
            return (parse_time(due.due) if due else None) or FAR
        if sort == "age":
            return parse_time(item.get("started_at")) or FAR
        if sort == "level":
            return -int(item.get("level") or 0)
        if sort == "state":
            return order.get(str(item.get("state")), 99)
        if sort == "customer":
            return str(item.get("customer_name") or item.get("customer_id") or "").lower()
        return -(parse_time(item.get("updated_at")) or now).timestamp()

    return key


def select(
    items: list[dict[str, Any]],
    query: BoardQuery,
    user: User,
    now: datetime,
    *,
    numbered: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """`numbered`: the escalations whose incident has the searched number."""
    chosen = [i for i in items if _matches(i, query, user, now, numbered)]
    return sorted(chosen, key=_sort_key(query.sort, now), reverse=query.desc)


def counts(items: list[dict[str, Any]]) -> dict[str, int]:
    found = {s: 0 for s in OPEN_STATES}
    for item in items:
        found[str(item.get("state"))] = found.get(str(item.get("state")), 0) + 1
    return found
