"""The reports page: how the escalations started in a period performed, per
group, with the weekly trend drawn as charts, and the same report as CSV.
Both ask GET /v1/reports/escalations with the signed-in user's token."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ec_console.data.services import Answer
from ec_console.pages.context import Console, Context, CurrentSession
from ec_console.pages.rendering import go, render
from ec_console.security.sessions import Session
from ec_console.views.report_query import GROUPINGS, ReportQuery, quick_choices, read_query
from ec_console.views.report_view import COUNTS, DURATIONS, table, trend_charts

REPORT = "/v1/reports/escalations"


def _filename(query: ReportQuery) -> str:
    """escalations-customer-2026-03-01-2026-03-31.csv, from the safe characters only."""
    name = f"escalations-{query.group_by}-{query.since}-{query.until}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:120] + ".csv"


def _page(
    request: Request,
    console: Console,
    session: Session,
    query: ReportQuery,
    answer: Answer,
    weekly: Answer | None,
) -> Response:
    today = datetime.now(UTC).date()
    return render(
        request,
        console,
        "reports.html",
        session=session,
        status_code=200 if answer.ok else answer.status,
        query=query,
        groupings=GROUPINGS,
        quick=quick_choices(today, query.group_by),
        problem=None if answer.ok else answer.detail,
        field_errors=answer.field_errors() if not answer.ok else {},
        answer=answer.body if answer.ok else None,
        table=table(answer.body) if answer.ok else None,
        count_names=list(COUNTS.values()),
        duration_names=list(DURATIONS.values()),
        charts=trend_charts(weekly.body) if weekly is not None and weekly.ok else None,
        charts_problem=weekly.detail if weekly is not None and not weekly.ok else None,
    )


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/reports")
    async def reports(request: Request, console: Context, session: CurrentSession) -> Response:
        query = read_query(request.query_params, datetime.now(UTC).date())
        answer = await console.services.get(
            "escalation", REPORT, token=session.token, params=query.api_params()
        )
        if answer.status == 401:
            console.sessions.end(session)
            return go(request, "/login")
        weekly: Answer | None = None
        if answer.ok:
            # The trend is always per week, whatever the table is grouped by.
            weekly = (
                answer
                if query.group_by == "week"
                else await console.services.get(
                    "escalation",
                    REPORT,
                    token=session.token,
                    params=query.api_params(group_by="week"),
                )
            )
        return _page(request, console, session, query, answer, weekly)

    @router.get("/reports.csv")
    async def reports_csv(request: Request, console: Context, session: CurrentSession) -> Response:
        query = read_query(request.query_params, datetime.now(UTC).date())
        answer = await console.services.text(
            "escalation", REPORT, token=session.token, params=query.api_params(format="csv")
        )
        if answer.status == 401:
            console.sessions.end(session)
            return go(request, "/login")
        if not answer.ok:
            return _page(request, console, session, query, answer, None)
        return Response(
            answer.body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{_filename(query)}"'},
        )

    return router
