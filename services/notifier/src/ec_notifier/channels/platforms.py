"""The write-back channels' adapters: notes and problem records on the ITSM
platforms, and a created problem record linked back to the escalation. Each
turns a claimed delivery into one attempt and its outcome."""

from __future__ import annotations

import json
from datetime import datetime

import httpx

from ec_notifier.channels.adapters import DELIVERED, USER_AGENT
from ec_notifier.channels.answers import excerpt, unanswered
from ec_notifier.channels.platform_requests import (
    created_problem,
    error_message,
    record_path,
    request_for,
    retry_after_s,
)
from ec_notifier.domain.connections import Connections, SecretMissing
from ec_notifier.domain.writeback import (
    ESCALATION_LINK,
    JIRA_PROBLEM,
    PROBLEM_CHANNEL,
    SERVICENOW_PROBLEM,
)
from ec_notifier.store.claims import Claimed, FollowUp, Outcome
from ec_notifier.store.recording import host_of
from ec_platform.outbound.policy import OutboundRefused

PLATFORM_OF = {v: k for k, v in PROBLEM_CHANNEL.items()}


class PlatformChannel:
    """Notes on incident records, and new problem records."""

    def __init__(self, client: httpx.AsyncClient, connections: Connections, links_url: str) -> None:
        self.client = client
        self.connections = connections
        # Where a created problem record is linked back (for the follow-up's host).
        self.links_url = links_url

    async def send(self, delivery: Claimed, now: datetime) -> Outcome:
        platform = PLATFORM_OF.get(delivery.channel, delivery.channel)
        connection = self.connections.get(platform)
        if connection is None:
            return Outcome(False, f"no connection to {platform} (EC_CONNECTIONS_FILE)", True)
        try:
            secret = connection.secret()
        except SecretMissing as error:
            return Outcome(False, str(error), permanent=True)
        request = request_for(
            delivery.channel,
            connection,
            secret,
            record_id=delivery.recipient,
            subject=delivery.subject,
            body=delivery.body,
        )
        headers = {
            **request.headers,
            "User-Agent": USER_AGENT,
            "X-EC-Delivery-Id": str(delivery.id),
        }
        try:
            response = await self.client.request(
                request.method, request.url, json=request.body, headers=headers
            )
        except (OutboundRefused, httpx.HTTPError) as error:
            return unanswered(error, f"{platform}: ")
        if response.is_success:
            if delivery.channel in (SERVICENOW_PROBLEM, JIRA_PROBLEM):
                return self._created(platform, delivery, response)
            return DELIVERED
        return refused(platform, response, now)

    def _created(self, platform: str, delivery: Claimed, response: httpx.Response) -> Outcome:
        created = created_problem(platform, response.text)
        if created is None:
            # Created, but we cannot tell which record: sending again would make a
            # second one, so this stops here for a person to look at.
            return Outcome(
                False,
                f"{platform} answered {response.status_code} without the new record's "
                f"number: {excerpt(response.text)}",
                permanent=True,
                host_ok=True,
            )
        record_id, number = created
        ref = number or record_id
        link = {
            "kind": "problem",
            "ref": ref,
            "platform_record": {"platform": platform, "record_id": record_id, "number": number},
        }
        follow_up = FollowUp(
            channel=ESCALATION_LINK,
            recipient=f"problem {ref}",
            recipient_name="escalation service",
            host=host_of(ESCALATION_LINK, self.links_url),
            subject=f"Link problem {ref} to the escalation",
            body=json.dumps(link),
        )
        return Outcome(True, host_ok=True, follow_up=follow_up)


def refused(service: str, response: httpx.Response, now: datetime) -> Outcome:
    """A non-2xx answer: retried when the platform is busy or failing (429,
    408, 5xx), failed for good on any other refusal, with the platform's words."""
    status = response.status_code
    detail = error_message(service, status, response.text)
    if status in (408, 429):
        wait = retry_after_s(response.headers.get("Retry-After"), now)
        return Outcome(False, detail, retry_after_s=wait)
    if status >= 500:
        wait = retry_after_s(response.headers.get("Retry-After"), now)
        return Outcome(False, detail, host_ok=False, retry_after_s=wait)
    return Outcome(False, detail, permanent=True, host_ok=True)


class EscalationLinkChannel:
    """`POST /v1/escalations/{id}/links` on the escalation service, as its own
    client (the notifier's token): a problem record created from the review."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def send(self, delivery: Claimed, now: datetime) -> Outcome:
        path = record_path("/v1/escalations/{id}/links", id=str(delivery.escalation_id))
        headers = {"Content-Type": "application/json", "X-EC-Delivery-Id": str(delivery.id)}
        try:
            response = await self.client.post(path, content=delivery.body, headers=headers)
        except httpx.HTTPError as error:
            return unanswered(error, "escalation: ")
        if response.is_success or (response.status_code == 409 and _already_linked(response)):
            return DELIVERED
        return refused("escalation", response, now)


def _already_linked(response: httpx.Response) -> bool:
    """The escalation refuses a second link of the same record: the link is there."""
    return "already" in response.text.lower()
