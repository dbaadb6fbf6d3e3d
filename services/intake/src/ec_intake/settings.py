"""Intake settings (environment, prefix EC_)."""

from __future__ import annotations

from pydantic import Field

from ec_platform.settings import PlatformSettings

DEFAULT_PORT = 8001


class IntakeSettings(PlatformSettings):
    intake_max_body_bytes: int = Field(default=256 * 1024, ge=1024)
