"""Mail to a customer contact carries their personal link to their page.

The escalation service issues it (only a hash is kept there); the notifier asks
for one as it sends each mail to a customer contact, so the token exists nowhere
but in that mail. Nobody else's mail asks: the manager's and the team's mail
never waits on the escalation service. A link that cannot be had never holds a
mail back: it goes without one, saying how to get one, and is counted.

A mail that only others will read (the outbox, which operators and auditors
open) gets the link masked, and no link is issued for it: whoever holds a live
link acts in the customer's name, so the only copy is the one the customer
receives. The delivery log never holds the link either: it keeps the text from
before the link is added."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

import httpx

from ec_notifier.channels.adapters import Channel
from ec_notifier.domain.routing import CUSTOMER_CONTACT
from ec_notifier.store.claims import Claimed, Outcome
from ec_platform.http.metrics import Metrics

log = logging.getLogger(__name__)


# What stands in for the token wherever someone other than the recipient reads the mail.
HIDDEN = "••••••"


def masked(page_url: str) -> str:
    """The customer's link as anyone but the customer sees it."""
    return f"{page_url.rstrip('/')}/{HIDDEN}"


def with_link(body: str, url: str) -> str:
    return (
        f"{body}\n\nYour own page for this escalation (personal: please do not forward it):\n"
        f"{url}\n"
    )


def without_link(body: str) -> str:
    return (
        f"{body}\n\nYour personal link to this escalation's page could not be added to this "
        "mail. A link from an earlier mail still opens the page; on a page that no longer "
        'opens, "Email me a new link" sends you a new one. Or reply to ask your escalation '
        "manager for one.\n"
    )


class WithCustomerLink:
    def __init__(
        self,
        inner: Channel,
        escalation: httpx.AsyncClient,
        page_url: str,
        *,
        metrics: Metrics,
        timeout_s: float,
        read_by_others: bool = False,
    ) -> None:
        self.inner = inner
        self.escalation = escalation
        self.page_url = page_url.rstrip("/")
        # The link waits at most this long, so a slow escalation service
        # leaves the mail most of its own time.
        self.timeout_s = timeout_s
        # The inner channel keeps the mail for others to read (the outbox):
        # the mail shows where the link goes, and no live link is issued.
        self.read_by_others = read_by_others
        self._missing = metrics.counter(
            "ec_notifier_customer_links_missing",
            "Mails to customer contacts sent without their personal link (the escalation "
            "service could not issue one)",
        )

    async def send(self, delivery: Claimed, now: datetime) -> Outcome:
        if delivery.role != CUSTOMER_CONTACT:
            return await self.inner.send(delivery, now)
        if self.read_by_others:
            body = with_link(delivery.body, masked(self.page_url))
            return await self.inner.send(replace(delivery, body=body), now)
        token = await self._token_for(delivery)
        if token is None:
            self._missing.inc()
            delivery = replace(delivery, body=without_link(delivery.body))
        elif token:
            delivery = replace(delivery, body=with_link(delivery.body, f"{self.page_url}/{token}"))
        return await self.inner.send(delivery, now)

    async def _token_for(self, delivery: Claimed) -> str | None:
        """The new link's token; "" when the service says this recipient gets
        none (no longer a contact); None when it could not be asked."""
        try:
            answer = await self.escalation.post(
                f"/v1/escalations/{delivery.escalation_id}/customer-links",
                json={"email": delivery.recipient},
                timeout=self.timeout_s,
            )
        except httpx.HTTPError as error:
            log.warning(
                "delivery %s: no personal link for a customer contact's mail (%s: %s); "
                "sending it without one",
                delivery.id,
                type(error).__name__,
                error,
            )
            return None
        if answer.status_code == 201:
            token = _token_in(answer)
            if token:
                return token
        elif answer.status_code in (404, 409):
            return ""  # no longer a contact of this escalation, or no such escalation
        log.warning(
            "delivery %s: the escalation service answered %d to a personal link; "
            "sending the mail without one",
            delivery.id,
            answer.status_code,
        )
        return None


def _token_in(answer: httpx.Response) -> str | None:
    try:
        token = answer.json().get("token")
    except (ValueError, AttributeError):
        return None
    return token if isinstance(token, str) and token else None
