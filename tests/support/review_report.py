"""An escalation taken through the whole process over HTTP at known moments,
for the review report; reading its PDF back (text, and pages as pictures).

Run as a script, it writes the README's picture of the report's first page:
    .venv/bin/python -m tests.support.review_report docs/review-report.png
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image

from harness.factories import bearer
from harness.waiting import eventually
from tests.support.process_walk import (
    HOUR,
    MANAGER,
    MINUTE,
    T0,
    Setup,
    act,
    automatic_start,
    manual_start,
    plan,
    reporting_app,
    state_of,
)

DAY = timedelta(days=1)
CUSTOMER = {"id": "cust-zoe", "name": "Zoë Ångström Logistik GmbH", "tier": "gold"}
TEAM = [
    {"id": "u-201", "name": "Lee Park", "email": "lee@provider.example", "role": "incident owner"},
    {"id": "u-305", "name": "Ana Ruiz", "email": "ana@provider.example", "role": "problem owner"},
]
CONTACTS = {
    "provider": [{"name": "Sam Patel", "email": "sam@provider.example"}],
    "customer": [{"name": "Jürgen Østergaard", "email": "jo@customer.example"}],
}
ASSESSMENT = {
    "summary": "Card payments of every EU merchant fail with 502 since the certificate rotation",
    "impact": "All EU merchants; about 1,200 payments a minute refused",
    "risk": "Contract penalties from 4 hours; merchants moving to another provider",
}
INPUTS = [
    {"kind": "open_problem", "description": "No canary for certificate rotations"},
    {
        "kind": "follow_up_action",
        "description": "Rotation runbook with a rollback step",
        "owner": "Lee Park",
    },
]
PROBLEM_LINK = {
    "kind": "problem",
    "ref": "PRB0040001",
    "platform_record": {
        "platform": "servicenow",
        "record_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "number": "PRB0040001",
    },
}
NOTES = (
    "3 of 5 gateways restored",
    "All gateways restored; watching the error rate",
)


async def reviewed_escalation(setup: Setup, notes: Sequence[str] = NOTES) -> str:
    """One escalation 10 days after an earlier one (whose manager came after 20
    minutes, for the period's median), taken to its review with `notes` as its
    progress reports, and the problem record the review asked for linked."""
    earlier = await manual_start(setup, -10 * DAY)
    await act(setup, -10 * DAY + 20 * MINUTE, earlier, "manager", {"manager": MANAGER})
    setup.clock.now = T0
    escalation_id = await automatic_start(setup, CUSTOMER)
    steps = [
        (10 * MINUTE, "manager", {"manager": MANAGER}),
        (25 * MINUTE, "team", {"members": TEAM}),
        (30 * MINUTE, "contacts", CONTACTS),
        (40 * MINUTE, "assessment", ASSESSMENT),
        (HOUR, "plan", {**plan(agreed=False), "reason": "first draft, sent to the customer"}),
        (2 * HOUR, "plan", {**plan(agreed=True), "reason": "rollback first, agreed on the call"}),
        (3 * HOUR, "level", {"level": 2, "reason": "directors must know"}),
    ]
    for at, suffix, body in steps:
        await act(setup, at, escalation_id, suffix, body)
    for index, note in enumerate(notes):
        at = 3 * HOUR + (index + 1) * (2 * HOUR / (len(notes) + 1))
        await act(setup, at, escalation_id, "progress", {"note": note, "next_update_due": _far()})
    resolution = {
        "customer_confirmed": True,
        "override_reason": "confirmed on the phone",
        "monitoring_period": "PT1H",
    }
    await act(setup, 5 * HOUR, escalation_id, "resolution", resolution)
    await act(setup, 5 * HOUR + 30 * MINUTE, escalation_id, "recurrence", {"note": "502s again"})
    await act(setup, 6 * HOUR, escalation_id, "resolution", resolution)
    # The monitor passes the second period once the clock is past its end.
    setup.clock.now = T0 + 8 * HOUR
    await eventually(lambda: _passed(setup, escalation_id))
    agreement = {"by": "Jürgen Østergaard", "note": "Stable since the rollback; agreed on the call"}
    await act(
        setup,
        9 * HOUR,
        escalation_id,
        "closure",
        {"customer_agreement": agreement, "override_reason": "agreed on the phone"},
    )
    review = {"findings": "The rotation had no canary", "problem_management_inputs": INPUTS}
    await act(setup, 30 * HOUR, escalation_id, "review", review)
    await act(setup, 31 * HOUR, escalation_id, "links", PROBLEM_LINK)
    setup.clock.now = T0 + 40 * HOUR
    return escalation_id


def _far() -> str:
    return (T0 + 1000 * HOUR).isoformat()


async def _passed(setup: Setup, escalation_id: str) -> bool:
    return await state_of(setup, escalation_id) == "monitoring_passed"


def pdf_pages_text(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        texts = []
        for page in document:
            text = page.get_textpage()
            texts.append(text.get_text_bounded())
            text.close()
            page.close()
        return texts
    finally:
        document.close()


def pdf_pictures(
    pdf: bytes, pages: Sequence[int] = (0,), *, scale: float = 1.5
) -> list[Image.Image]:
    """These pages (by index; -1 the last), rendered as a reader shows them."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        pictures = []
        for index in pages:
            page = document[index % len(document)]
            pictures.append(page.render(scale=scale).to_pil())
            page.close()
        return pictures
    finally:
        document.close()


def inked_share(picture: Image.Image) -> float:
    """The share of the page's pixels that are not white: 0 for a blank page."""
    grey = picture.convert("L")
    histogram = grey.histogram()
    return 1 - sum(histogram[250:]) / (grey.width * grey.height)


async def _write_picture(target: Path) -> None:
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        async with reporting_app("sqlite", Path(folder), patch) as setup:
            escalation_id = await reviewed_escalation(setup)
            response = await setup.client.get(
                f"/v1/escalations/{escalation_id}/report?format=pdf", headers=bearer("auditor")
            )
            response.raise_for_status()
    [first] = pdf_pictures(response.content, scale=1.3)
    first.save(target)
    print(f"wrote {target}")


if __name__ == "__main__":
    asyncio.run(_write_picture(Path(sys.argv[1] if len(sys.argv) > 1 else "review-report.png")))
