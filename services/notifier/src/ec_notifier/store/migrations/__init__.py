"""The notifier service's schema history: one revision script per change in
versions/, each naming the one before it (down_revision). Add a change there,
never edit a released one."""

from __future__ import annotations

from pathlib import Path

from ec_notifier.store.tables import SCHEMA, define_tables
from ec_platform.storage.migrations import History


def history() -> History:
    return History(service=SCHEMA, scripts=Path(__file__).parent, metadata=define_tables().metadata)
