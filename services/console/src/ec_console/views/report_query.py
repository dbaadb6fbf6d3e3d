"""What the reports page asks for: a period of whole days (UTC) and a grouping,
read from the page's query, turned into the report API's parameters, and the
quick choices of period. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from urllib.parse import urlencode

GROUPINGS = {
    "customer": "Customer",
    "service": "Service",
    "manager": "Manager",
    "level": "Level",
    "criteria": "Criteria",
    "week": "Week",
}
DEFAULT_DAYS = 30
LONGEST_VALUE = 100
DAY = timedelta(days=1)


@dataclass(frozen=True)
class ReportQuery:
    """`since` and `until` are the form's dates, both days included; what was
    typed is kept as it was when it is not a date, so the API's refusal names it."""

    since: str
    until: str
    group_by: str

    def api_params(self, **overrides: str) -> dict[str, str | int]:
        return {
            "from": _moment(self.since),
            "to": _moment(self.until, next_day=True),
            "group_by": self.group_by,
            **overrides,
        }

    def query_string(self, **overrides: str) -> str:
        fields = {"from": self.since, "to": self.until, "group_by": self.group_by}
        return urlencode({**fields, **overrides})


def _moment(value: str, *, next_day: bool = False) -> str:
    try:
        day = date.fromisoformat(value)
        # The API answers a day it cannot take (the one after 9999-12-31) with
        # a 422 naming the field, shown on the page like any other refusal.
        return f"{(day + DAY if next_day else day).isoformat()}T00:00:00Z"
    except (ValueError, OverflowError):
        return value


def last_days(today: date, days: int, group_by: str) -> ReportQuery:
    """The `days` days up to today, today included."""
    return ReportQuery((today - (days - 1) * DAY).isoformat(), today.isoformat(), group_by)


def this_quarter(today: date, group_by: str) -> ReportQuery:
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return ReportQuery(first.isoformat(), today.isoformat(), group_by)


def read_query(params: Mapping[str, str], today: date) -> ReportQuery:
    """The page's query; a missing part takes the default (the last 30 days,
    per customer)."""
    default = last_days(today, DEFAULT_DAYS, "customer")
    given = {
        name: params.get(name, "").strip()[:LONGEST_VALUE] for name in ("from", "to", "group_by")
    }
    return replace(
        default,
        since=given["from"] or default.since,
        until=given["to"] or default.until,
        group_by=given["group_by"] or default.group_by,
    )


def quick_choices(today: date, group_by: str) -> list[tuple[str, ReportQuery]]:
    return [
        *((f"Last {days} days", last_days(today, days, group_by)) for days in (7, 30, 90)),
        ("This quarter", this_quarter(today, group_by)),
    ]
