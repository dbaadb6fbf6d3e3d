"""Mail to a customer contact carries their personal link to their page.

The escalation service issues it (only a hash is kept there); the notifier asks
for one as it sends each mail, so the token exists nowhere but in that mail.
A recipient who is not a customer contact of the escalation gets no link (the
service refuses to issue one), and a failure to issue never holds a mail back."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

import httpx

from ec_notifier.channels import Channel
from ec_notifier.claims import Claimed, Outcome

log = logging.getLogger(__name__)


def with_link(body: str, url: str) -> str:
    return (
        f"{body}\n\nYour own page for this escalation (personal: please do not forward it):\n"
        f"{url}\n"
    )


class WithCustomerLink:
    def __init__(self, inner: Channel, escalation: httpx.AsyncClient, page_url: str) -> None:
        self.inner = inner
        self.escalation = escalation
        self.page_url = page_url.rstrip("/")

    async def send(self, delivery: Claimed, now: datetime) -> Outcome:
        token = await self._token_for(delivery)
        if token is not None:
            delivery = replace(delivery, body=with_link(delivery.body, f"{self.page_url}/{token}"))
        return await self.inner.send(delivery, now)

    async def _token_for(self, delivery: Claimed) -> str | None:
        try:
            answer = await self.escalation.post(
                f"/v1/escalations/{delivery.escalation_id}/customer-links",
                json={"email": delivery.recipient},
            )
        except httpx.HTTPError as error:
            log.warning("no personal link for a mail to %s: %s", delivery.recipient, error)
            return None
        if answer.status_code != 201:
            return None  # not a customer contact (409), or the service said no
        token: str = answer.json()["token"]
        return token
