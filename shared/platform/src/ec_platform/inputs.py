"""What the services accept as a time, a whole number or a URL worth quoting,
checked the same way everywhere: input the code downstream cannot handle (a
time that overflows when turned to UTC, an integer wider than the database's,
a Unix timestamp where ISO 8601 was promised) is refused up front, as a 422
naming the field, never met later as a 500. Pure."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import BeforeValidator, Field

# The widest integer a BIGINT column (PostgreSQL's and SQLite's) holds.
DB_INT_MAX = 2**63 - 1
# The earliest time taken: nothing this system records is older, and it leaves
# room for the arithmetic done on a time (a default period subtracted) that
# would overflow near year 1. Later times only need to exist in UTC; how far
# ahead a deadline may lie is each route's own rule.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
_DIGITS = re.compile(r"[0-9]{1,19}")
_NOT_A_TIME = "must be an ISO 8601 date-time with a time zone"


def parse_instant(value: Any) -> datetime:
    """An aware datetime from an ISO 8601 string (or an aware datetime), in
    range; a ValueError, which pydantic reports against the field, otherwise.
    Numbers (Unix seconds) are refused: the API promises ISO 8601."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(_NOT_A_TIME) from None
    if not isinstance(value, datetime):
        raise ValueError(_NOT_A_TIME)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must carry a time zone")
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(_out_of_range()) from None
    if in_utc < EARLIEST:
        raise ValueError(_out_of_range())
    return value


def _out_of_range() -> str:
    return f"must lie between {EARLIEST.isoformat()} and {LATEST.isoformat()} (in UTC)"


# An ISO 8601 date-time with a zone, in range: for every query parameter and
# body field that takes a time. The schema stays `string`, `date-time`.
Instant = Annotated[datetime, BeforeValidator(parse_instant)]
# A whole number a database column can hold, never negative.
DbInt = Annotated[int, Field(ge=0, le=DB_INT_MAX)]


def parse_count(text: str, *, maximum: int = DB_INT_MAX) -> int | None:
    """A non-negative integer written in ASCII digits, at most `maximum`; None
    otherwise. `str.isdigit` is not enough: it takes superscripts and other scripts' digits, which
    `int` then refuses or reads, and any number of digits."""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if number <= maximum else None


def redact_url(url: str) -> str:
    """`url` fit to quote in a message or a log: its user info (a password, a
    token) replaced by `***`. Text that is not a URL is returned as it was,
    unless it holds an `@`, which might follow a password, in which case
    everything before the last `@` is hidden."""
    try:
        parts = urlsplit(url)
        has_user = parts.username is not None or parts.password is not None
    except ValueError:
        has_user, parts = False, None
    if parts is not None and has_user:
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=f"***@{host}"))
    if parts is not None and parts.netloc:
        return url
    return f"***@{url.rpartition('@')[2]}" if "@" in url else url
