"""Commands over HTTP: one route per row of the contract's command table, each
accepting If-Match (checked before the state's rules)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from ec_escalation.domain.errors import DomainError
from ec_escalation.domain.state import Escalation
from ec_escalation.http import bodies as b
from ec_escalation.http.context import Context, EscalationContext, problem_for
from ec_escalation.http.outbound import check_contact_addresses
from ec_escalation.http.schemas import EscalationView
from ec_escalation.http.views import escalation_view
from ec_escalation.use_cases import commands
from ec_platform.http.auth import Operator, Principal
from ec_platform.http.openapi import problems
from ec_platform.http.problems import ProblemError
from ec_platform.inputs import parse_count
from ec_platform.storage.eventlog import VersionConflict

IfMatch = Annotated[str | None, Header(description='the version you read, as its ETag: "3"')]

# (method, path suffix, body, summary): the contract's command table.
COMMANDS: tuple[tuple[str, str, type[b.CommandBody], str], ...] = (
    ("PUT", "manager", b.ManagerBody, "Assign the manager"),
    (
        "POST",
        "links",
        b.LinkBody,
        "Link an ITSM record (until the review; a problem record also after it)",
    ),
    ("PUT", "team", b.TeamBody, "Appoint the team"),
    ("PUT", "contacts", b.ContactsBody, "Set the communication contacts"),
    ("POST", "assessment", b.AssessmentBody, "Record the assessment"),
    ("PUT", "plan", b.PlanBody, "Revise the action plan (each version is kept)"),
    ("POST", "level", b.LevelBody, "Raise the level"),
    ("POST", "progress", b.ProgressBody, "Report progress"),
    ("POST", "resolution", b.ResolutionBody, "Resolved with the customer: start monitoring"),
    ("POST", "recurrence", b.RecurrenceBody, "The problem came back during monitoring"),
    ("POST", "closure", b.ClosureBody, "Close, with the customer's agreement"),
    ("POST", "review", b.ReviewBody, "Record the post-escalation review"),
    ("POST", "withdrawal", b.WithdrawalBody, "Withdraw an escalation started by mistake"),
    (
        "POST",
        "corrections",
        b.CorrectionBody,
        "Correct the title, priority, customer or service (until the review)",
    ),
)


def parse_if_match(value: str | None) -> int | None:
    if value is None or value.strip() == "*":
        return None
    version = parse_count(value.strip().removeprefix("W/").strip('"'))
    if version is None:
        raise ProblemError(
            400, "Bad Request", 'If-Match must name a version, as the ETag gave it ("3")'
        )
    return version


async def run(
    context: EscalationContext,
    escalation_id: UUID,
    body: b.CommandBody,
    *,
    caller: Principal,
    if_match: str | None,
) -> JSONResponse:
    await check_contact_addresses(context, body)
    try:
        recorded = await commands.run(
            context.escalations,
            escalation_id,
            body.command(),
            actor=(caller.role, caller.name),
            if_match=parse_if_match(if_match),
        )
    except (DomainError, VersionConflict) as error:
        raise problem_for(error) from None
    return answer(recorded.state)


def answer(state: Escalation, *, status_code: int = 200) -> JSONResponse:
    headers = {"ETag": f'"{state.version}"'}
    if status_code == 201:
        headers["Location"] = f"/v1/escalations/{state.id}"
    return JSONResponse(escalation_view(state), status_code=status_code, headers=headers)


# Routes whose use needs more than their summary.
DESCRIPTIONS = {
    "links": (
        "Links an ITSM record (`incident`, `problem` or `change`) to the escalation. Records "
        "are linked until the review; a `problem` record is also linked after it, because "
        "the review's `open_problem` inputs are what produce problem records (the notifier "
        "links each one it creates on a platform). `platform_record` names the record as its "
        "platform's API addresses it (ServiceNow `sys_id` and number, Jira issue key); for an "
        "incident linked by its Escalation Center id, the service fills in the record it "
        "knows. Linking the same kind and `ref` again records nothing and answers 200 with "
        "the escalation unchanged (same version). Refused with 409 while the state does not "
        "allow it: an incident or change after the review, anything once withdrawn."
    ),
}
REFUSED_BY_THE_RULES = (
    "the escalation's state does not allow the command (the detail says why), "
    "or it changed concurrently"
)


def _command_route(
    router: APIRouter, method: str, suffix: str, body_model: type[b.CommandBody], summary: str
) -> None:
    async def endpoint(
        escalation_id: UUID,
        body: b.CommandBody,
        context: Context,
        caller: Operator,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        return await run(context, escalation_id, body, caller=caller, if_match=if_match)

    # FastAPI reads the body's schema from the annotation: name this route's model.
    endpoint.__annotations__["body"] = body_model

    router.add_api_route(
        f"/v1/escalations/{{escalation_id}}/{suffix}",
        endpoint,
        methods=[method],
        summary=summary,
        description=DESCRIPTIONS.get(suffix, ""),
        response_model=EscalationView,
        response_class=JSONResponse,
        responses=problems(409, why={409: REFUSED_BY_THE_RULES}),
        name=suffix,
    )


def build_router() -> APIRouter:
    router = APIRouter(tags=["escalation commands"])

    @router.post(
        "/v1/escalations",
        status_code=201,
        summary="Start an escalation by hand",
        response_model=EscalationView,
        responses=problems(409, why={409: "an incident named already has an open escalation"}),
    )
    async def start(body: b.StartBody, context: Context, caller: Operator) -> JSONResponse:
        try:
            recorded = await commands.start_by_hand(
                context.escalations, body.request(), actor=(caller.role, caller.name)
            )
        except (DomainError, VersionConflict) as error:
            raise problem_for(error) from None
        return answer(recorded.state, status_code=201)

    for method, suffix, model, summary in COMMANDS:
        _command_route(router, method, suffix, model, summary)
    return router
