"""What the customer's pages answer with: the page itself, and the one refusal
every link that does not open gets. The escalation service checks the token;
this only reads and shows."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from ec_console.data.services import Answer, Services
from ec_console.security.customer_guard import csrf_value
from ec_platform.http.throttle import client_address

LONGEST_WORDS = 2_000
# The act of the refusal page's form: a new link, by mail.
ASK_FOR_LINK = "ask_link"
REFUSED = (
    "It may have expired, been replaced by a newer one, or been copied incompletely. "
    "Ask your escalation manager for a new link, or have one sent to you by mail."
)
TRY_LATER = "We could not take your request just now; please try again in a moment."
LINK_ASKED = (
    "If this link was sent to you and your escalation still has a page, a new link is on its "
    "way to you by mail."
)


class CustomerPages:
    def __init__(self, services: Services, templates: Environment, secret: str) -> None:
        self.services = services
        self.templates = templates
        self.secret = secret

    async def read(self, request: Request, token: str) -> Answer:
        return await self.services.call(
            "escalation", "GET", f"/v1/customer/{token}", token=None, for_client=client_of(request)
        )

    def render(self, request: Request, token: str, page: Any, **extra: Any) -> HTMLResponse:
        html = self.templates.get_template("customer.html").render(
            page=page,
            csrf=csrf_value(self.secret, token),
            action=f"{request.scope.get('root_path', '')}/{token}",
            longest=LONGEST_WORDS,
            **{"done": None, "problem": None, **extra},
        )
        return HTMLResponse(html)

    def refusal(self, request: Request, token: str, status: int = 404) -> HTMLResponse:
        """One answer for every link that does not open, offering a new link by mail."""
        return self._plain(
            request,
            "This link does not open a page",
            REFUSED,
            status=status,
            # The page's own address: nothing in the refusal tells links apart
            # but the CSRF value, which is bound to the link and says nothing.
            ask_act=ASK_FOR_LINK,
            csrf=csrf_value(self.secret, token),
        )

    def link_asked(self, request: Request) -> HTMLResponse:
        return self._plain(request, "A new link by mail", LINK_ASKED, status=200)

    def try_later(self, request: Request) -> HTMLResponse:
        return self._plain(request, "Please try again", TRY_LATER, status=503)

    def _plain(
        self, request: Request, heading: str, message: str, *, status: int, **form: str
    ) -> HTMLResponse:
        html = self.templates.get_template("customer_refused.html").render(
            heading=heading,
            message=message,
            static=f"{request.scope.get('root_path', '')}/static",
            **{"ask_act": None, **form},
        )
        return HTMLResponse(html, status_code=status)


def client_of(request: Request) -> str:
    return client_address(request.client)
