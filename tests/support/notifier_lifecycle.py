"""What the whole lifecycle must have told people and systems, checked the
same way in the embedded mode and across processes."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from ec_notifier.domain.signing import verify
from harness.factories import API_TOKENS
from harness.notifier import QUICK_ENV
from harness.notifier_receivers import HttpReceiver, SmtpSink
from tests.support.lifecycle import EXPECTED_TYPES

DIRECTORS = "directors@provider.example"
ROUTING = f"""
management:
  2:
    people: [{{name: Service directors, email: {DIRECTORS}}}]
"""
# After the contacts are set, these are the events that concern them.
CONTACT_HEADLINES = Counter(
    {
        "Escalation raised to level 2": 1,
        "Progress update": 1,
        "Resolved, now monitoring": 2,
        "Escalation reopened": 1,
        "Escalation closed": 1,
    }
)


def notifier_env(smtp: SmtpSink, routing: Path) -> dict[str, str]:
    routing.write_text(ROUTING)
    return {
        **QUICK_ENV,
        "EC_API_TOKENS": API_TOKENS,
        "EC_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",  # the receivers are on 127.0.0.1
        "EC_SMTP_URL": smtp.url,
        "EC_SMTP_FROM": "Escalation Center <ec@provider.example>",
        "EC_NOTIFIER_ROUTING_FILE": str(routing),
    }


def headlines(smtp: SmtpSink, address: str) -> Counter[str]:
    return Counter(str(m.message["Subject"]).strip().split(":")[0] for m in smtp.to(address))


def check_what_was_told(
    smtp: SmtpSink, http: HttpReceiver, secret: str, events: list[dict[str, Any]]
) -> None:
    """The must-shows of the notifier, for one escalation's recorded events."""
    for contact in ("jo@customer.example", "sam@provider.example"):
        assert headlines(smtp, contact) == CONTACT_HEADLINES
        for mail in smtp.to(contact):
            body = mail.message.get_body(("plain",))
            assert body is not None
            assert "Payment gateway" in str(mail.message["Subject"])
            assert "Escalation Center" in body.get_content()
    # the raise to level 2 and everything after it
    assert headlines(smtp, DIRECTORS) == CONTACT_HEADLINES + Counter(
        {"Monitoring passed": 1, "Escalation reviewed": 1}
    )
    assert len(smtp.to("dana@provider.example")) == len(EXPECTED_TYPES) - 1
    assert len(smtp.to("lee@provider.example")) == len(EXPECTED_TYPES) - 4
    assert set(smtp.delivery_ids().values()) == {1}

    received = http.accepted()
    assert sorted(r.json()["id"] for r in received) == sorted(e["id"] for e in events)
    now = int(time.time())
    assert all(verify(secret, r.body, r.headers["x-ec-signature"], now=now) for r in received)
    assert set(http.delivery_ids().values()) == {1}
