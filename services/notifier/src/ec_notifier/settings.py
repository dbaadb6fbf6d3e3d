"""Notifier settings (environment, prefix EC_)."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from ec_platform.settings import PlatformSettings, renamed

DEFAULT_PORT = 8003


class NotifierSettings(PlatformSettings):
    smtp_url: str | None = Field(default=None, description="smtp://host:port (or smtps://)")
    smtp_from: str = "escalation-center@localhost"
    # True: email is kept in the notifier's outbox (GET /v1/outbox), never sent,
    # even with EC_SMTP_URL set. Unset: the embedded mode keeps it there when
    # EC_SMTP_URL is unset; a service on its own never does.
    email_outbox: bool | None = Field(
        default=None,
        description="keep email in the outbox (GET /v1/outbox) instead of sending",
        validation_alias=renamed("EC_NOTIFIER_EMAIL_OUTBOX", formerly="EC_EMAIL_OUTBOX"),
    )
    notifier_routing_file: str | None = Field(
        default=None, description="YAML routing file; unset means the shipped defaults"
    )
    connections_file: str | None = Field(
        default=None, description="YAML file of the ITSM platforms written back to"
    )
    public_url: str | None = Field(
        default=None,
        description="the address people reach the system at (distributed: the console's); "
        "EC_CONSOLE_URL and EC_CUSTOMER_PAGE_URL derive from it unless set",
    )
    console_url: str = Field(
        default="http://127.0.0.1:8005/console",
        description="the console as people reach it, for links in notes written back",
    )
    customer_page_url: str = Field(
        default="http://127.0.0.1:8005/customer",
        description="the customers' pages as they reach them: each mail to a customer "
        "contact ends with their personal link under it; empty: no links",
    )
    notifier_escalation_url: str = Field(
        default="http://127.0.0.1:8002",
        description="the escalation service, where created problem records are linked",
    )
    notifier_escalation_token: SecretStr | None = Field(
        default=None,
        description="an operator token for the escalation service; unset: the first "
        "operator (or admin) token of EC_API_TOKENS",
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
    notifier_suspend_after_s: float = Field(
        default=86_400.0,
        gt=0,
        description="a subscription all of whose deliveries have failed for this long is "
        "suspended: its deliveries are held until an admin resumes it",
    )

    def escalation_token(self) -> str | None:
        """The token the notifier links problem records with."""
        if self.notifier_escalation_token is not None:
            return self.notifier_escalation_token.get_secret_value()
        if self.api_tokens is None:
            return None
        entries = [e.strip() for e in self.api_tokens.get_secret_value().split(",")]
        for wanted in ("operator", "admin"):
            for entry in entries:
                role, _, token = entry.partition(":")
                if role == wanted and token:
                    return token
        return None

    def served_at(self, listening_on: str) -> NotifierSettings:
        """These settings for a server that also serves the console and the
        customers' pages, at `listening_on`: their addresses under EC_PUBLIC_URL,
        or else under `listening_on`, except those set explicitly."""
        return self.model_copy(update=self._derived_from(self.public_url or listening_on))

    def _derived_from(self, public_url: str) -> dict[str, str]:
        base = public_url.rstrip("/")
        derived = {"console_url": f"{base}/console", "customer_page_url": f"{base}/customer"}
        return {k: v for k, v in derived.items() if k not in self.model_fields_set}

    @model_validator(mode="after")
    def _links_follow_the_public_url(self) -> NotifierSettings:
        if self.public_url:
            # Not through setattr: a derived value is not one set explicitly.
            self.__dict__.update(self._derived_from(self.public_url))
        return self

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> NotifierSettings:
        # A send still running when its lease ends could be taken over and sent
        # twice: the lease must cover the longest attempt with room to record it.
        if self.notifier_lease_s < self.notifier_timeout_s + 3:
            raise ValueError("EC_NOTIFIER_LEASE_S must exceed EC_NOTIFIER_TIMEOUT_S by 3 s or more")
        return self
