"""Customers' links and acts, each in one transaction: operators issue and
revoke personal links; a customer holding a link that opens acts on their
escalation, the link checked in the transaction that records the act."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.domain import commands as c
from ec_escalation.domain import customer_links
from ec_escalation.domain.customer_links import Issued, Link
from ec_escalation.domain.customer_view import customer_view
from ec_escalation.domain.errors import NotAllowed, NotFound
from ec_escalation.domain.state import Escalation
from ec_escalation.store import customer_links as links
from ec_escalation.store import queries
from ec_escalation.store.event_store import Recorded
from ec_escalation.use_cases.escalations import Actor, Escalations
from ec_events import escalations as e

CUSTOMER_ACTOR_ROLE = "customer"


class LinkRefused(Exception):
    """The link does not open a page: one refusal for every reason."""


@dataclass(frozen=True)
class Opened:
    """A link that opens its page, and the escalation as it is."""

    link: Link
    escalation: Escalation


def as_customer(link: Link) -> tuple[e.CustomerContact, Actor]:
    contact = e.CustomerContact(name=link.contact_name, email=link.contact_email)
    return contact, (CUSTOMER_ACTOR_ROLE, f"{contact.name} <{contact.email}>")


async def _opened_in(
    conn: AsyncConnection,
    escalations: Escalations,
    token: str,
    *,
    lifetime_after_end: timedelta,
    even_revoked: bool = False,
) -> Opened | None:
    """The link and its escalation when the link opens its page now (or would,
    but for a revocation, with `even_revoked`)."""
    store = escalations.store
    link = await links.find(conn, store.tables, customer_links.token_hash(token))
    if link is None:
        return None
    known = escalations.cache.get(link.escalation_id)
    escalation = await store.load(conn, link.escalation_id, known=known)
    if escalation is None:
        return None
    ended_at = (
        await queries.ended_at(conn, store, escalation.id)
        if escalation.status in customer_links.ENDED
        else None
    )
    if not customer_links.honoured(
        replace(link, revoked_at=None) if even_revoked else link,
        escalation,
        ended_at=ended_at,
        now=escalations.clock(),
        lifetime_after_end=lifetime_after_end,
    ):
        return None
    return Opened(link, escalation)


async def open_link(
    escalations: Escalations, token: str, *, lifetime_after_end: timedelta
) -> Opened | None:
    async with escalations.store.db.read() as conn:
        return await _opened_in(conn, escalations, token, lifetime_after_end=lifetime_after_end)


async def page(escalations: Escalations, opened: Opened, *, show_names: bool) -> dict[str, Any]:
    """What the link's contact sees of their escalation."""
    stored = await queries.stream(escalations.store, opened.escalation.id)
    plans = [s.event() for s in stored if s.type == "PlanRevised"]
    return customer_view(
        opened.escalation,
        [p for p in plans if isinstance(p, e.PlanRevised)],
        contact_email=opened.link.contact_email,
        show_names=show_names,
    )


async def act(
    escalations: Escalations,
    token: str,
    command_for: Callable[[e.CustomerContact], c.CustomerCommand],
    *,
    lifetime_after_end: timedelta,
    even_revoked: bool = False,
) -> Opened:
    """The customer's act through their link, in the transaction that found the
    link open (LinkRefused otherwise). The actor stays the customer (it is
    their link), but an act through a link someone issued by hand may have
    been theirs: the event says whose link it was."""
    acted: Link | None = None

    async def work(conn: AsyncConnection) -> Recorded:
        nonlocal acted
        opened = await _opened_in(
            conn,
            escalations,
            token,
            lifetime_after_end=lifetime_after_end,
            even_revoked=even_revoked,
        )
        if opened is None:
            raise LinkRefused
        acted = opened.link
        contact, actor = as_customer(acted)
        command = command_for(contact)
        if not isinstance(command, c.AskForLink):
            command = replace(command, via_link_issued_by=customer_links.issued_by_hand(acted))
        return await escalations.execute_in(conn, acted.escalation_id, command, actor=actor)

    recorded = await escalations.transaction(work)
    assert acted is not None
    return Opened(acted, recorded.state)


async def ask_for_link(
    escalations: Escalations, token: str, *, lifetime_after_end: timedelta
) -> None:
    """Records that the link's contact asked for a new link, which the notifier
    then mails to them, when the link is one of ours that still could open:
    its contact is still a contact and the escalation within its links'
    lifetime (LinkRefused otherwise). A revoked link may ask, as the new one
    goes to the contact's own mailbox, never to whoever holds the old link."""
    await act(
        escalations,
        token,
        c.AskForLink,
        lifetime_after_end=lifetime_after_end,
        even_revoked=True,
    )


async def issue_link(
    escalations: Escalations, escalation_id: UUID, email: str, *, issued_by: str
) -> Issued:
    """A new personal link for a customer contact of the escalation, stored in
    the transaction that read the contact (NotFound, NotAllowed otherwise)."""
    store = escalations.store
    async with store.db.transaction() as conn:
        known = escalations.cache.get(escalation_id)
        state = await store.load(conn, escalation_id, known=known)
        if state is None:
            raise NotFound(f"no escalation {escalation_id}")
        try:
            issued = customer_links.issue(
                state, email, now=escalations.clock(), issued_by=issued_by
            )
        except ValueError as error:
            raise NotAllowed(str(error)) from None
        await links.add(conn, store.tables, issued.link)
    return issued


async def revoke_links(escalations: Escalations, escalation_id: UUID, email: str) -> int:
    """Revokes every live link of that contact; answers how many."""
    store = escalations.store
    async with store.db.transaction() as conn:
        return await links.revoke(
            conn, store.tables, escalation_id, (email,), now=escalations.clock()
        )
