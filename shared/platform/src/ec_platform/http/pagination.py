"""List routes: `limit` and `cursor` in, `{"items": [...], "next": cursor or
null}` out, paged by keyset (opaque cursors), the same way on every service.

    async def list_things(request: Request, _: Reader, paging: Paging, kind: str | None = None):
        query = select(things)
        if kind is not None:
            query = query.where(things.c.kind == kind)
        return await keyset_page(db, THINGS_KEYSET, query, paging, view=thing_view)
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select

from ec_platform.http.problems import ProblemError, invalid_input
from ec_platform.storage.database import Database

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

Item = TypeVar("Item")
View = TypeVar("View")


class Page(BaseModel, Generic[Item]):
    """What every list route answers."""

    items: list[Item]
    next: str | None = Field(
        description="pass as `cursor` for the next page; null on the last page"
    )


@dataclass(frozen=True)
class PageRequest:
    limit: int
    cursor: str | None


async def _page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="at most this many items")] = (
        DEFAULT_LIMIT
    ),
    cursor: Annotated[
        str | None, Query(description="the `next` of the page before; none for the first")
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor)


# A list route's `limit` and `cursor` query parameters.
Paging = Annotated[PageRequest, Depends(_page_request)]


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
    return invalid_input("cursor", "not a cursor this endpoint gave out")


@dataclass(frozen=True)
class TimeIdKeyset:
    """Keyset pagination over (a time column, a UUID column): stable under
    inserts. Oldest first, or with `newest_first` the other way round (an index
    on the two columns serves both directions)."""

    time_column: ColumnElement[datetime]
    id_column: ColumnElement[UUID]
    time_key: str
    id_key: str
    newest_first: bool = False

    def page_query(self, query: Select[Any], *, cursor: str | None, limit: int) -> Select[Any]:
        time_column, id_column = self.time_column, self.id_column
        if self.newest_first:
            query = query.order_by(time_column.desc(), id_column.desc())
        else:
            query = query.order_by(time_column, id_column)
        query = query.limit(limit + 1)
        if cursor:
            at_text, id_text = decode_cursor(cursor, size=2)
            try:
                at, last_id = datetime.fromisoformat(at_text), UUID(id_text)
            except (TypeError, ValueError):
                raise _invalid_cursor() from None
            if self.newest_first:
                past = (time_column < at) | ((time_column == at) & (id_column < last_id))
            else:
                past = (time_column > at) | ((time_column == at) & (id_column > last_id))
            query = query.where(past)
        return query

    def page(
        self, rows: list[dict[str, Any]], *, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        page = rows[:limit]
        if len(rows) <= limit:
            return page, None
        last = page[-1]
        return page, encode_cursor([last[self.time_key].isoformat(), str(last[self.id_key])])

    async def fetch(
        self, db: Database, query: Select[Any], paging: PageRequest
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of `query`'s rows (filter it first), and the cursor past it."""
        paged = self.page_query(query, cursor=paging.cursor, limit=paging.limit)
        async with db.read() as conn:
            rows = [dict(row._mapping) for row in await conn.execute(paged)]
        return self.page(rows, limit=paging.limit)


async def keyset_page(
    db: Database,
    keyset: TimeIdKeyset,
    query: Select[Any],
    paging: PageRequest,
    *,
    view: Callable[[dict[str, Any]], View],
) -> dict[str, Any]:
    """A list route's answer: one page of `query`, each row through `view`."""
    rows, following = await keyset.fetch(db, query, paging)
    return {"items": [view(row) for row in rows], "next": following}
