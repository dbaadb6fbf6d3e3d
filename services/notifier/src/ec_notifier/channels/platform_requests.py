"""The ITSM platforms' REST requests and answers, as their API documentation
describes them: the request for a write-back, the platform's error message, a
created problem record's number, and how long a 429 asks us to wait. Pure."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

from ec_notifier.channels.answers import excerpt
from ec_notifier.domain.connections import JIRA, PAGERDUTY, SERVICENOW, Connection
from ec_notifier.domain.writeback import JIRA_PROBLEM, SERVICENOW_PROBLEM

JSON = "application/json"
# The longest Retry-After honoured: a platform asking for more is retried
# after this anyway (its deliveries stay visible as pending meanwhile).
MAX_RETRY_AFTER_S = 6 * 3_600.0


@dataclass(frozen=True)
class PlatformRequest:
    method: str
    url: str
    body: dict[str, Any]
    headers: dict[str, str]


def record_path(template: str, **segments: str) -> str:
    """`template` with each `{name}` replaced by its segment percent-encoded
    whole (`/`, `?`, `#`, `%` and `.` sequences included): a value from an event
    can name a record, never another path, query or fragment on the platform.
    Every platform request builds its path here."""
    return template.format(**{name: _segment(value) for name, value in segments.items()})


def _segment(value: str) -> str:
    encoded = quote(value, safe="")
    # "." and ".." survive percent-encoding and mean "this" and "up" in a path.
    return encoded.replace(".", "%2E") if encoded.strip(".") == "" else encoded


def adf(text: str) -> dict[str, Any]:
    """Atlassian Document Format: one paragraph per block of lines, the lines
    of a block joined by hard breaks (ADF refuses empty text nodes)."""
    paragraphs = []
    for block in text.split("\n\n"):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        content: list[dict[str, Any]] = []
        for n, line in enumerate(lines):
            if n:
                content.append({"type": "hardBreak"})
            content.append({"type": "text", "text": line})
        paragraphs.append({"type": "paragraph", "content": content})
    return {"type": "doc", "version": 1, "content": paragraphs}


def request_for(
    channel: str, connection: Connection, secret: str, *, record_id: str, subject: str, body: str
) -> PlatformRequest:
    """The request that writes one delivery back (`record_id`: the incident's
    sys_id, issue key or incident id; unused when a problem is created)."""
    headers = {"Accept": JSON, "Content-Type": JSON}
    if connection.platform == PAGERDUTY:
        headers |= {
            "Accept": "application/vnd.pagerduty+json;version=2",
            "Authorization": f"Token token={secret}",
            "From": connection.from_email or "",
        }
        url = connection.url(record_path("/incidents/{id}/notes", id=record_id))
        return PlatformRequest("POST", url, {"note": {"content": body}}, headers)
    auth = (connection.user or "", secret)
    headers["Authorization"] = _basic(*auth)
    if channel == SERVICENOW:
        url = connection.url(record_path("/api/now/table/incident/{id}", id=record_id))
        return PlatformRequest("PATCH", url, {"work_notes": body}, headers)
    if channel == SERVICENOW_PROBLEM:
        problem = {"short_description": subject, "description": body}
        return PlatformRequest("POST", connection.url("/api/now/table/problem"), problem, headers)
    if channel == JIRA:
        url = connection.url(record_path("/rest/api/3/issue/{id}/comment", id=record_id))
        return PlatformRequest("POST", url, {"body": adf(body)}, headers)
    if channel == JIRA_PROBLEM:
        fields = {
            "project": {"key": connection.problem_project},
            "issuetype": {"name": connection.problem_issue_type},
            "summary": subject,
            "description": adf(body),
        }
        return PlatformRequest(
            "POST", connection.url("/rest/api/3/issue"), {"fields": fields}, headers
        )
    raise ValueError(f"no {connection.platform} request for channel {channel}")


def _basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")


def error_message(platform: str, status: int, text: str) -> str:
    """What the platform said was wrong, from its own error body."""
    said = _said(platform, _parse(text))
    # Kept short and printable: the log is no window onto another system.
    return f"{platform} answered {status}: {excerpt(said or text) or 'no details'}"


def _said(platform: str, data: Any) -> str:
    if not isinstance(data, dict):
        return ""
    if platform == SERVICENOW and isinstance(data.get("error"), dict):
        error = data["error"]
        return ": ".join(str(p) for p in (error.get("message"), error.get("detail")) if p)
    if platform == JIRA:
        said = [str(m) for m in data.get("errorMessages") or []]
        errors = data.get("errors")
        if isinstance(errors, dict):
            said += [f"{field}: {message}" for field, message in errors.items()]
        return "; ".join(said)
    if platform == PAGERDUTY and isinstance(data.get("error"), dict):
        error = data["error"]
        said = [str(error.get("message") or "")]
        said += [str(e) for e in error.get("errors") or []]
        code = f" (code {error['code']})" if error.get("code") is not None else ""
        return "; ".join(s for s in said if s) + code
    # RFC 9457 problem details (the escalation service's own answers).
    return str(data.get("detail") or data.get("title") or "")


def created_problem(platform: str, text: str) -> tuple[str, str | None] | None:
    """The created record's (record_id, number) from the answer, or None if absent:
    ServiceNow answers `result.sys_id` and `result.number`; Jira the issue's `key`."""
    data = _parse(text)
    if not isinstance(data, dict):
        return None
    if platform == SERVICENOW:
        result = data.get("result")
        if isinstance(result, dict) and result.get("sys_id") and result.get("number"):
            return str(result["sys_id"]), str(result["number"])
    if platform == JIRA and data.get("key"):
        return str(data["key"]), None
    return None


def retry_after_s(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds or as an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return min(max((moment - now).total_seconds(), 0.0), MAX_RETRY_AFTER_S)


def _parse(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
