"""Where customer links are kept: the `customer_links` table (hashes only)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select, update

from ec_escalation.domain.customer_links import Link
from ec_escalation.store.event_store import EscalationStore


async def add(store: EscalationStore, link: Link) -> None:
    async with store.db.transaction() as conn:
        await conn.execute(
            store.tables.customer_links.insert().values(
                token_hash=link.token_hash,
                escalation_id=link.escalation_id,
                contact_email=link.contact_email,
                contact_name=link.contact_name,
                issued_at=link.issued_at,
                revoked_at=link.revoked_at,
                issued_by=link.issued_by,
            )
        )


async def find(store: EscalationStore, token_hash: str) -> Link | None:
    links = store.tables.customer_links
    async with store.db.read() as conn:
        row = (await conn.execute(select(links).where(links.c.token_hash == token_hash))).first()
    return Link(**row._mapping) if row else None


async def revoke(
    store: EscalationStore, escalation_id: UUID, emails: tuple[str, ...], *, now: datetime
) -> int:
    """Revokes every live link of those contacts; answers how many."""
    if not emails:
        return 0
    links = store.tables.customer_links
    async with store.db.transaction() as conn:
        result = await conn.execute(
            update(links)
            .where(
                links.c.escalation_id == escalation_id,
                links.c.contact_email.in_([e.lower() for e in emails]),
                links.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    return int(result.rowcount)
