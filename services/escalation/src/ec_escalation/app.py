"""The escalation service's app factory (distributed mode: one process of its own)."""

from __future__ import annotations

from fastapi import FastAPI

from ec_escalation.service import EscalationService
from ec_escalation.settings import EscalationSettings
from ec_platform.app import create_standalone_app


def create_app(settings: EscalationSettings | None = None) -> FastAPI:
    settings = settings or EscalationSettings()
    return create_standalone_app(
        title="escalation", settings=settings, plugin=EscalationService(settings)
    )
