"""The review report over HTTP: GET /v1/escalations/{id}/report, a printable
HTML page (the default) or a PDF. Built by reports/review.py from the
escalation's events, its measures and the medians of the 90 days before it
started; laid out by reports/html.py and reports/pdf.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ec_escalation.domain.measures import measures, trail_of, with_incident_time
from ec_escalation.http.context import Context, not_found
from ec_escalation.reports.html import content_security_policy, render_html
from ec_escalation.reports.pdf import render_pdf
from ec_escalation.reports.period import aggregate, duration_names
from ec_escalation.reports.review import PeriodFigures, Recorded, build_report
from ec_escalation.use_cases import reads
from ec_escalation.use_cases.escalations import Escalations
from ec_platform.http.auth import Reader
from ec_platform.http.openapi import problems
from ec_platform.http.problems import ProblemError
from ec_platform.inputs import Instant
from ec_platform.storage.eventlog import StoredEvent

HTML, PDF = "text/html", "application/pdf"
# The period whose medians the report sets beside the escalation's own measures.
PERIOD = timedelta(days=90)
Format = Literal["html", "pdf"]
_BY_MEDIA_TYPE: dict[str, Format] = {
    HTML: "html",
    "text/*": "html",
    "*/*": "html",
    PDF: "pdf",
    "application/*": "pdf",
}


def negotiated(accept: str | None) -> Format | None:
    """The format an Accept header asks for (HTML when it names none), or None
    when it accepts neither HTML nor PDF."""
    if not accept or not accept.strip():
        return "html"
    offers: list[tuple[float, int, Format]] = []
    for index, item in enumerate(accept.split(",")):
        media_type, *parameters = (part.strip() for part in item.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        chosen = _BY_MEDIA_TYPE.get(media_type.lower())
        if chosen and weight > 0:
            offers.append((-weight, index, chosen))
    return min(offers)[2] if offers else None


def recorded(stored: StoredEvent) -> Recorded:
    return Recorded(
        stored.event(), stored.recorded_at, f"{stored.actor_name} ({stored.actor_role})"
    )


async def period_figures(
    escalations: Escalations, started_at: datetime, now: datetime
) -> PeriodFigures:
    since = started_at - PERIOD
    items = await reads.measures_started(escalations, since, started_at, now=now)
    summed = aggregate(items, duration_names(level for m in items for level in m.time_at_level))
    return PeriodFigures(
        since=since,
        until=started_at,
        escalations=summed["counts"]["started"],
        medians={name: figures["median"] for name, figures in summed["durations"].items()},
    )


def build_router() -> APIRouter:
    router = APIRouter(tags=["reports"])

    @router.get(
        "/v1/escalations/{escalation_id}/report",
        summary="The review report of one escalation: a printable HTML page, or a PDF",
        response_class=HTMLResponse,
        responses={
            200: {
                "description": "the report; `Accept: application/pdf` or `?format=pdf` for a PDF",
                "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
            },
            **problems(406, why={406: "the Accept header admits neither HTML nor PDF"}),
        },
    )
    async def review_report(
        escalation_id: UUID,
        request: Request,
        context: Context,
        _: Reader,
        format: Annotated[
            Format | None, Query(description="`html` or `pdf` (instead of the Accept header)")
        ] = None,
        as_of: Annotated[Instant | None, Query(description="the escalation as it was then")] = None,
    ) -> Response:
        chosen = format or negotiated(request.headers.get("accept"))
        if chosen is None:
            raise ProblemError(
                406,
                "Not Acceptable",
                f"the report is {HTML} or {PDF} (or ask with ?format=html or ?format=pdf)",
                type="/problems/not-acceptable",
            )
        escalations = context.escalations
        now = escalations.clock()
        stored, incident_at = await reads.report_inputs(escalations, escalation_id, as_of=as_of)
        if not stored:
            then = f" as of {as_of.isoformat()}" if as_of else ""
            raise not_found(f"no escalation {escalation_id}{then}")
        events = [recorded(s) for s in stored]
        trail = trail_of((r.event, r.at) for r in events)
        assert trail is not None
        measured = measures(with_incident_time(trail, incident_at), min(as_of or now, now))
        report = build_report(
            events,
            measured=measured,
            period=await period_figures(escalations, trail.started_at, now),
            generated_at=now,
            as_of=as_of,
        )
        if chosen == "pdf":
            # Laying out hundreds of pages takes a while: off the event loop.
            pdf = await run_in_threadpool(render_pdf, report)
            filename = f"escalation-{escalation_id}-review-report.pdf"
            return Response(
                pdf,
                media_type=PDF,
                headers={
                    "Content-Disposition": f'attachment; filename="{filename}"',
                    "Cache-Control": "no-store",
                    "Vary": "Accept",
                },
            )
        return HTMLResponse(
            render_html(report),
            headers={
                "Content-Security-Policy": content_security_policy(),
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
                "Cache-Control": "no-store",
                "Vary": "Accept",
            },
        )

    return router
