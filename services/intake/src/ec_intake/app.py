"""The intake service's app factory (distributed mode: one process of its own)."""

from __future__ import annotations

from fastapi import FastAPI

from ec_intake.service import IntakeService
from ec_intake.settings import IntakeSettings
from ec_platform.app import create_standalone_app


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    return create_standalone_app(title="intake", settings=settings, plugin=IntakeService(settings))
