"""Pages rendered on the server (Jinja2, every value escaped), and the answers
that send people elsewhere, for plain and htmx requests alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined

from ec_console.data.escalation import changed_since
from ec_console.pages.context import Console
from ec_console.security.sessions import Session
from ec_console.views import display


def create_templates() -> Environment:
    env = Environment(
        loader=PackageLoader("ec_console", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        state_label=lambda s: display.STATE_LABELS.get(s, s),
        countdown=display.countdown,
        since=display.since,
        clock=display.clock,
        deadlines=display.deadlines,
        next_deadline=display.next_deadline,
        is_overdue=display.is_overdue,
        actor_text=display.actor_text,
        platform_label=display.platform_label,
        link_platform=display.link_platform,
        incident_platforms=display.incident_platforms,
        changed_since=changed_since,
    )
    return env


def base_path(request: Request) -> str:
    """Where the console is mounted (/console), whatever the host app."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def render(
    request: Request,
    console: Console,
    template: str,
    *,
    session: Session | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    # Only a whole page shows (and so uses up) the messages; a live part that
    # happens to be read first must leave them for it.
    whole_page = not template.endswith("_live.html")
    flash = list(session.flash) if session and whole_page else []
    if session and whole_page:
        session.flash.clear()
    html = console.templates.get_template(template).render(
        base=base_path(request),
        user=session.user if session else None,
        csrf=session.csrf if session else "",
        flash=flash,
        now=datetime.now(UTC),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def go(request: Request, path: str) -> Response:
    """After a change: a full page load of `path` (htmx follows HX-Redirect; a
    plain form, the 303), so every form on it carries the new version."""
    url = base_path(request) + path
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def is_htmx(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))
