"""What goes on the wire for each channel, built from a delivery's text. Pure."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from ec_notifier.domain.headers import header_safe

if TYPE_CHECKING:
    from ec_notifier.store.claims import Claimed


def email_message(
    *,
    delivery_id: str,
    event_id: str,
    sender: str,
    to: str,
    to_name: str,
    subject: str,
    body: str,
    sent_at: datetime,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    # Folded here as well as when the text is rendered: a delivery stored
    # before (or by another path) must still make a mail that can be sent.
    # An Address, not formataddr: formataddr drops the quotes a name needs
    # once it also holds non-ASCII text ("; ¡" would split the To header).
    username, _, domain = to.rpartition("@")
    message["To"] = Address(display_name=header_safe(to_name), username=username, domain=domain)
    message["Subject"] = header_safe(subject)
    message["Date"] = format_datetime(sent_at)
    # The same delivery always carries the same Message-ID, so a mail system
    # (or a person's client) can recognise the rare resend after a crash.
    message["Message-ID"] = message_id(delivery_id, sender)
    message["X-EC-Delivery-Id"] = delivery_id
    message["X-EC-Event-Id"] = event_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def email_for(delivery: Claimed, *, sender: str, sent_at: datetime) -> EmailMessage:
    """The mail a delivery is, whether it is sent or kept in the outbox."""
    return email_message(
        delivery_id=str(delivery.id),
        event_id=str(delivery.event_id),
        sender=sender,
        to=delivery.recipient,
        to_name=delivery.recipient_name,
        subject=delivery.subject,
        body=delivery.body,
        sent_at=sent_at,
    )


def message_id(delivery_id: str, sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "escalation-center"
    return f"<{delivery_id}@{domain}>"


def slack_payload(subject: str, body: str) -> dict[str, Any]:
    """Slack incoming webhook: `text` is the notification fallback, `blocks`
    the message; Slack wants &, < and > escaped in mrkdwn."""
    title, text = _slack_escape(subject), _slack_escape(body)
    return {
        "text": title,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": subject[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}},
        ],
    }


def teams_payload(subject: str, body: str) -> dict[str, Any]:
    """Microsoft Teams incoming webhook (Workflows): a message carrying an Adaptive Card."""
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": subject,
                            "weight": "Bolder",
                            "size": "Medium",
                            "wrap": True,
                        },
                        *[
                            {"type": "TextBlock", "text": paragraph, "wrap": True}
                            for paragraph in body.split("\n\n")
                            if paragraph.strip()
                        ],
                    ],
                },
            }
        ],
    }


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
