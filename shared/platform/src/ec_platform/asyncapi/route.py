"""`GET /asyncapi.json`: the event catalogue of the app's services. Like
/openapi.json it needs no token: it describes the interface, not the data."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

PATH = "/asyncapi.json"


def asyncapi_router(document: Callable[[], dict[str, Any]]) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    built = cache(document)  # on first request, not at start-up

    @router.get(PATH)
    async def asyncapi() -> JSONResponse:
        return JSONResponse(built())

    return router
