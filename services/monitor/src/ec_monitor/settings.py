"""Monitor settings (environment, prefix EC_)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from ec_platform.settings import PlatformSettings, renamed

DEFAULT_PORT = 8004


class MonitorSettings(PlatformSettings):
    # Level N with no progress for this long asks for level N+1 (index 0 is level 1).
    raise_after: tuple[timedelta, ...] = Field(
        default=(timedelta(hours=4), timedelta(hours=8)),
        description="EC_MONITOR_RAISE_AFTER, a JSON list of ISO 8601 durations",
        validation_alias=renamed("EC_MONITOR_RAISE_AFTER", formerly="EC_RAISE_AFTER"),
    )
