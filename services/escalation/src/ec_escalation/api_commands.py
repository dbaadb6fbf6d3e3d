"""Commands over HTTP: one route per row of the contract's command table, each
accepting If-Match (checked before the state's rules)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from ec_escalation import commands as c
from ec_escalation.api import EscalationContext, context_of, problem_for
from ec_escalation.errors import DomainError, NotAllowed
from ec_escalation.store import Recorded
from ec_escalation.views import escalation_view
from ec_events.base import (
    AwareDatetime,
    Contact,
    Customer,
    Name,
    Person,
    PlanAction,
    Priority,
    TeamMember,
    Text,
)
from ec_events.escalations import CustomerAgreement, ProblemManagementInput, RecordKind
from ec_platform.auth import Operator, Principal
from ec_platform.eventlog import VersionConflict
from ec_platform.problems import ProblemError


class Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StartBody(Body):
    incident_ids: list[UUID] = Field(default_factory=list, max_length=100)
    reason: Text
    title: Text | None = None
    priority: Priority | None = None
    customer: Customer | None = None
    service: Name | None = None


class ManagerBody(Body):
    manager: Person


class LinkBody(Body):
    kind: RecordKind
    ref: Name


class TeamBody(Body):
    members: list[TeamMember] = Field(min_length=1, max_length=200)


class ContactsBody(Body):
    provider: list[Contact] = Field(default_factory=list, max_length=200)
    customer: list[Contact] = Field(default_factory=list, max_length=200)


class AssessmentBody(Body):
    summary: Text
    impact: Text
    risk: Text
    affected_services: list[Name] = Field(default_factory=list)
    affected_customers: list[Name] = Field(default_factory=list)
    known: Text | None = None
    unknown: Text | None = None


class PlanBody(Body):
    actions: list[PlanAction] = Field(min_length=1, max_length=500)
    resources: list[Text] = Field(default_factory=list)
    customer_agreed: bool
    reason: Text
    review_by: AwareDatetime


class LevelBody(Body):
    level: int = Field(ge=2, le=99)
    reason: Text


class ProgressBody(Body):
    note: Text
    next_update_due: AwareDatetime


class ResolutionBody(Body):
    customer_confirmed: bool
    monitoring_period: timedelta = Field(description="ISO 8601 duration, e.g. PT72H or P3D")


class RecurrenceBody(Body):
    note: Text


class ClosureBody(Body):
    customer_agreement: CustomerAgreement


class ReviewBody(Body):
    findings: Text
    problem_management_inputs: list[ProblemManagementInput] = Field(default_factory=list)


def parse_if_match(value: str | None) -> int | None:
    if value is None or value.strip() == "*":
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise ProblemError(
            400, "Bad Request", 'If-Match must name a version, as the ETag gave it ("3")'
        )
    return int(text)


IfMatch = Annotated[str | None, Header(description='the version you read, as its ETag: "3"')]


async def run(
    context: EscalationContext,
    escalation_id: UUID,
    command: c.Command,
    *,
    caller: Principal,
    if_match: str | None,
) -> JSONResponse:
    try:
        recorded = await context.escalations.execute(
            escalation_id,
            command,
            actor=(caller.role, caller.name),
            if_match=parse_if_match(if_match),
        )
    except (DomainError, VersionConflict) as error:
        raise problem_for(error) from None
    return answer(recorded)


def answer(recorded: Recorded, *, status_code: int = 200) -> JSONResponse:
    headers = {"ETag": f'"{recorded.state.version}"'}
    if status_code == 201:
        headers["Location"] = f"/v1/escalations/{recorded.state.id}"
    return JSONResponse(escalation_view(recorded.state), status_code=status_code, headers=headers)


def _command_route(
    router: APIRouter,
    method: str,
    suffix: str,
    body_model: type[Body],
    to_command: Callable[[Any], c.Command],
    summary: str,
) -> None:
    async def endpoint(
        request: Request,
        escalation_id: UUID,
        body: Body,
        caller: Operator,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        return await run(
            context_of(request), escalation_id, to_command(body), caller=caller, if_match=if_match
        )

    # FastAPI reads the body's schema from the annotation: name this route's model.
    endpoint.__annotations__["body"] = body_model

    router.add_api_route(
        f"/v1/escalations/{{escalation_id}}/{suffix}",
        endpoint,
        methods=[method],
        summary=summary,
        response_class=JSONResponse,
        name=suffix,
    )


def build_router() -> APIRouter:
    router = APIRouter(tags=["escalation commands"])

    @router.post("/v1/escalations", status_code=201, summary="Start an escalation by hand")
    async def start(request: Request, body: StartBody, caller: Operator) -> JSONResponse:
        context = context_of(request)
        try:
            command = await _manual_start(context, body)
            recorded = await context.escalations.start(command, actor=(caller.role, caller.name))
        except (DomainError, VersionConflict) as error:
            raise problem_for(error) from None
        return answer(recorded, status_code=201)

    for method, suffix, model, to_command, summary in (
        ("PUT", "manager", ManagerBody, lambda b: c.AssignManager(b.manager), "Assign the manager"),
        ("POST", "links", LinkBody, lambda b: c.LinkRecord(b.kind, b.ref), "Link an ITSM record"),
        ("PUT", "team", TeamBody, lambda b: c.AssignTeam(tuple(b.members)), "Appoint the team"),
        (
            "PUT",
            "contacts",
            ContactsBody,
            lambda b: c.SetContacts(tuple(b.provider), tuple(b.customer)),
            "Set the communication contacts",
        ),
        (
            "POST",
            "assessment",
            AssessmentBody,
            lambda b: c.AssessSituation(
                b.summary,
                b.impact,
                b.risk,
                tuple(b.affected_services),
                tuple(b.affected_customers),
                b.known,
                b.unknown,
            ),
            "Record the assessment",
        ),
        (
            "PUT",
            "plan",
            PlanBody,
            lambda b: c.RevisePlan(
                tuple(b.actions), b.customer_agreed, b.reason, b.review_by, tuple(b.resources)
            ),
            "Revise the action plan (each version is kept)",
        ),
        ("POST", "level", LevelBody, lambda b: c.RaiseLevel(b.level, b.reason), "Raise the level"),
        (
            "POST",
            "progress",
            ProgressBody,
            lambda b: c.ReportProgress(b.note, b.next_update_due),
            "Report progress",
        ),
        (
            "POST",
            "resolution",
            ResolutionBody,
            lambda b: c.Resolve(b.customer_confirmed, b.monitoring_period),
            "Resolved with the customer: start monitoring",
        ),
        (
            "POST",
            "recurrence",
            RecurrenceBody,
            lambda b: c.ReportRecurrence(b.note),
            "The problem came back during monitoring",
        ),
        (
            "POST",
            "closure",
            ClosureBody,
            lambda b: c.Close(b.customer_agreement),
            "Close, with the customer's agreement",
        ),
        (
            "POST",
            "review",
            ReviewBody,
            lambda b: c.Review(b.findings, tuple(b.problem_management_inputs)),
            "Record the post-escalation review",
        ),
    ):
        _command_route(router, method, suffix, model, to_command, summary)
    return router


async def _manual_start(context: EscalationContext, body: StartBody) -> c.StartEscalation:
    """Fills what the body leaves out from the incidents the service has heard of."""
    store = context.escalations.store
    incidents, links = store.tables.incidents, store.tables.incident_links
    facts: dict[str, Any] = {}
    async with store.db.read() as conn:
        if body.incident_ids:
            taken = (
                await conn.execute(
                    select(links.c.incident_id, links.c.escalation_id).where(
                        links.c.incident_id.in_(body.incident_ids), links.c.open
                    )
                )
            ).first()
            if taken is not None:
                raise NotAllowed(
                    f"incident {taken.incident_id} already has an open escalation "
                    f"{taken.escalation_id}"
                )
            row = (
                await conn.execute(
                    select(incidents.c.facts).where(incidents.c.incident_id == body.incident_ids[0])
                )
            ).first()
            facts = dict(row.facts) if row else {}
    customer = body.customer or (
        Customer.model_validate(facts["customer"]) if "customer" in facts else None
    )
    return c.StartEscalation(
        trigger="manual",
        reason=body.reason,
        title=body.title or facts.get("title") or body.reason,
        incident_ids=tuple(dict.fromkeys(body.incident_ids)),
        priority=body.priority or facts.get("priority"),
        customer=customer,
        service=body.service or facts.get("service"),
    )
