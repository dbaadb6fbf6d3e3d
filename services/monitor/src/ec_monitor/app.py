"""The monitor service's app factory (distributed mode: one process of its own)."""

from __future__ import annotations

from fastapi import FastAPI

from ec_monitor.service import MonitorService
from ec_monitor.settings import MonitorSettings
from ec_platform.app import create_standalone_app


def create_app(settings: MonitorSettings | None = None) -> FastAPI:
    settings = settings or MonitorSettings()
    return create_standalone_app(
        title="monitor", settings=settings, plugin=MonitorService(settings)
    )
