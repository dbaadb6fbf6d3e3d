"""Escalation service settings (environment, prefix EC_)."""

from __future__ import annotations

from pydantic import Field

from ec_platform.settings import PlatformSettings, renamed

DEFAULT_PORT = 8002


class EscalationSettings(PlatformSettings):
    criteria_file: str | None = Field(
        default=None,
        validation_alias=renamed("EC_ESCALATION_CRITERIA_FILE", formerly="EC_CRITERIA_FILE"),
    )
    # Customers' personal links: how long they work after the escalation
    # ended, and whether their page names the manager and action owners.
    customer_link_days_after_end: int = Field(
        default=30,
        ge=0,
        le=3650,
        validation_alias=renamed(
            "EC_ESCALATION_CUSTOMER_LINK_AFTER_END_DAYS",
            formerly="EC_CUSTOMER_LINK_DAYS_AFTER_END",
        ),
    )
    customer_page_show_names: bool = Field(
        default=False,
        validation_alias=renamed(
            "EC_ESCALATION_CUSTOMER_PAGE_SHOW_NAMES", formerly="EC_CUSTOMER_PAGE_SHOW_NAMES"
        ),
    )
    # The customers' routes (/v1/customer/…): requests per minute from one
    # client address, and on one link.
    customer_requests_per_minute: int = Field(
        default=60,
        ge=1,
        validation_alias=renamed(
            "EC_ESCALATION_CUSTOMER_REQUESTS_PER_MINUTE",
            formerly="EC_CUSTOMER_REQUESTS_PER_MINUTE",
        ),
    )
