"""Opaque cursors for list endpoints ({"items": [...], "next": cursor or null})."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select

from ec_platform.problems import ProblemError

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """What every list route answers."""

    items: list[Item]
    next: str | None = Field(
        description="pass as `cursor` for the next page; null on the last page"
    )


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise _invalid_cursor()
    return values


def _invalid_cursor() -> ProblemError:
    message = "not a cursor this endpoint gave out"
    return ProblemError(
        422,
        "Invalid input",
        f"cursor: {message}",
        type="/problems/invalid-input",
        errors=[{"field": "cursor", "message": message}],
    )


@dataclass(frozen=True)
class TimeIdKeyset:
    """Keyset pagination over (a time column, a UUID column): stable under inserts."""

    time_column: ColumnElement[datetime]
    id_column: ColumnElement[UUID]
    time_key: str
    id_key: str

    def page_query(self, query: Select[Any], *, cursor: str | None, limit: int) -> Select[Any]:
        query = query.order_by(self.time_column, self.id_column).limit(limit + 1)
        if cursor:
            at_text, id_text = decode_cursor(cursor, size=2)
            try:
                at, last_id = datetime.fromisoformat(at_text), UUID(id_text)
            except (TypeError, ValueError):
                raise _invalid_cursor() from None
            query = query.where(
                (self.time_column > at) | ((self.time_column == at) & (self.id_column > last_id))
            )
        return query

    def page(
        self, rows: list[dict[str, Any]], *, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        page = rows[:limit]
        if len(rows) <= limit:
            return page, None
        last = page[-1]
        return page, encode_cursor([last[self.time_key].isoformat(), str(last[self.id_key])])
