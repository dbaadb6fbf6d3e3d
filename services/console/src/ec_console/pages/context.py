"""What every console route runs with, as `Annotated` dependencies: the
console's objects (`Context`), the signed-in user's session (`CurrentSession`,
or `MaybeSession` where signing in is optional) and, on the customer's pages,
what they answer with (`CustomerContext`). The one place that reads them from
the app (`app.state`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from jinja2 import Environment

from ec_console.data.live import Hub
from ec_console.data.services import Services
from ec_console.data.statecache import StateSince
from ec_console.pages.customer_answers import CustomerPages
from ec_console.security.sessions import COOKIE, Session, SessionStore
from ec_console.settings import ConsoleSettings
from ec_platform.http.throttle import Guesses


@dataclass(frozen=True)
class Console:
    settings: ConsoleSettings
    services: Services
    sessions: SessionStore
    templates: Environment
    hub: Hub
    state_since: StateSince
    sign_ins: Guesses


async def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


Context = Annotated[Console, Depends(console_of)]


class SignedOut(Exception):
    """Raised by a page that needs a session; answered with the login page."""


async def session_of(request: Request, console: Context) -> Session | None:
    return console.sessions.find(request.cookies.get(COOKIE))


MaybeSession = Annotated[Session | None, Depends(session_of)]


async def signed_in(session: MaybeSession) -> Session:
    if session is None:
        raise SignedOut
    return session


CurrentSession = Annotated[Session, Depends(signed_in)]


async def customer_pages_of(request: Request) -> CustomerPages:
    pages: CustomerPages = request.app.state.pages
    return pages


CustomerContext = Annotated[CustomerPages, Depends(customer_pages_of)]
