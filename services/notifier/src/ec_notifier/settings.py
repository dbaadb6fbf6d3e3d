"""Notifier settings (environment, prefix EC_)."""

from __future__ import annotations

from pydantic import Field, model_validator

from ec_platform.settings import PlatformSettings

DEFAULT_PORT = 8003


class NotifierSettings(PlatformSettings):
    smtp_url: str | None = Field(default=None, description="smtp://host:port (or smtps://)")
    smtp_from: str = "escalation-center@localhost"
    notifier_routing_file: str | None = Field(
        default=None, description="YAML routing file; unset means the shipped defaults"
    )
    notifier_max_attempts: int = Field(default=8, ge=1)
    notifier_retry_base_s: float = Field(default=5.0, gt=0)
    notifier_retry_max_s: float = Field(default=3_600.0, gt=0)
    notifier_lease_s: float = Field(default=30.0, gt=0)
    notifier_timeout_s: float = Field(default=10.0, gt=0)
    notifier_concurrency: int = Field(default=64, ge=1)
    notifier_host_concurrency: int = Field(default=8, ge=1)
    notifier_circuit_failures: int = Field(default=5, ge=1)
    notifier_circuit_base_s: float = Field(default=5.0, gt=0)
    notifier_circuit_max_s: float = Field(default=300.0, gt=0)
    notifier_poll_s: float = Field(default=0.5, gt=0)

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> NotifierSettings:
        # A send still running when its lease ends could be taken over and sent
        # twice: the lease must cover the longest attempt with room to record it.
        if self.notifier_lease_s < self.notifier_timeout_s + 3:
            raise ValueError("EC_NOTIFIER_LEASE_S must exceed EC_NOTIFIER_TIMEOUT_S by 3 s or more")
        return self
