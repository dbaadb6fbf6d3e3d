"""A command and what it implies commit together, on SQLite and real
PostgreSQL: taking a customer contact off an escalation revokes their links in
the transaction that records the change, so neither is ever kept without the
other."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ec_escalation.domain import commands as c
from ec_escalation.domain.customer_links import DEFAULT_LIFETIME_AFTER_END
from ec_escalation.service import open_store
from ec_escalation.store.tables import SCHEMA
from ec_escalation.use_cases import commands, customers, reads
from ec_escalation.use_cases.escalations import Escalations
from ec_platform.clock import utc_now
from ec_platform.storage.database import Database
from ec_platform.storage.event_records import append_only_statements
from harness.escalations import CUSTOMER_CONTACT, PROVIDER_CONTACT, start
from harness.infra import DATABASES, database_of

OPERATOR = ("operator", "olivia")
WITH_JO = c.SetContacts(provider=(PROVIDER_CONTACT,), customer=(CUSTOMER_CONTACT,))
WITHOUT_JO = c.SetContacts(provider=(PROVIDER_CONTACT,), customer=())
LIFETIME = DEFAULT_LIFETIME_AFTER_END


@pytest.fixture(params=DATABASES)
async def escalations(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Escalations]:
    async with database_of(request.param, tmp_path) as url:
        db = Database.open(url, schema=SCHEMA)
        try:
            yield Escalations(await open_store(db), utc_now, lambda: None)
        finally:
            await db.close()


async def with_jo_and_her_link(escalations: Escalations) -> tuple[Escalations, str]:
    started = await escalations.start(start(), actor=OPERATOR)
    await commands.run(escalations, started.state.id, WITH_JO, actor=OPERATOR)
    issued = await customers.issue_link(
        escalations, started.state.id, CUSTOMER_CONTACT.email, issued_by="operator:olivia"
    )
    return escalations, issued.token


async def refuse_link_revocations(escalations: Escalations) -> None:
    """The database itself refuses to change a stored link, as a failing disk
    or a lost connection would refuse the revocation's write."""
    db = escalations.store.db
    statements = append_only_statements(
        "customer_links", sqlite=db.is_sqlite, qualifier=db.qualifier
    )
    async with db.transaction() as conn:
        for statement in statements:
            await conn.execute(text(statement))


async def test_a_contact_taken_off_and_put_back_does_not_get_their_old_link_back(
    escalations: Escalations,
) -> None:
    # given an escalation with Jo as customer contact, and Jo's link
    escalations, token = await with_jo_and_her_link(escalations)
    link = await customers.open_link(escalations, token, lifetime_after_end=LIFETIME)
    assert link is not None
    escalation_id = link.escalation.id

    # when the contacts change takes Jo off, and a later one puts her back
    await commands.run(escalations, escalation_id, WITHOUT_JO, actor=OPERATOR)
    await commands.run(escalations, escalation_id, WITH_JO, actor=OPERATOR)

    # then the link was revoked with the change that took her off
    assert await customers.open_link(escalations, token, lifetime_after_end=LIFETIME) is None


async def test_a_contacts_change_whose_link_revocation_cannot_be_written_records_nothing(
    escalations: Escalations,
) -> None:
    # given an escalation with Jo as customer contact, Jo's link, and a
    # database that refuses to write the revocation of a link
    escalations, token = await with_jo_and_her_link(escalations)
    opened = await customers.open_link(escalations, token, lifetime_after_end=LIFETIME)
    assert opened is not None
    escalation_id = opened.escalation.id
    recorded_before = await reads.stream(escalations, escalation_id)
    await refuse_link_revocations(escalations)

    # when the contacts change takes Jo off
    with pytest.raises(DBAPIError, match="customer_links is append-only"):
        await commands.run(escalations, escalation_id, WITHOUT_JO, actor=OPERATOR)

    # then the change is not recorded either: Jo is still a contact, her link opens
    assert await reads.stream(escalations, escalation_id) == recorded_before
    state = await reads.escalation(escalations, escalation_id)
    assert state is not None
    assert state.customer_contacts == (CUSTOMER_CONTACT,)
    assert await customers.open_link(escalations, token, lifetime_after_end=LIFETIME) is not None
