"""Intake settings (environment, prefix EC_)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from ec_platform.settings import PlatformSettings

DEFAULT_PORT = 8001


class IntakeSettings(PlatformSettings):
    intake_max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    # YAML: `sources: {name: {platform: …, priority_map: …, paths: …}}`.
    intake_sources_file: str | None = None
    # `source:secret,…`: a source with a secret must sign its webhooks.
    webhook_secrets: SecretStr | None = None
