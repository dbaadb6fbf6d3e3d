"""What every console route shares, and the signed-in user of a request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from jinja2 import Environment

from ec_console.data.live import Hub
from ec_console.data.services import Services
from ec_console.data.statecache import StateSince
from ec_console.security.sessions import COOKIE, Session, SessionStore
from ec_console.settings import ConsoleSettings
from ec_platform.throttle import Guesses


@dataclass(frozen=True)
class Console:
    settings: ConsoleSettings
    services: Services
    sessions: SessionStore
    templates: Environment
    hub: Hub
    state_since: StateSince
    sign_ins: Guesses


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


class SignedOut(Exception):
    """Raised by a page that needs a session; answered with the login page."""


def session_of(request: Request) -> Session | None:
    return console_of(request).sessions.find(request.cookies.get(COOKIE))


async def signed_in(request: Request) -> Session:
    session = session_of(request)
    if session is None:
        raise SignedOut
    return session


CurrentSession = Annotated[Session, Depends(signed_in)]
