"""Notifier settings (environment, prefix EC_)."""

from __future__ import annotations

from ec_platform.settings import PlatformSettings

DEFAULT_PORT = 8003


class NotifierSettings(PlatformSettings):
    smtp_url: str | None = None
    smtp_from: str = "escalation-center@localhost"
