"""Where customer links are kept: the `customer_links` table (hashes only).
Each function works in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.domain.customer_links import Link
from ec_escalation.store.tables import Tables


async def add(conn: AsyncConnection, tables: Tables, link: Link) -> None:
    await conn.execute(
        tables.customer_links.insert().values(
            token_hash=link.token_hash,
            escalation_id=link.escalation_id,
            contact_email=link.contact_email,
            contact_name=link.contact_name,
            issued_at=link.issued_at,
            revoked_at=link.revoked_at,
            issued_by=link.issued_by,
        )
    )


async def find(conn: AsyncConnection, tables: Tables, token_hash: str) -> Link | None:
    links = tables.customer_links
    row = (await conn.execute(select(links).where(links.c.token_hash == token_hash))).first()
    return Link(**row._mapping) if row else None


async def revoke(
    conn: AsyncConnection,
    tables: Tables,
    escalation_id: UUID,
    emails: tuple[str, ...],
    *,
    now: datetime,
) -> int:
    """Revokes every live link of those contacts; answers how many."""
    if not emails:
        return 0
    links = tables.customer_links
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
