"""Reading request bodies with a size limit and precise validation errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from ec_platform.http.problems import (
    BodyTooLarge,
    ProblemError,
    describe_validation,
    invalid_input,
    malformed_json,
    too_large,
)

M = TypeVar("M", bound=BaseModel)


async def read_body(request: Request, *, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes)
    body = bytearray()
    try:
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > max_bytes:
                raise too_large(max_bytes)
    except BodyTooLarge as error:
        # The app-wide limit (BodyLimitMiddleware) cut the stream first: the
        # same answer, as a ProblemError the route can count like the others.
        raise too_large(error.limit) from None
    return bytes(body)


def parse_json_body(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        errors = list(error.errors())
        if any(e["type"] == "json_invalid" for e in errors):
            raise malformed_json(str(errors[0]["msg"])) from None
        detail, fields = describe_validation([dict(e) for e in errors])
        raise ProblemError(
            422, "Invalid input", detail, type="/problems/invalid-input", errors=fields
        ) from None


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its body itself: the model's JSON
    schema with its `$defs` inlined, since those references would not resolve
    inside the OpenAPI document."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/$defs/"):
                return inline(definitions[reference.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline(schema)}},
        }
    }


async def refuse_nul_in_query(request: Request) -> None:
    """Every route's guard: PostgreSQL text cannot hold a NUL character, so a
    query parameter with one is invalid input (422), never a server error.
    async, as every dependency here: a plain function would run on a worker
    thread, a hand-off to and from the event loop on every request."""
    for name, value in request.query_params.multi_items():
        if "\x00" in value:
            raise invalid_input(name, "must not contain a NUL character")


async def refuse_unknown_query(request: Request) -> None:
    """Every documented route's guard: a query parameter the route does not
    declare is invalid input (422), as its OpenAPI document says. Ignoring it
    would answer a misspelt filter (`?stat=open`) with everything, unfiltered.
    Routes outside the document (the console's pages) read their own."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return
    if not request.query_params:
        return
    # Walked on each request that has a query: a route's tree is a handful of
    # nodes, and a route cannot key a cache (it is unhashable).
    declared = frozenset(_query_aliases(route.dependant))
    for name in request.query_params:
        if name not in declared:
            raise invalid_input(name, "is not a query parameter of this route")


def _query_aliases(dependant: Dependant) -> Iterator[str]:
    yield from (field.alias for field in dependant.query_params)
    for dependency in dependant.dependencies:
        yield from _query_aliases(dependency)
