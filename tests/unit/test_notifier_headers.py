"""Any text a person typed makes a mail header that can be sent."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from ec_notifier.channels.messages import email_message
from ec_notifier.domain.headers import MAX_HEADER_CHARS, header_safe


@given(st.text())
def test_any_text_folds_to_one_printable_line(text: str) -> None:
    safe = header_safe(text)

    assert "\r" not in safe
    assert "\n" not in safe
    assert safe == safe.strip()
    assert len(safe) <= MAX_HEADER_CHARS
    assert all(c.isprintable() or c == " " for c in safe)


@given(subject=st.text(), name=st.text())
def test_any_subject_and_name_make_a_mail_with_only_its_own_headers(
    subject: str, name: str
) -> None:
    message = email_message(
        delivery_id="d-1",
        event_id="e-1",
        sender="Escalation Center <ec@provider.example>",
        to="dana@provider.example",
        to_name=name,
        subject=subject,
        body="text",
        sent_at=datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
    )

    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert sorted(parsed.keys()) == sorted(message.keys())
    assert "\n" not in str(parsed["Subject"])
    assert "\r" not in str(parsed["Subject"])
    assert parsed["To"].addresses[0].addr_spec == "dana@provider.example"


def test_an_injected_header_stays_in_the_subject() -> None:
    assert header_safe("Payments down\r\nBcc: evil@x") == "Payments down Bcc: evil@x"
    assert header_safe("Dana\nOkafor") == "Dana Okafor"
