"""A clock the test moves by hand, injected into the app (`create_app(clock=…)`),
so every event is recorded at a moment the test chose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class SettableClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now
