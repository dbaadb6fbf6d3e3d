"""Signing in with a token, and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ec_console.pages.context import Console, Context, CurrentSession, MaybeSession
from ec_console.pages.rendering import base_path, go, render
from ec_console.security.sessions import COOKIE, LOGIN_COOKIE, User, csrf_matches
from ec_platform.http.throttle import client_address

CONSOLE_ROLES = ("operator", "auditor", "admin")


def secure_cookies(request: Request, console: Console) -> bool:
    """Behind a TLS proxy the console sees plain http unless the proxy is
    trusted (EC_TRUSTED_PROXIES); EC_CONSOLE_SECURE_COOKIES=true says so outright."""
    forced = console.settings.secure_cookies
    return forced if forced is not None else request.url.scheme == "https"


def _login_page(
    request: Request, console: Console, *, error: str | None = None, status_code: int = 200
) -> Response:
    nonce, cookie = console.sessions.login_nonce()
    response = render(
        request,
        console,
        "login.html",
        session=None,
        nonce=nonce,
        error=error,
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        cookie,
        max_age=3600,
        path=base_path(request) or "/",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request, console),
    )
    return response


async def _who(request: Request, console: Console, token: str) -> User | str:
    """The token's holder, as the escalation service knows it, or why not."""
    address = client_address(request.client)
    wait = console.sign_ins.wait_for(address)
    if wait is not None:
        return f"Too many failed sign-ins from your address. Try again in {wait} seconds."
    answer = await console.services.call(
        "escalation", "GET", "/v1/me", token=token, for_client=address
    )
    if answer.status == 429:
        return "Too many failed sign-ins from your address. Try again in a minute."
    if answer.status == 401:
        console.sign_ins.failure(address)
        return "This token is not known. Check it and try again."
    if not answer.ok:
        return f"Could not check the token: {answer.detail}"
    user = User(role=str(answer.body["role"]), name=str(answer.body["name"]))
    if user.role not in CONSOLE_ROLES:
        return (
            f"A token of role {user.role!r} cannot use the console; "
            "it needs operator, auditor or admin."
        )
    return user


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/login")
    async def login_form(request: Request, console: Context, session: MaybeSession) -> Response:
        if session is not None:
            return RedirectResponse(base_path(request) + "/", status_code=303)
        return _login_page(request, console)

    @router.post("/login")
    async def login(
        request: Request,
        console: Context,
        token: Annotated[str, Form(max_length=1_000)] = "",
        nonce: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        if not console.sessions.login_nonce_matches(request.cookies.get(LOGIN_COOKIE), nonce):
            return _login_page(
                request,
                console,
                error="The form had expired; please sign in again.",
                status_code=403,
            )
        token = token.strip()
        if not token:
            return _login_page(request, console, error="Enter your token.", status_code=422)
        who = await _who(request, console, token)
        if isinstance(who, str):
            return _login_page(request, console, error=who, status_code=401)
        _, cookie = console.sessions.create(token, who)
        response = RedirectResponse(base_path(request) + "/", status_code=303)
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=console.sessions.lifetime_s,
            path=base_path(request) or "/",
            httponly=True,
            samesite="lax",
            secure=secure_cookies(request, console),
        )
        response.delete_cookie(LOGIN_COOKIE, path=base_path(request) or "/")
        return response

    @router.post("/logout")
    async def logout(
        request: Request,
        console: Context,
        session: CurrentSession,
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        if not csrf_matches(session, csrf):
            return render(
                request,
                console,
                "error.html",
                session=session,
                status_code=403,
                message=CSRF_MESSAGE,
            )
        console.sessions.end(session)
        response = go(request, "/login")
        response.delete_cookie(COOKIE, path=base_path(request) or "/")
        return response

    return router


CSRF_MESSAGE = (
    "This form is too old or did not come from this console. Reload the page and try again."
)
