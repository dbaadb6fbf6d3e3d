"""The notifier's email outbox (mail kept instead of sent, as in the embedded
mode): each message with its text, as its recipient would read it."""

from __future__ import annotations

import asyncio
from typing import Any

from ec_console.data.services import Answer, Services


async def with_bodies(
    services: Services, token: str, listed: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each message with its `headers` and `body` (read in parallel; a message
    that cannot be read keeps its listing and says why)."""
    answers = await asyncio.gather(
        *(services.get("notifier", f"/v1/outbox/{m['id']}", token=token) for m in listed)
    )
    return [
        answer.body if answer.ok else {**m, "headers": [], "body": None, "error": answer.detail}
        for m, answer in zip(listed, answers, strict=True)
    ]


async def of_escalation(
    services: Services, token: str, escalation_id: str, *, cap: int = 30
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """Newest first; None and why when the outbox cannot be read (no outbox: mail
    is sent through a real server)."""
    answer = await services.get(
        "notifier",
        "/v1/outbox",
        token=token,
        params={"escalation_id": escalation_id, "limit": cap},
    )
    if not answer.ok:
        return None, why(answer)
    return await with_bodies(services, token, answer.body.get("items", [])), None


def why(answer: Answer) -> str:
    if answer.status == 404:
        return "this notifier keeps no outbox (email goes to a mail server)"
    return answer.detail
