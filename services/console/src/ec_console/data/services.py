"""The services' HTTP APIs as the console calls them: always with the signed-in
user's own token, never with one of its own."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from ec_console.settings import ConsoleSettings
from ec_platform.observability.tracing import send_trace_context

Service = Literal["intake", "escalation", "notifier", "monitor"]
SERVICES: tuple[Service, ...] = ("intake", "escalation", "notifier", "monitor")


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, read whole: problem+json bodies included."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def detail(self) -> str:
        if isinstance(self.body, dict):
            return str(self.body.get("detail") or self.body.get("title") or self.status)
        return f"the service answered {self.status}"

    def field_errors(self) -> dict[str, str]:
        """422's `errors` list, by field path."""
        errors = self.body.get("errors") if isinstance(self.body, dict) else None
        out: dict[str, str] = {}
        for item in errors or []:
            if isinstance(item, dict) and "field" in item:
                out.setdefault(str(item["field"]), str(item.get("message", "invalid")))
        return out


UNAVAILABLE = 503


def _answer(response: httpx.Response) -> Answer:
    try:
        parsed: Any = response.json() if response.content else None
    except json.JSONDecodeError:
        parsed = {"detail": response.text[:500]}
    return Answer(response.status_code, parsed, dict(response.headers))


class Services:
    """One pooled client per service. In the embedded mode every client goes to
    the same in-process app through an ASGI transport."""

    def __init__(self, clients: Mapping[Service, httpx.AsyncClient]) -> None:
        self._clients = clients

    @classmethod
    async def open(
        cls,
        settings: ConsoleSettings,
        stack: AsyncExitStack,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> Services:
        urls: dict[Service, str] = {
            "intake": settings.intake_url,
            "escalation": settings.escalation_url,
            "notifier": settings.notifier_url,
            "monitor": settings.monitor_url,
        }
        clients: dict[Service, httpx.AsyncClient] = {}
        for name in SERVICES:
            base = "http://embedded" if transport is not None else urls[name]
            client = httpx.AsyncClient(
                base_url=base,
                transport=transport,
                timeout=settings.api_timeout_s,
                event_hooks={"request": [send_trace_context]},
            )
            clients[name] = await stack.enter_async_context(client)
        return cls(clients)

    async def call(
        self,
        service: Service,
        method: str,
        path: str,
        *,
        token: str | None,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        if_match: int | None = None,
        for_client: str | None = None,
    ) -> Answer:
        """`token` None: a call without one (the customer's routes, whose link is
        their credential). `for_client`: the address of the person this call is
        made for, forwarded so a service that trusts the console as a proxy
        (EC_TRUSTED_PROXIES) paces and throttles that person, not the console."""
        headers = {"Accept": "application/json"}
        if for_client is not None:
            headers["X-Forwarded-For"] = for_client
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        try:
            response = await self._clients[service].request(
                method, path, params=params, json=body, headers=headers
            )
        except httpx.TransportError as error:
            return Answer(UNAVAILABLE, {"detail": f"the {service} service is unreachable: {error}"})
        return _answer(response)

    async def get(
        self,
        service: Service,
        path: str,
        *,
        token: str,
        params: Mapping[str, str | int] | None = None,
    ) -> Answer:
        return await self.call(service, "GET", path, token=token, params=params)

    async def text(
        self, service: Service, path: str, *, token: str, params: Mapping[str, str | int]
    ) -> Answer:
        """A text answer (CSV) as it came, its body a str; a refusal read as
        problem+json like any other."""
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/csv"}
        try:
            response = await self._clients[service].get(path, params=params, headers=headers)
        except httpx.TransportError as error:
            return Answer(UNAVAILABLE, {"detail": f"the {service} service is unreachable: {error}"})
        if not response.is_success:
            return _answer(response)
        return Answer(response.status_code, response.text, dict(response.headers))

    async def all_items(
        self,
        service: Service,
        path: str,
        *,
        token: str,
        params: Mapping[str, str | int] | None = None,
        cap: int = 5_000,
    ) -> tuple[list[dict[str, Any]], Answer | None]:
        """Every page of a list endpoint (up to `cap` items), or the failing answer."""
        items: list[dict[str, Any]] = []
        query: dict[str, str | int] = {"limit": 500, **(params or {})}
        while len(items) < cap:
            answer = await self.get(service, path, token=token, params=query)
            if not answer.ok:
                return items, answer
            items.extend(answer.body.get("items", []))
            following = answer.body.get("next")
            if not following:
                break
            query = {**query, "cursor": following}
        return items, None

    async def stream(
        self, service: Service, path: str, *, token: str, params: Mapping[str, str]
    ) -> AsyncIterator[bytes]:
        """A long answer passed on as it comes (the NDJSON export)."""
        headers = {"Authorization": f"Bearer {token}"}
        async with self._clients[service].stream(
            "GET", path, params=params, headers=headers
        ) as response:
            async for chunk in response.aiter_bytes():
                yield chunk
