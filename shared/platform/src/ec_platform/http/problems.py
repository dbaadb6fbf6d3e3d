"""RFC 9457 problem details for every error answer."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

MEDIA_TYPE = "application/problem+json"
# What FastAPI says when reading a body fails other than as invalid JSON.
FASTAPI_UNPARSABLE_BODY = "There was an error parsing the body"
log = logging.getLogger(__name__)


class ProblemError(Exception):
    """Raised anywhere in an adapter to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        type: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.headers = headers
        self.extra = extra


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    type: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": type, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


class BodyTooLarge(HTTPException):
    """Raised while a body is read past its limit: an HTTPException, so that
    FastAPI's body parsing passes it on (it turns other errors into a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body is larger than {limit} bytes")
        self.limit = limit


def too_large(limit: int) -> ProblemError:
    return ProblemError(
        413,
        "Content Too Large",
        f"the body is larger than {limit} bytes",
        type="/problems/body-too-large",
        limit=limit,
    )


def answer_with(problem: ProblemError) -> JSONResponse:
    return problem_response(
        problem.status,
        problem.title,
        problem.detail,
        type=problem.type,
        headers=problem.headers,
        **problem.extra,
    )


def body_too_large(limit: int) -> JSONResponse:
    return answer_with(too_large(limit))


def too_many_requests(wait_s: int, detail: str) -> ProblemError:
    """429, with how long to wait before trying again."""
    return ProblemError(
        429,
        "Too Many Requests",
        detail,
        type="/problems/too-many-requests",
        headers={"Retry-After": str(wait_s)},
    )


def invalid_input(field: str, message: str) -> ProblemError:
    """422 naming one field, in the shape of the validation errors."""
    return ProblemError(
        422,
        "Invalid input",
        f"{field}: {message}",
        type="/problems/invalid-input",
        errors=[{"field": field, "message": message}],
    )


def malformed_json(message: str) -> ProblemError:
    return ProblemError(
        400,
        "Malformed JSON",
        f"the body is not valid JSON: {message}",
        type="/problems/malformed-json",
    )


def _field_path(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(part) for part in location)


def describe_validation(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    fields = [{"field": _field_path(tuple(e["loc"])), "message": str(e["msg"])} for e in errors]
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return detail, fields


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def on_problem(_: Request, error: ProblemError) -> JSONResponse:
        return answer_with(error)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = list(error.errors())
        broken = next((e for e in errors if e["type"] == "json_invalid"), None)
        if broken is not None:
            # FastAPI files a body it cannot parse with the validation errors;
            # it is not invalid input but no JSON at all: 400, as everywhere.
            reason = broken.get("ctx", {}).get("error") or broken["msg"]
            return await on_problem(request, malformed_json(f"{reason} at {broken['loc'][-1]}"))
        detail, fields = describe_validation(errors)
        return problem_response(
            422, "Invalid input", detail, type="/problems/invalid-input", errors=fields
        )

    @app.exception_handler(BodyTooLarge)
    async def on_too_large(_: Request, error: BodyTooLarge) -> JSONResponse:
        return body_too_large(error.limit)

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 400 and error.detail == FASTAPI_UNPARSABLE_BODY:
            # A body FastAPI could not even decode (not UTF-8, say).
            return await on_problem(request, malformed_json("it cannot be decoded"))
        return problem_response(
            error.status_code,
            _title(error.status_code),
            str(error.detail),
            headers=dict(error.headers or {}),
        )

    @app.exception_handler(Exception)
    async def on_crash(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "Internal Server Error", "the server failed; see its log")


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
