"""Small stand-ins for the ITSM platforms' REST APIs, each on 127.0.0.1 at a
port of its own, in a thread of its own: exactly the endpoints the notifier
writes to, answering as the platforms' API documentation describes (bodies,
status codes, error shapes), checking credentials and bodies as the platform
would, and keeping every request they read. A test can script the next
answers (503, 429 with Retry-After, 403, …) to see how the notifier copes.

They are written from the public API references, not from a tenant: where a
detail (an error code number, a message's exact words) is not documented, it
is marked as ours."""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

from harness.threaded_http import ThreadedAsgiServer, request_body, request_headers

Answer = tuple[int, Any, dict[str, str]]


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    # The request target as it came on the wire (percent-encoding kept), where
    # `path` is the server's decoded reading of it.
    target: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


class FakePlatform(ThreadedAsgiServer):
    """The HTTP plumbing shared by the three fakes; `handle` is each platform's."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._scripted: deque[tuple[int, dict[str, str]]] = deque()

    def __enter__(self) -> FakePlatform:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def answer_next(self, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        """The next `times` requests get `status` (in the platform's error shape)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self._lock:
            self._scripted.extend([(status, headers)] * times)

    def received(self, method: str | None = None, path: str | None = None) -> list[Received]:
        with self._lock:
            found = list(self._received)
        return [r for r in found if method in (None, r.method) and path in (None, r.path)]

    def accepted(self, method: str | None = None, path: str | None = None) -> list[Received]:
        return [r for r in self.received(method, path) if 200 <= r.status < 300]

    def handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        raise NotImplementedError

    def error(self, status: int) -> Any:
        """The platform's error body for a scripted status."""
        raise NotImplementedError

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        raw = await request_body(receive)
        headers = request_headers(scope)
        method, path = scope["method"], scope["path"]
        with self._lock:
            scripted = self._scripted.popleft() if self._scripted else None
        if scripted is not None:
            status, extra = scripted
            answer: Answer = (status, self.error(status), extra)
        else:
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = ValueError
            answer = self.handle(method, path, headers, parsed)
        status, body, extra = answer
        with self._lock:
            self._received.append(Received(method, path, headers, raw, status, _target(scope)))
        content = json.dumps(body).encode()
        out = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(content)).encode()),
        ]
        out += [(k.encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": content})


def _target(scope: dict[str, Any]) -> str:
    raw = scope.get("raw_path") or scope["path"].encode()
    query = scope.get("query_string") or b""
    return (raw + (b"?" + query if query else b"")).decode("latin-1")


def _basic(headers: dict[str, str]) -> tuple[str, str] | None:
    value = headers.get("authorization", "")
    if not value.startswith("Basic "):
        return None
    try:
        user, _, secret = base64.b64decode(value[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, secret


class FakeServiceNow(FakePlatform):
    """ServiceNow's Table API (`/api/now/table/{table}`), basic auth, JSON.

    Shapes, from ServiceNow's REST API reference for the Table API: a record
    comes back wrapped as `{"result": {...}}`; PATCH on a record answers 200,
    POST creating one answers 201; an error is `{"error": {"message", "detail"},
    "status": "failure"}` — 401 "User Not Authenticated" / "Required to provide
    Auth information", 403 "User Not Authorized" (ACLs), 404 "No Record found".
    Journal fields (`work_notes`, `comments`) are write-only: the answer shows
    them empty. Problem numbers PRB00400NN and the exact detail texts are ours."""

    def __init__(self, *, username: str, password: str) -> None:
        super().__init__()
        self.username, self.password = username, password
        self.incidents: dict[str, str] = {}  # sys_id -> number
        self.problems: list[dict[str, Any]] = []

    def add_incident(self, sys_id: str, number: str) -> None:
        self.incidents[sys_id] = number

    def error(self, status: int) -> Any:
        message = {
            401: "User Not Authenticated",
            403: "User Not Authorized",
            404: "No Record found",
        }
        said = message.get(status, "Service Unavailable" if status >= 500 else "Request failed")
        return {
            "error": {"message": said, "detail": f"(fake) answered {status}"},
            "status": "failure",
        }

    def _failure(self, status: int, message: str, detail: str) -> Answer:
        return status, {"error": {"message": message, "detail": detail}, "status": "failure"}, {}

    def handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        if _basic(headers) != (self.username, self.password):
            return self._failure(
                401, "User Not Authenticated", "Required to provide Auth information"
            )
        if not isinstance(body, dict):
            return self._failure(400, "Exception while reading request", "Invalid payload")
        if method == "PATCH" and (found := re.fullmatch(r"/api/now/table/incident/(\w+)", path)):
            sys_id = found.group(1)
            if sys_id not in self.incidents:
                return self._failure(
                    404,
                    "No Record found",
                    "Record doesn't exist or ACL restricts the record retrieval",
                )
            record = {
                "sys_id": sys_id,
                "number": self.incidents[sys_id],
                "work_notes": "",
                "comments": "",
            }
            return 200, {"result": record}, {}
        if method == "POST" and path == "/api/now/table/problem":
            sys_id = uuid.uuid4().hex
            number = f"PRB{40001 + len(self.problems):07d}"
            self.problems.append({**body, "sys_id": sys_id, "number": number})
            record = {"sys_id": sys_id, "number": number, **body}
            return 201, {"result": record}, {}
        return self._failure(400, "Requested URI does not represent any resource", path)


def _is_adf(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("type") == "doc"
        and value.get("version") == 1
        and isinstance(value.get("content"), list)
    )


class FakeJira(FakePlatform):
    """Jira Cloud's REST API v3, basic auth with an account's email and API token.

    Shapes, from Atlassian's Jira Cloud platform REST v3 reference: `POST
    /rest/api/3/issue/{issueIdOrKey}/comment` takes `{"body": <ADF document>}`
    and answers 201 with the comment (`id`, `self`, `body`, `created`); `POST
    /rest/api/3/issue` takes `{"fields": {project: {key}, issuetype: {name},
    summary, description: <ADF>}}` and answers 201 `{"id", "key", "self"}`.
    Errors are `{"errorMessages": [...], "errors": {field: message}}`; 401 says
    the client must be authenticated, 404 that the issue does not exist or is
    not visible. ADF (the Atlassian Document Format reference) is a `doc` of
    version 1 whose `content` holds block nodes. Issue ids are ours."""

    def __init__(self, *, email: str, api_token: str, projects: dict[str, set[str]]) -> None:
        super().__init__()
        self.email, self.api_token = email, api_token
        self.projects = projects  # project key -> issue type names
        self.issues: set[str] = set()
        self.created: list[dict[str, Any]] = []

    def add_issue(self, key: str) -> None:
        self.issues.add(key)

    def error(self, status: int) -> Any:
        return {"errorMessages": [f"(fake) answered {status}"], "errors": {}}

    def handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        if _basic(headers) != (self.email, self.api_token):
            said = ["Client must be authenticated to access this resource."]
            return 401, {"errorMessages": said, "errors": {}}, {}
        if method == "POST" and (
            found := re.fullmatch(r"/rest/api/3/issue/([A-Z][A-Z0-9_]*-\d+)/comment", path)
        ):
            key = found.group(1)
            if key not in self.issues:
                said = ["Issue does not exist or you do not have permission to see it."]
                return 404, {"errorMessages": said, "errors": {}}, {}
            if not isinstance(body, dict) or not _is_adf(body.get("body")):
                return (
                    400,
                    {"errorMessages": [], "errors": {"comment": "Comment body is not valid!"}},
                    {},
                )
            comment_id = str(10_000 + len(self.received()))
            url = f"{self.url}/rest/api/3/issue/{key}/comment/{comment_id}"
            return 201, {"id": comment_id, "self": url, "body": body["body"]}, {}
        if method == "POST" and path == "/rest/api/3/issue":
            return self._create(body)
        return 404, {"errorMessages": [f"No resource at {path}"], "errors": {}}, {}

    def _create(self, body: Any) -> Answer:
        fields = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            return 400, {"errorMessages": ["fields are required"], "errors": {}}, {}
        errors: dict[str, str] = {}
        project = (fields.get("project") or {}).get("key")
        if project not in self.projects:
            errors["project"] = "valid project is required"
        elif (fields.get("issuetype") or {}).get("name") not in self.projects[project]:
            errors["issuetype"] = "Specify a valid issue type"
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        if "description" in fields and not _is_adf(fields["description"]):
            errors["description"] = "Operation value must be an Atlassian Document"
        if errors:
            return 400, {"errorMessages": [], "errors": errors}, {}
        issue_id = str(20_000 + len(self.created))
        key = f"{project}-{len(self.created) + 1}"
        self.created.append({"key": key, **fields})
        self.issues.add(key)
        return (
            201,
            {"id": issue_id, "key": key, "self": f"{self.url}/rest/api/3/issue/{issue_id}"},
            {},
        )


class FakePagerDuty(FakePlatform):
    """PagerDuty's REST API v2: `POST /incidents/{id}/notes`.

    Shapes, from PagerDuty's REST API v2 reference: `Authorization: Token
    token=<key>`, `Accept: application/vnd.pagerduty+json;version=2`, a `From`
    header naming a valid user's email (required with an account-level key),
    body `{"note": {"content": "…"}}`, answer 201 `{"note": {id, user,
    content, created_at}}`. Errors are `{"error": {"message", "code",
    "errors": [...]}}` (400 "Invalid Input Provided" code 2001, 404 "Not
    Found" code 2100, 401 "Unauthorized"); the 401 code number is ours."""

    def __init__(self, *, api_token: str, users: set[str]) -> None:
        super().__init__()
        self.api_token = api_token
        self.users = users
        self.incidents: set[str] = set()

    def add_incident(self, incident_id: str) -> None:
        self.incidents.add(incident_id)

    def error(self, status: int) -> Any:
        return {"error": {"message": f"(fake) answered {status}", "code": 2000 + status}}

    def handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        if headers.get("authorization") != f"Token token={self.api_token}":
            return 401, {"error": {"message": "Unauthorized", "code": 2006}}, {}
        found = re.fullmatch(r"/incidents/(\w+)/notes", path)
        if method != "POST" or not found:
            return 404, {"error": {"message": "Not Found", "code": 2100}}, {}
        if found.group(1) not in self.incidents:
            return 404, {"error": {"message": "Not Found", "code": 2100}}, {}
        invalid = {"message": "Invalid Input Provided", "code": 2001}
        if headers.get("from") not in self.users:
            return 400, {"error": {**invalid, "errors": ["Requester User Not Found"]}}, {}
        note = body.get("note") if isinstance(body, dict) else None
        if (
            not isinstance(note, dict)
            or not isinstance(note.get("content"), str)
            or not note["content"]
        ):
            return 400, {"error": {**invalid, "errors": ["Note content is required"]}}, {}
        created = {
            "id": f"PNOTE{len(self.received()):04d}",
            "user": {"type": "user_reference", "summary": headers["from"]},
            "content": note["content"],
            "created_at": "2026-12-04T06:00:00Z",
        }
        return 201, {"note": created}, {}
