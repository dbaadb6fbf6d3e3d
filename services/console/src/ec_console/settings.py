"""The console's settings (prefix EC_CONSOLE_): where the services answer, and
the secret that signs session cookies."""

from __future__ import annotations

import secrets

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EC_CONSOLE_", extra="ignore")

    intake_url: str = "http://127.0.0.1:8001"
    escalation_url: str = "http://127.0.0.1:8002"
    notifier_url: str = "http://127.0.0.1:8003"
    monitor_url: str = "http://127.0.0.1:8004"
    session_secret: SecretStr | None = Field(
        default=None, description="signs session cookies; required when the console runs alone"
    )
    session_hours: float = Field(default=12.0, gt=0, description="a session's absolute lifetime")
    # How often a page being watched asks the services whether anything changed.
    poll_interval_s: float = Field(default=0.25, gt=0)
    api_timeout_s: float = Field(default=15.0, gt=0)
    # The customer's pages (/customer/): requests per client address per minute.
    customer_requests_per_minute: int = Field(default=60, ge=1)
    # Session cookies marked Secure: unset, when the request came over https
    # (as the console sees it); true behind a TLS ingress (the manifests).
    secure_cookies: bool | None = None
    # Failed sign-ins per client address per minute before it must wait.
    sign_in_failures_per_minute: int = Field(default=10, ge=1)

    def require_secret(self) -> SecretStr:
        """The distributed mode: a deployment names its secret; a console that
        would quietly make one up is a misconfiguration noticed too late."""
        if self.session_secret is None or len(self.session_secret.get_secret_value()) < 16:
            raise SystemExit(
                "set EC_CONSOLE_SESSION_SECRET (16 characters or more) to run the console alone"
            )
        return self.session_secret

    def with_generated_secret(self) -> ConsoleSettings:
        """The embedded mode: one process, sessions live as long as it does."""
        if self.session_secret is not None:
            return self
        return self.model_copy(update={"session_secret": SecretStr(secrets.token_urlsafe(32))})
