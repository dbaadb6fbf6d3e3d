"""Customers' own routes: operators issue and revoke personal links; a
customer, holding only their link's token, reads their page and records their
acts. A link that does not open (unknown, expired, revoked, tampered, or its
contact removed) always gets the same 404, counted in /metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from ec_escalation.domain import commands as c
from ec_escalation.domain import customer_links
from ec_escalation.domain.errors import DomainError
from ec_escalation.http import bodies as b
from ec_escalation.http.context import Context, EscalationContext, problem_for
from ec_escalation.use_cases import customers
from ec_events import escalations as e
from ec_events.base import Email
from ec_platform.http.auth import Operator
from ec_platform.http.openapi import problems
from ec_platform.http.problems import ProblemError, too_many_requests
from ec_platform.http.throttle import client_address
from ec_platform.inputs import DB_INT_MAX
from ec_platform.storage.eventlog import VersionConflict

REFUSAL = "This link does not open a page (it may have expired). Ask for a new one."
LINK_ON_ITS_WAY = (
    "If this link was issued to you and may still be renewed, a new one is on its way to you by "
    "mail."
)
Token = Annotated[str, Path(max_length=customer_links.LONGEST_TOKEN)]
CustomerWords = Annotated[str, Field(min_length=1, max_length=2_000)]


class LinkRequest(b.Body):
    email: Email


class PlanAct(b.Body):
    plan_version: int = Field(ge=1, le=DB_INT_MAX)
    comment: CustomerWords | None = None


class PlanDecline(b.Body):
    plan_version: int = Field(ge=1, le=DB_INT_MAX)
    comment: CustomerWords


class Comment(b.Body):
    comment: CustomerWords | None = None


class Recurrence(b.Body):
    note: CustomerWords


class IssuedLink(b.Body):
    token: str = Field(description="shown once; only its SHA-256 is kept")
    path: str = Field(description="the customer's page, under the console's address")
    escalation_id: UUID
    contact: e.CustomerContact


class CustomerPlanAction(b.Body):
    title: str
    due: str
    owner: str | None = Field(description="only with EC_CUSTOMER_PAGE_SHOW_NAMES")


class CustomerPlan(b.Body):
    version: int
    agreed: bool
    review_by: str
    actions: list[CustomerPlanAction]


class CustomerAnswer(b.Body):
    at: str
    by: str
    what: str
    words: str | None


class CustomerPage(b.Body):
    """What a customer contact sees of their escalation, in their words."""

    escalation_id: UUID
    title: str
    contact: e.CustomerContact
    state: str
    state_words: str
    level: int
    level_words: str
    manager: str | None = Field(description="only with EC_CUSTOMER_PAGE_SHOW_NAMES")
    latest_progress: str | None
    next_update_due: str | None
    plan: CustomerPlan | None
    plan_changes: list[str] = Field(description="since the plan version they last answered")
    plan_version_last_seen: int | None
    monitoring_period: str | None
    monitoring_ends_at: str | None
    history: list[CustomerAnswer]
    can: list[str] = Field(description="the acts the page offers now")


class LinkAsked(b.Body):
    detail: str = Field(description="the same whatever the link was")


class Revoked(b.Body):
    revoked: int = Field(description="how many live links of that contact were revoked")


def refused(context: EscalationContext) -> ProblemError:
    context.customers.refused()
    return ProblemError(404, "Not Found", REFUSAL, type="/problems/customer-link-refused")


async def opened(context: EscalationContext, token: str) -> customers.Opened:
    """The link and its escalation, or the one refusal for every reason."""
    found = await customers.open_link(
        context.escalations, token, lifetime_after_end=context.customers.lifetime_after_end
    )
    if found is None:
        raise refused(context)
    return found


async def ask_for_link(context: EscalationContext, token: str) -> None:
    """Nothing tells the caller whether the link could ask, nor whether the
    ask was recorded (e.g. not within the hour of the last one)."""
    try:
        await customers.ask_for_link(
            context.escalations, token, lifetime_after_end=context.customers.lifetime_after_end
        )
    except customers.LinkRefused:
        context.customers.refused()
    except (DomainError, VersionConflict):
        pass


async def page(context: EscalationContext, opened: customers.Opened) -> JSONResponse:
    return JSONResponse(
        await customers.page(context.escalations, opened, show_names=context.customers.show_names)
    )


async def act(
    context: EscalationContext,
    token: str,
    command_for: Callable[[e.CustomerContact], c.CustomerCommand],
) -> JSONResponse:
    try:
        acted = await customers.act(
            context.escalations,
            token,
            command_for,
            lifetime_after_end=context.customers.lifetime_after_end,
        )
    except customers.LinkRefused:
        raise refused(context) from None
    except (DomainError, VersionConflict) as error:
        raise problem_for(error) from None
    return await page(context, acted)


def _operator_routes(router: APIRouter) -> None:
    @router.post(
        "/v1/escalations/{escalation_id}/customer-links",
        status_code=201,
        summary="Issue a customer contact a new personal link (the token is shown once)",
        response_model=IssuedLink,
        responses=problems(404, 409),
    )
    async def issue(
        escalation_id: UUID, body: LinkRequest, context: Context, caller: Operator
    ) -> JSONResponse:
        try:
            issued = await customers.issue_link(
                context.escalations,
                escalation_id,
                body.email,
                issued_by=customer_links.issuer(caller.role, caller.name),
            )
        except DomainError as error:
            raise problem_for(error) from None
        contact = {"name": issued.link.contact_name, "email": issued.link.contact_email}
        answer = {
            "token": issued.token,
            "path": f"/customer/{issued.token}",
            "escalation_id": str(escalation_id),
            "contact": contact,
        }
        return JSONResponse(answer, status_code=201)

    @router.post(
        "/v1/escalations/{escalation_id}/customer-links/revocation",
        summary="Revoke every link of a customer contact",
        response_model=Revoked,
    )
    async def revoke(
        escalation_id: UUID, body: LinkRequest, context: Context, caller: Operator
    ) -> Revoked:
        count = await customers.revoke_links(context.escalations, escalation_id, body.email)
        return Revoked(revoked=count)


def _customer_routes(router: APIRouter) -> None:
    why = {404: "the link does not open a page (one answer for every reason)"}

    @router.get(
        "/v1/customer/{token}",
        summary="The customer's page",
        response_model=CustomerPage,
        responses=problems(404, why=why),
    )
    async def read(token: Token, context: Context) -> JSONResponse:
        return await page(context, await opened(context, token))

    @router.post(
        "/v1/customer/{token}/plan-agreement",
        response_model=CustomerPage,
        responses=problems(404, 409, why=why),
        summary="Agree to a plan version",
    )
    async def agree(token: Token, body: PlanAct, context: Context) -> JSONResponse:
        return await act(
            context,
            token,
            lambda who: c.AgreeToPlan(
                contact=who, plan_version=body.plan_version, comment=body.comment
            ),
        )

    @router.post(
        "/v1/customer/{token}/plan-decline",
        response_model=CustomerPage,
        responses=problems(404, 409, why=why),
        summary="Decline a plan version",
    )
    async def decline(token: Token, body: PlanDecline, context: Context) -> JSONResponse:
        return await act(
            context,
            token,
            lambda who: c.DeclinePlan(
                contact=who, plan_version=body.plan_version, comment=body.comment
            ),
        )

    @router.post(
        "/v1/customer/{token}/resolution-confirmation",
        response_model=CustomerPage,
        responses=problems(404, 409, why=why),
        summary="Confirm it is resolved",
    )
    async def confirm(token: Token, body: Comment, context: Context) -> JSONResponse:
        return await act(
            context, token, lambda who: c.ConfirmResolution(contact=who, comment=body.comment)
        )

    @router.post(
        "/v1/customer/{token}/recurrence",
        response_model=CustomerPage,
        responses=problems(404, 409, why=why),
        summary="Report that the problem is back",
    )
    async def recur(token: Token, body: Recurrence, context: Context) -> JSONResponse:
        return await act(
            context, token, lambda who: c.ReportRecurrenceAsCustomer(contact=who, note=body.note)
        )

    @router.post(
        "/v1/customer/{token}/closure-agreement",
        response_model=CustomerPage,
        responses=problems(404, 409, why=why),
        summary="Agree to closure",
    )
    async def agree_to_close(token: Token, body: Comment, context: Context) -> JSONResponse:
        return await act(
            context, token, lambda who: c.AgreeToClosure(contact=who, comment=body.comment)
        )


def _link_request_route(router: APIRouter) -> None:
    @router.post(
        "/v1/customer/{token}/link-request",
        status_code=202,
        response_model=LinkAsked,
        summary="Ask for a new link by mail (one answer, whatever the link)",
    )
    async def ask(token: Token, context: Context) -> LinkAsked:
        await ask_for_link(context, token)
        return LinkAsked(detail=LINK_ON_ITS_WAY)


async def paced(request: Request, token: Token, context: Context) -> None:
    """The customer's routes answer 429 past their pace, per address and per link."""
    wait = context.customers.admit(client_address(request.client), token)
    if wait is not None:
        raise too_many_requests(wait, "too many requests; wait and try again")


def build_router() -> APIRouter:
    router = APIRouter(tags=["customers"])
    _operator_routes(router)
    # Declared where the pacing is, so every customer route documents its 429.
    customers = APIRouter(
        dependencies=[Depends(paced)],
        responses=problems(429, why={429: "too many requests from the address, or on the link"}),
    )
    _customer_routes(customers)
    _link_request_route(customers)
    router.include_router(customers)
    return router
