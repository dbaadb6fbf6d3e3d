"""The notifier service's app factory (distributed mode: one process of its own)."""

from __future__ import annotations

from fastapi import FastAPI

from ec_notifier.service import NotifierService
from ec_notifier.settings import NotifierSettings
from ec_platform.app import create_standalone_app


def create_app(settings: NotifierSettings | None = None) -> FastAPI:
    settings = settings or NotifierSettings()
    return create_standalone_app(
        title="notifier", settings=settings, plugin=NotifierService(settings)
    )
