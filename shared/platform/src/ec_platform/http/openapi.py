"""The OpenAPI document as a person needs it: the bearer scheme on every route
that takes a token (so /docs can "Authorize" and "Try it out"), and each
route's real error answers, problem+json, derived from what the route is
instead of repeated on each one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from starlette.routing import BaseRoute

from ec_platform.http.auth import ADMIN, RoleRequirement
from ec_platform.http.problems import MEDIA_TYPE

BEARER = "bearer"
PROBLEM_REF = "#/components/schemas/ProblemDetails"

# What each error status means on these APIs.
MEANINGS = {
    400: "Malformed JSON (or a malformed header, such as If-Match)",
    401: "No bearer token, or one this service does not know",
    403: "The token's role may not do this",
    404: "No such resource",
    409: "The current state does not allow this",
    412: "If-Match names a version that is no longer the current one",
    413: "The body is larger than the limit (EC_MAX_BODY_BYTES, or the intake's own)",
    422: "Invalid input; `errors` names each field",
    429: "Too many requests from the address; Retry-After says when to try again",
}


# A time as the routes write it (datetime.isoformat(), always with its zone):
# typed as text so a response model passes it through unchanged.
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]


class ProblemField(BaseModel):
    field: str = Field(description="the field's path, dotted (customer.tier)")
    message: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details: the body of every error answer."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description="what kind of problem, e.g. /problems/invalid-input; "
        "about:blank when the status says it all"
    )
    title: str
    status: int
    detail: str = Field(description="what went wrong this time, for a person")
    errors: list[ProblemField] | None = Field(
        default=None, description="on 422: each invalid field and why"
    )


def problem_answer(status: int, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or MEANINGS.get(status) or HTTPStatus(status).phrase,
        "content": {MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}},
    }


def problems(
    *statuses: int, why: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """`responses=` for the error answers a route gives beyond those derived
    from its shape (see `_complete_operation`): `problems(409, why={409: "…"})`."""
    return {status: problem_answer(status, (why or {}).get(status)) for status in statuses}


def install_openapi(app: FastAPI, *, description: str) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, description=description, routes=app.routes
            )
            complete(document, app.routes)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any], routes: Sequence[BaseRoute]) -> None:
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from EC_API_TOKENS (the part after `role:`)",
    }
    schemas = components.setdefault("schemas", {})
    problem_schema = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["ProblemDetails"] = problem_schema
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                _complete_operation(operation, _roles(route.dependant))
    if "HTTPValidationError" not in str(document["paths"]):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)


def _complete_operation(operation: dict[str, Any], roles: frozenset[str] | None) -> None:
    statuses: set[int] = set()
    if roles is not None:
        operation.setdefault("security", [{BEARER: []}])
        allowed = ", ".join(sorted(roles | {ADMIN}))
        operation["description"] = (
            operation.get("description", "") + f"\n\nRoles: {allowed}."
        ).strip()
    if "security" in operation:
        # 429: the token check itself refuses an address that keeps guessing.
        statuses |= {401, 403, 429}
    if "requestBody" in operation:
        statuses |= {400, 413, 422}
    parameters = operation.get("parameters", [])
    if parameters:
        statuses.add(422)
    if any(p["in"] == "path" for p in parameters):
        statuses.add(404)
    if any(p["in"] == "header" and p["name"].lower() == "if-match" for p in parameters):
        statuses |= {400, 412}
    responses = operation.setdefault("responses", {})
    for status in statuses:
        existing = responses.get(str(status))
        if existing is None or _is_fastapi_validation(existing):
            responses[str(status)] = problem_answer(status)
    operation["responses"] = dict(sorted(responses.items()))


def _is_fastapi_validation(response: dict[str, Any]) -> bool:
    return "HTTPValidationError" in str(response.get("content", {}))


def _roles(dependant: Dependant) -> frozenset[str] | None:
    for dependency in _walk(dependant.dependencies):
        if isinstance(dependency.call, RoleRequirement):
            return dependency.call.roles
    return None


def _walk(dependencies: Iterable[Dependant]) -> Iterable[Dependant]:
    for dependency in dependencies:
        yield dependency
        yield from _walk(dependency.dependencies)
