"""Email without a mail server: the message an SMTP server would have been
handed is kept in the notifier's own table instead, and the delivery counts as
delivered. For the embedded mode without EC_SMTP_URL (a first run shows what
people would be told), or anywhere with EC_EMAIL_OUTBOX=true."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage, MIMEPart
from typing import Any

from ec_notifier.channels.messages import email_for
from ec_notifier.store.claims import Claimed, Outcome
from ec_notifier.store.tables import Tables
from ec_platform.storage.database import Database
from ec_platform.storage.upsert import insert_on_conflict

KEPT = Outcome(delivered=True, host_ok=True)


class OutboxEmail:
    """The email channel's stand-in: same message, kept instead of sent."""

    def __init__(self, db: Database, tables: Tables, sender: str) -> None:
        self.db = db
        self.tables = tables
        self.sender = sender

    async def send(self, delivery: Claimed, now: datetime) -> Outcome:
        message = email_for(delivery, sender=self.sender, sent_at=now)
        table = self.tables.outbox
        async with self.db.transaction() as conn:
            statement = insert_on_conflict(conn, table).values(
                outbox_row(delivery, message, sent_at=now)
            )
            # Sent again after a crash before its outcome was recorded: one message.
            await conn.execute(statement.on_conflict_do_nothing(index_elements=[table.c.id]))
        return KEPT


def outbox_row(delivery: Claimed, message: EmailMessage, *, sent_at: datetime) -> dict[str, Any]:
    body = message.get_body(("plain",))
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "escalation_id": delivery.escalation_id,
        "sender": str(message["From"]),
        "to_address": delivery.recipient,
        "to_name": delivery.recipient_name,
        "subject": str(message["Subject"]),
        "message_id": str(message["Message-ID"]),
        "headers": [[name, str(value)] for name, value in message.items()],
        "body": body.get_content() if isinstance(body, MIMEPart) else delivery.body,
        "raw": message.as_string(),
        "sent_at": sent_at,
    }
