"""Escalation service settings (environment, prefix EC_)."""

from __future__ import annotations

from ec_platform.settings import PlatformSettings

DEFAULT_PORT = 8002


class EscalationSettings(PlatformSettings):
    criteria_file: str | None = None
