"""The escalation service's HTTP interface: every route module under one router."""

from __future__ import annotations

from fastapi import APIRouter

from ec_escalation import (
    api_audit,
    api_commands,
    api_customer,
    api_decisions,
    api_queries,
    api_reports,
    api_review_report,
)
from ec_escalation.api_context import EscalationContext

__all__ = ["EscalationContext", "build_router"]


def build_router() -> APIRouter:
    router = APIRouter()
    router.include_router(api_queries.build_router())
    router.include_router(api_commands.build_router())
    router.include_router(api_customer.build_router())
    router.include_router(api_audit.build_router())
    router.include_router(api_decisions.build_router())
    router.include_router(api_reports.build_router())
    router.include_router(api_review_report.build_router())
    return router
