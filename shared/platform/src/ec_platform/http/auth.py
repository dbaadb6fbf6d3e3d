"""Bearer tokens and roles (EC_API_TOKENS = comma-separated role:token entries)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from ec_platform.http.problems import ProblemError, too_many_requests
from ec_platform.http.throttle import Guesses, client_address

ROLES = frozenset({"intake", "operator", "auditor", "admin"})
ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's role and a name that is safe to record."""

    role: str
    name: str

    def may(self, roles: Iterable[str]) -> bool:
        return self.role == ADMIN or self.role in set(roles)

    def as_actor(self) -> dict[str, str]:
        return {"role": self.role, "name": self.name}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _name_of(role: str, token: str) -> str:
    # A token written as "name:secret" names its holder; otherwise a short
    # fingerprint stands in, so the secret itself is never recorded.
    head, sep, _ = token.partition(":")
    return head if sep and head else f"{role}-{_digest(token)[:8]}"


class TokenRegistry:
    def __init__(self, principals: dict[str, Principal]) -> None:
        self._by_digest = principals

    @classmethod
    def parse(cls, spec: str) -> TokenRegistry:
        principals: dict[str, Principal] = {}
        for entry in (part.strip() for part in spec.split(",")):
            if not entry:
                continue
            role, sep, token = entry.partition(":")
            if not sep or not token:
                raise ValueError("EC_API_TOKENS entries must look like role:token")
            if role not in ROLES:
                raise ValueError(f"EC_API_TOKENS names an unknown role {role!r}")
            principals[_digest(token)] = Principal(role=role, name=_name_of(role, token))
        if not principals:
            raise ValueError("EC_API_TOKENS holds no token")
        return cls(principals)

    @classmethod
    def with_generated_admin(cls) -> tuple[TokenRegistry, str]:
        token = secrets.token_urlsafe(24)
        return cls({_digest(token): Principal(role=ADMIN, name="admin-generated")}), token

    def with_service(self, role: str, name: str) -> tuple[TokenRegistry, str]:
        """This registry and one more token, made for a service calling another
        in the same process (the embedded mode); the token is never shown."""
        token = secrets.token_urlsafe(24)
        principals = {**self._by_digest, _digest(token): Principal(role=role, name=name)}
        return TokenRegistry(principals), token

    def authenticate(self, token: str) -> Principal | None:
        return self._by_digest.get(_digest(token))


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(
            401,
            "Unauthorized",
            "send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token.strip()


class RoleRequirement:
    """A dependency admitting the given roles (admin is always admitted). A
    class, not a closure, so the OpenAPI document can tell which routes need a
    token and which roles (ec_platform.http.openapi)."""

    def __init__(self, roles: Iterable[str]) -> None:
        self.roles = frozenset(roles)

    # async: FastAPI runs a plain function dependency on a worker thread, a
    # hand-off to and from the event loop on every request for a dict lookup.
    async def __call__(self, request: Request) -> Principal:
        registry: TokenRegistry = request.app.state.tokens
        guesses: Guesses | None = getattr(request.app.state, "token_guesses", None)
        address = client_address(request.client)
        if guesses is not None:
            wait = guesses.wait_for(address)
            if wait is not None:
                raise too_many_requests(
                    wait, "too many unknown tokens from your address; wait and try again"
                )
        principal = registry.authenticate(_bearer(request))
        if principal is None:
            if guesses is not None:
                guesses.failure(address)
            raise ProblemError(
                401, "Unauthorized", "unknown token", headers={"WWW-Authenticate": "Bearer"}
            )
        if not principal.may(self.roles):
            raise ProblemError(
                403,
                "Forbidden",
                f"role {principal.role!r} may not do this; needs one of: "
                + ", ".join(sorted(self.roles | {ADMIN})),
            )
        return principal


def require(*roles: str) -> RoleRequirement:
    return RoleRequirement(roles)


Operator = Annotated[Principal, Depends(require("operator"))]
Reader = Annotated[Principal, Depends(require("operator", "auditor"))]
Auditor = Annotated[Principal, Depends(require("auditor"))]
IntakeCaller = Annotated[Principal, Depends(require("intake"))]
Admin = Annotated[Principal, Depends(require(ADMIN))]


def whoami_router() -> APIRouter:
    """`GET /v1/me`: who a token is (its role and the name recorded as actor), for
    clients such as the console that sign people in with their own token."""
    router = APIRouter(tags=["auth"])

    @router.get("/v1/me", summary="The caller's role and recorded name")
    async def me(caller: Annotated[Principal, Depends(require(*ROLES))]) -> dict[str, str]:
        return caller.as_actor()

    return router
