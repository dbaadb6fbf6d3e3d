"""Reading the email outbox: what people would have been told, newest first."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import select

from ec_notifier.http.context import Context
from ec_notifier.http.views import OutboxMessage, OutboxMessageView
from ec_platform.http.auth import Reader
from ec_platform.http.pagination import Page, Paging, TimeIdKeyset, keyset_page
from ec_platform.http.problems import ProblemError

RFC822 = "message/rfc822"


def outbox_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "delivery_id": str(row["id"]),
        "event_id": str(row["event_id"]),
        "event_type": row["event_type"],
        "escalation_id": str(row["escalation_id"]),
        "from": row["sender"],
        "to": row["to_address"],
        "to_name": row["to_name"],
        "subject": row["subject"],
        "date": row["sent_at"].isoformat(),
        "message_id": row["message_id"],
    }


def add_outbox_routes(router: APIRouter) -> None:
    @router.get(
        "/v1/outbox",
        summary="Email kept instead of sent (no SMTP server), newest first",
        response_model=Page[OutboxMessageView],
        response_model_by_alias=True,
    )
    async def list_outbox(
        context: Context,
        _: Reader,
        paging: Paging,
        escalation_id: UUID | None = None,
        to: Annotated[
            str | None,
            Query(max_length=2000, description="the recipient's address, exactly"),
        ] = None,
    ) -> dict[str, Any]:
        table = context.tables.outbox
        query = select(table)
        if escalation_id is not None:
            query = query.where(table.c.escalation_id == escalation_id)
        if to is not None:
            query = query.where(table.c.to_address == to)
        keyset = TimeIdKeyset(table.c.sent_at, table.c.id, "sent_at", "id", newest_first=True)
        return await keyset_page(context.db, keyset, query, paging, view=outbox_view)

    @router.get(
        "/v1/outbox/{delivery_id}",
        summary="One kept email: its headers and text (or the whole message as message/rfc822)",
        response_model=OutboxMessage,
        response_model_by_alias=True,
        responses={
            200: {
                "content": {RFC822: {"schema": {"type": "string"}}},
                "description": "the message; with `Accept: message/rfc822`, as an SMTP "
                "server would have received it (save it as .eml)",
            }
        },
    )
    async def get_outbox_message(
        request: Request, context: Context, _: Reader, delivery_id: UUID
    ) -> dict[str, Any] | Response:
        table = context.tables.outbox
        async with context.db.read() as conn:
            row = (await conn.execute(select(table).where(table.c.id == delivery_id))).first()
        if row is None:
            raise ProblemError(
                404, "Not Found", f"no message of delivery {delivery_id} in the outbox"
            )
        found = dict(row._mapping)
        if RFC822 in request.headers.get("accept", ""):
            return PlainTextResponse(found["raw"], media_type=RFC822)
        return {
            **outbox_view(found),
            "headers": [tuple(pair) for pair in found["headers"]],
            "body": found["body"],
        }
