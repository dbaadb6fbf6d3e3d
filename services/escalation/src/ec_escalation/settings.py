"""Escalation service settings (environment, prefix EC_)."""

from __future__ import annotations

from pydantic import Field

from ec_platform.settings import PlatformSettings

DEFAULT_PORT = 8002


class EscalationSettings(PlatformSettings):
    criteria_file: str | None = None
    # Customers' personal links: how long they work after the escalation
    # ended, and whether their page names the manager and action owners.
    customer_link_days_after_end: int = Field(default=30, ge=0, le=3650)
    customer_page_show_names: bool = False
    # The customers' routes (/v1/customer/…): requests per minute from one
    # client address, and on one link.
    customer_requests_per_minute: int = Field(default=60, ge=1)
