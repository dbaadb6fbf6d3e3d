"""Settings every service reads from the environment (prefix EC_).

The naming rule (docs/running/settings.md): every variable is EC_ and the
setting's name in capitals; one that belongs to a single service carries that
service's name; units are suffixes. A variable renamed to follow it is still
read under its former name for one release, with a warning naming the new one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ec_events import Topics
from ec_platform.outbound.policy import OutboundPolicy, parse_networks

log = logging.getLogger(__name__)

# Former variable name -> the name that replaced it, for every renamed setting.
FORMER_NAMES: dict[str, str] = {}


def renamed(variable: str, *, formerly: str) -> AliasChoices:
    """A setting read from `variable`, or else from its former name for one
    release. Given as a field's validation_alias; the field's own name still
    works as a keyword (populate_by_name)."""
    FORMER_NAMES[formerly] = variable
    return AliasChoices(variable, formerly)


def variable_of(settings: type[BaseSettings], field: str) -> str:
    """The environment variable that sets a field: its renamed variable, else
    the class's prefix and the field's name, in capitals."""
    alias = settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return f"{settings.model_config.get('env_prefix', '')}{field}".upper()


def warn_of_former_names(
    settings: BaseSettings, environ: Mapping[str, str] | None = None
) -> list[str]:
    """Log one warning per former variable name these settings were given,
    naming the variable to use instead; answers the former names found."""
    env = {k.upper(): v for k, v in (os.environ if environ is None else environ).items()}
    found = []
    for field in type(settings).model_fields.values():
        alias = field.validation_alias
        if not isinstance(alias, AliasChoices):
            continue
        for choice in alias.choices:
            if isinstance(choice, str) and choice in FORMER_NAMES and choice in env:
                new = FORMER_NAMES[choice]
                ignored = " (ignored: both are set)" if new in env else ""
                log.warning("%s is renamed %s: set %s instead%s", choice, new, new, ignored)
                found.append(choice)
    return found


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EC_", extra="ignore", populate_by_name=True)

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
    # typed cannot reach the services beside us (ec_platform.outbound.policy).
    outbound_allowed_networks: str = Field(
        default="", description="comma-separated CIDRs allowed although not global"
    )

    @model_validator(mode="after")
    def _former_names_warned(self) -> PlatformSettings:
        warn_of_former_names(self)
        return self

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
