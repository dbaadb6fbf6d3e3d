"""Line breaks in what people typed (a multi-line incident title, a name) reach
mail headers folded: every mail of the escalation is delivered, to a real SMTP
server, with a one-line subject and no header the text tried to add."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from ec_events.base import Person
from harness.notifier import CUSTOMER, PROVIDER, Notifier, Story, running_notifier
from harness.notifier_receivers import SmtpSink, receivers

TITLE = "Payments down\r\nBcc: evil@x"
MANAGER = Person(id="u-118", name="Dana\nOkafor", email="dana.okafor@provider.example")


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with receivers() as (sink, _):
        yield sink


@pytest.fixture
async def notifier(smtp: SmtpSink, tmp_path: Path) -> AsyncIterator[Notifier]:
    async with running_notifier(
        f"sqlite+aiosqlite:///{tmp_path}/ec.db",
        smtp_url=smtp.url,
        smtp_from="Escalation Center <ec@provider.example>",
    ) as running:
        yield running


async def test_a_title_and_a_name_with_line_breaks_still_make_mails_with_one_line_headers(
    notifier: Notifier, smtp: SmtpSink
) -> None:
    # Given an escalation whose title and manager's name hold line breaks
    story = Story()

    # When its events are published
    await notifier.publish(
        story.started(title=TITLE), story.manager(MANAGER), story.contacts(), story.progress()
    )

    # Then every delivery succeeds (manager 3, provider and customer 1 each,
    # the operations log 4), and no mail carries an injected header
    deliveries = await notifier.settled(9)
    assert len(deliveries) == 9
    assert all(d["status"] == "delivered" for d in deliveries), deliveries
    assert smtp.to(MANAGER.email)
    assert smtp.to(CUSTOMER.email)
    assert smtp.to(PROVIDER.email)
    for mail in smtp.mails:
        subject = str(mail.message["Subject"])
        assert "\r" not in subject
        assert "\n" not in subject
        assert mail.message["Bcc"] is None
        assert "evil@x" not in mail.to
    assert all("Dana Okafor" in str(m.message["To"]) for m in smtp.to(MANAGER.email))
    assert any("Payments down Bcc: evil@x" in str(m.message["Subject"]) for m in smtp.mails)
