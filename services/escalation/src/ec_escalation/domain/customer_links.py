"""A customer contact's personal link to their escalation's page. Pure.

The link carries a random token; only its SHA-256 is kept, bound to one
contact of one escalation. A link is refused once revoked, once its contact is
no longer a customer contact of the escalation, and a while (default 30 days)
after the escalation ended. Every refusal looks the same to the caller."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from ec_escalation.domain.state import Escalation

DEFAULT_LIFETIME_AFTER_END = timedelta(days=30)
# 32 random bytes, URL-safe: what secrets.token_urlsafe gives by default.
TOKEN_BYTES = 32
# A token longer than this is not one of ours: it is refused before hashing.
LONGEST_TOKEN = 100
ENDED = frozenset({"closed", "reviewed", "withdrawn"})
# Who issues the links that go out in mails: the notifier's own token is named so
# (embedded, and `notifier:<secret>` in EC_NOTIFIER_ESCALATION_TOKEN distributed).
MAILER = "notifier"


@dataclass(frozen=True)
class Link:
    """One issued link, as stored: never the token itself."""

    token_hash: str
    escalation_id: UUID
    contact_email: str
    contact_name: str
    issued_at: datetime
    revoked_at: datetime | None = None
    # MAILER, or the "role:name" of whoever else issued it (None: not known).
    issued_by: str | None = None


@dataclass(frozen=True)
class Issued:
    token: str
    link: Link


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issuer(role: str, name: str) -> str:
    """How a link records its issuer: the notifier as MAILER, anyone else by
    role and name, as their token names them."""
    return MAILER if name == MAILER else f"{role}:{name}"


def issued_by_hand(link: Link) -> str | None:
    """Who issued the link, when it was not made for a mail: an act through it
    may have been someone other than the customer, so the act says so."""
    return None if link.issued_by in (None, MAILER) else link.issued_by


def issue(escalation: Escalation, email: str, *, now: datetime, issued_by: str) -> Issued:
    """A new link for a customer contact of the escalation (ValueError otherwise)."""
    contact = next(
        (c for c in escalation.customer_contacts if c.email.lower() == email.lower()), None
    )
    if contact is None:
        raise ValueError(f"{email} is not a customer contact of this escalation")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = Link(
        token_hash=token_hash(token),
        escalation_id=escalation.id,
        contact_email=contact.email.lower(),
        contact_name=contact.name,
        issued_at=now,
        issued_by=issued_by,
    )
    return Issued(token=token, link=link)


def honoured(
    link: Link | None,
    escalation: Escalation | None,
    *,
    ended_at: datetime | None,
    now: datetime,
    lifetime_after_end: timedelta = DEFAULT_LIFETIME_AFTER_END,
) -> bool:
    """Whether the link opens its page now. `ended_at` is when the escalation
    was closed or withdrawn (None while it runs)."""
    if link is None or escalation is None or link.revoked_at is not None:
        return False
    if escalation.id != link.escalation_id:
        return False
    if not any(c.email.lower() == link.contact_email for c in escalation.customer_contacts):
        return False
    if escalation.status in ENDED and ended_at is not None:
        return now < ended_at + lifetime_after_end
    return True


def removed_contacts(before: Escalation, after: Escalation) -> tuple[str, ...]:
    """The customer contacts (emails) a change of contacts removed."""
    kept = {c.email.lower() for c in after.customer_contacts}
    return tuple(c.email.lower() for c in before.customer_contacts if c.email.lower() not in kept)
