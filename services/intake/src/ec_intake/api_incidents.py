"""Reading what came in: the incidents list (newest first) and one incident
with its history, for operators and auditors (the `intake` role only posts)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, select

from ec_events.base import PlatformRecord, Priority
from ec_events.incidents import IncidentFacts
from ec_intake.context import Context
from ec_intake.deliveries import ignored_of
from ec_intake.domain import changes
from ec_intake.store import IncidentStore
from ec_platform.http.auth import Reader
from ec_platform.http.openapi import Timestamp
from ec_platform.http.pagination import Page, Paging, TimeIdKeyset, keyset_page
from ec_platform.http.problems import ProblemError
from ec_platform.inputs import Instant
from ec_platform.storage.eventlog import StoredEvent

Status = Literal["open", "resolved"]


class CustomerView(BaseModel):
    id: str
    name: str
    tier: str


class IncidentView(BaseModel):
    id: UUID = Field(description="stable for its source and external_id")
    source: str
    external_id: str = Field(description="the platform's own id")
    title: str
    priority: Priority
    customer: CustomerView
    customer_resolved: bool = Field(description="false: the customer is the source's stand-in")
    service: str
    status: Status = Field(description="resolved once the platform says resolved or closed")
    reported_status: str = Field(description="the platform's own word (open, in_progress, …)")
    sla_breached: bool
    reopen_count: int
    customer_escalation_requested: bool
    occurred_at: Timestamp | None = Field(description="when it happened, as the platform says")
    received_at: Timestamp = Field(description="when the intake first recorded it")
    updated_at: Timestamp = Field(description="when the intake last recorded a change")
    version: int = Field(description="how many events it has (its last one's version)")
    last_event: str = Field(description="IncidentReported, IncidentUpdated or IncidentResolved")
    platform_record: PlatformRecord | None = Field(
        description="the record on the platform that reported it, as that platform's API "
        "addresses it (ServiceNow sys_id and number, Jira issue key, PagerDuty id and "
        "number): where write-backs go; null for sources without such an API"
    )


class FieldChange(BaseModel):
    field: str
    old: Any
    new: Any


class HistoryEntry(BaseModel):
    event_id: UUID = Field(description="the event's id (ce_id on the incidents topic)")
    type: str = Field(
        description="IncidentReported, IncidentUpdated or IncidentResolved; DeliveryIgnored "
        "for a delivery that changed nothing because it was stale (`data.reason`: duplicate, "
        "older), which is no event and is not published"
    )
    version: int = Field(
        description="its place in the incident's history, from 1 (an ignored delivery: the "
        "version it came after)"
    )
    recorded_at: Timestamp
    actor: dict[str, str] = Field(description="who reported it: role and name")
    changes: list[FieldChange] = Field(
        description="what this report changed (old and new values); empty for the first"
    )
    data: dict[str, Any] = Field(description="the event as published")


class IncidentDetail(IncidentView):
    attributes: dict[str, Any] = Field(description="the platform's extra fields, as last reported")
    history: list[HistoryEntry] = Field(
        description="every event recorded for it, in order, with the deliveries ignored as stale"
    )


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def incident_view(row: dict[str, Any]) -> dict[str, Any]:
    view = {
        name: row[name]
        for name in IncidentView.model_fields
        if name not in ("customer", "occurred_at", "received_at", "updated_at", "platform_record")
    }
    view["id"] = str(row["id"])
    view["customer"] = {
        "id": row["customer_id"],
        "name": row["customer_name"],
        "tier": row["customer_tier"],
    }
    for name in ("occurred_at", "received_at", "updated_at"):
        view[name] = _time(row[name])
    view["platform_record"] = (
        {
            "platform": row["platform"],
            "record_id": row["platform_record_id"],
            "number": row["platform_number"],
        }
        if row["platform"] is not None
        else None
    )
    return view


def history(events: list[StoredEvent]) -> list[dict[str, Any]]:
    entries, before = [], None
    for stored in events:
        facts = stored.event()
        after = facts if isinstance(facts, IncidentFacts) else before
        entries.append(
            {
                "event_id": str(stored.event_id),
                "type": stored.type,
                "version": stored.stream_version,
                "recorded_at": stored.recorded_at.isoformat(),
                "actor": {"role": stored.actor_role, "name": stored.actor_name},
                "changes": [vars(change) for change in (changes(before, after) if after else [])],
                "data": stored.data,
            }
        )
        before = after
    return entries


def with_ignored(
    entries: list[dict[str, Any]], ignored: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The history with each ignored delivery after the event it came after."""
    merged: list[dict[str, Any]] = []
    pending = list(ignored)
    for entry in [{"version": 0}, *entries]:
        if entry["version"]:
            merged.append(entry)
        while pending and pending[0]["version"] <= entry["version"]:
            merged.append(ignored_entry(pending.pop(0)))
    return merged + [ignored_entry(row) for row in pending]


