"""Reports over HTTP: how the escalations started in a period performed,
grouped, as JSON or CSV. The arithmetic is in reports/period.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from ec_escalation.http.context import Context
from ec_escalation.http.schemas import EscalationReport
from ec_escalation.reports.period import WEEK, Grouping, as_csv, report, weeks_between
from ec_escalation.use_cases import reads
from ec_platform.http.auth import Reader
from ec_platform.http.problems import invalid_input
from ec_platform.inputs import Instant

CSV = "text/csv"
DEFAULT_PERIOD = timedelta(days=30)
# A trend of ten years' weeks is already more than a chart can show.
MAX_WEEKS = 530


def build_router() -> APIRouter:
    router = APIRouter(tags=["reports"])

    @router.get(
        "/v1/reports/escalations",
        summary="How escalations started in a period performed, per group (JSON or CSV)",
        response_model=EscalationReport,
        responses={200: {"content": {CSV: {"schema": {"type": "string"}}}}},
    )
    async def escalation_report(
        request: Request,
        context: Context,
        _: Reader,
        since: Annotated[
            Instant | None,
            Query(alias="from", description="started at or after (default: `to` - 30 days)"),
        ] = None,
        to: Annotated[Instant | None, Query(description="started before (default: now)")] = None,
        group_by: Grouping = "customer",
        format: Annotated[str | None, Query(pattern="^(json|csv)$")] = None,
    ) -> Any:
        now = context.escalations.clock()
        until = to or now
        start = since or until - DEFAULT_PERIOD
        if start >= until:
            raise invalid_input("from", "must be before `to`")
        if group_by == "week" and until - start > MAX_WEEKS * WEEK:
            raise invalid_input("from", f"group_by=week covers at most {MAX_WEEKS} weeks")
        weeks = weeks_between(start, until) if group_by == "week" else []
        items = await reads.measures_started(context.escalations, start, until, now=now)
        answer = report(items, group_by, every=weeks)
        if format == "csv" or (format is None and CSV in request.headers.get("accept", "")):
            return Response(as_csv(answer), media_type=f"{CSV}; charset=utf-8")
        period = {"from": start.isoformat(), "to": until.isoformat()}
        return JSONResponse({**period, "generated_at": now.isoformat(), **answer})

    return router
