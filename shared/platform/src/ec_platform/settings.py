"""Settings every service reads from the environment (prefix EC_)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ec_events import Topics
from ec_platform.outbound import OutboundPolicy, parse_networks


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EC_", extra="ignore")

    database_url: str | None = Field(
        default=None, description="postgresql+asyncpg://… or sqlite+aiosqlite:///…"
    )
    kafka_bootstrap_servers: str | None = Field(
        default=None, description="unset means the in-process bus"
    )
    topic_prefix: str = "ec."
    api_tokens: SecretStr | None = Field(default=None, description="role:token,role:token")
    # Every request body, unless a service sets a larger one for its routes
    # (the intake's incidents and webhooks: EC_INTAKE_MAX_BODY_BYTES).
    max_body_bytes: int = Field(default=65_536, ge=1_024)
    kafka_topic_partitions: int = Field(default=3, ge=1)
    kafka_session_timeout_ms: int = Field(default=10_000, ge=1_000)
    kafka_heartbeat_interval_ms: int = Field(default=3_000, ge=100)
    # How long a consumer keeps retrying a message whose handler keeps failing
    # for a reason that is not transient, before it dead-letters it.
    consumer_max_attempts: int = Field(default=5, ge=1)
    consumer_retry_backoff_s: float = Field(default=0.2, gt=0)
    # Unknown API tokens (and failed console sign-ins) per client address per
    # minute before the address is answered 429 for the rest of the minute.
    token_failures_per_minute: int = Field(default=30, ge=1)
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (the
    # ingress or proxy in front): comma-separated addresses or CIDRs. Empty:
    # nobody's, so a client's address is always the peer's own.
    trusted_proxies: str = ""
    # Networks outbound requests may reach although they are not global
    # (loopback, private, link-local): none by default, so an address someone
    # typed cannot reach the services beside us (ec_platform.outbound).
    outbound_allowed_networks: str = Field(
        default="", description="comma-separated CIDRs allowed although not global"
    )

    @field_validator("outbound_allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)  # fail at start-up, not at the first send
        return value

    @property
    def outbound_policy(self) -> OutboundPolicy:
        return OutboundPolicy.from_setting(self.outbound_allowed_networks)

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    @property
    def uses_kafka(self) -> bool:
        return bool(self.kafka_bootstrap_servers)

    def require_distributed(self) -> None:
        """A service run on its own must be told where its database and tokens are."""
        missing = [
            name
            for name, value in (
                ("EC_DATABASE_URL", self.database_url),
                ("EC_API_TOKENS", self.api_tokens),
            )
            if not value
        ]
        if missing:
            raise SystemExit(f"set {' and '.join(missing)} to run a service on its own")
