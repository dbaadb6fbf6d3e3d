"""The escalation service's HTTP interface: every route module under one router."""

from __future__ import annotations

from fastapi import APIRouter

from ec_escalation.http import (
    audit,
    commands,
    customer,
    decisions,
    queries,
    reports,
    review_report,
)
from ec_escalation.http.context import EscalationContext

__all__ = ["EscalationContext", "build_router"]


def build_router() -> APIRouter:
    router = APIRouter()
    router.include_router(queries.build_router())
    router.include_router(commands.build_router())
    router.include_router(customer.build_router())
    router.include_router(audit.build_router())
    router.include_router(decisions.build_router())
    router.include_router(reports.build_router())
    router.include_router(review_report.build_router())
    return router