def ignored_entry(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": str(row["id"]),
        "type": "DeliveryIgnored",
        "version": row["version"],
        "recorded_at": row["received_at"].isoformat(),
        "actor": {"role": row["actor_role"], "name": row["actor_name"]},
        "changes": [],
        "data": {
            "reason": row["ignored"],
            "source": row["source"],
            "delivery_id": row["delivery_id"],
            "occurred_at": _time(row["occurred_at"]),
        },
    }


def _filtered(
    store: IncidentStore, filters: dict[str, Any], q: str | None, after: Any, before: Any
) -> Select[Any]:
    table = store.tables.incidents
    query = select(table)
    for name, value in filters.items():
        if value is not None:
            query = query.where(table.c[name] == value)
    if q:
        query = query.where(table.c.title.icontains(q, autoescape=True))
    if after is not None:
        query = query.where(table.c.received_at >= after)
    if before is not None:
        query = query.where(table.c.received_at < before)
    return query


def add_incident_routes(router: APIRouter) -> None:
    @router.get(
        "/v1/incidents",
        summary="The incidents received, newest first (escalated or not)",
        description="Filters combine (all must hold). `received_after` is inclusive, "
        "`received_before` exclusive, so consecutive windows neither overlap nor miss.",
        response_model=Page[IncidentView],
    )
    async def list_incidents(
        context: Context,
        _: Reader,
        paging: Paging,
        source: Annotated[str | None, Query(max_length=100)] = None,
        external_id: Annotated[str | None, Query(max_length=200)] = None,
        customer_id: Annotated[str | None, Query(max_length=200)] = None,
        service: Annotated[str | None, Query(max_length=200)] = None,
        priority: Priority | None = None,
        status: Annotated[
            Status | None, Query(description="open, or resolved (or closed) by the platform")
        ] = None,
        received_after: Annotated[
            Instant | None, Query(description="received at or after (with a zone)")
        ] = None,
        received_before: Annotated[
            Instant | None, Query(description="received before (with a zone)")
        ] = None,
        q: Annotated[
            str | None,
            Query(
                min_length=1,
                max_length=200,
                description="in the title, ignoring case",
            ),
        ] = None,
    ) -> dict[str, Any]:
        store = context.store
        filters = {
            "source": source,
            "external_id": external_id,
            "customer_id": customer_id,
            "service": service,
            "priority": priority,
            "status": status,
        }
        query = _filtered(store, filters, q, received_after, received_before)
        table = store.tables.incidents
        keyset = TimeIdKeyset(
            table.c.received_at, table.c.id, "received_at", "id", newest_first=True
        )
        return await keyset_page(store.db, keyset, query, paging, view=incident_view)

    @router.get(
        "/v1/incidents/{incident_id}",
        summary="One incident as last reported, with its history",
        response_model=IncidentDetail,
    )
    async def get_incident(context: Context, _: Reader, incident_id: UUID) -> dict[str, Any]:
        store = context.store
        table = store.tables.incidents
        async with store.db.read() as conn:
            row = (await conn.execute(select(table).where(table.c.id == incident_id))).first()
            if row is None:
                raise ProblemError(404, "Not Found", f"no incident {incident_id}")
            events = await store.log.read_stream(conn, str(incident_id))
            ignored = await ignored_of(conn, store.tables.deliveries, incident_id)
        return {
            **incident_view(dict(row._mapping)),
            "attributes": events[-1].data.get("attributes", {}) if events else {},
            "history": with_ignored(history(events), ignored),
        }
