"""GET /v1/escalations/{id}/report through the embedded app on SQLite and real
PostgreSQL: an escalation taken through the process at known moments, its
report as HTML and as PDF (read back, and looked at as pictures), a long one
over many pages, and the refusals."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from harness.factories import bearer
from harness.infra import DATABASES
from tests.support.process_walk import HOUR, MANAGER, Setup, act, manual_start, reporting_app
from tests.support.review_report import (
    inked_share,
    pdf_pages_text,
    pdf_pictures,
    reviewed_escalation,
)

PDF = "application/pdf"


@pytest.fixture(params=DATABASES)
async def setup(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Setup]:
    async with reporting_app(request.param, tmp_path, monkeypatch) as started:
        yield started


async def get_report(
    setup: Setup,
    escalation_id: str,
    *,
    role: str = "auditor",
    accept: str | None = None,
    **params: str,
) -> httpx.Response:
    headers = bearer(role) | ({"Accept": accept} if accept else {})
    return await setup.client.get(
        f"/v1/escalations/{escalation_id}/report", params=params, headers=headers
    )


def squeezed(text: str) -> str:
    """Text with its line breaks and runs of spaces as single spaces."""
    return re.sub(r"\s+", " ", text)


async def test_the_html_report_tells_every_section(setup: Setup) -> None:
    escalation_id = await reviewed_escalation(setup)

    response = await get_report(setup, escalation_id, accept="text/html")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = squeezed(response.text)
    for expected in (
        "Payment gateway returns 502 for all EU merchants",
        "Zoë Ångström Logistik GmbH",
        "Dana Okafor",
        "Lee Park",
        "Jürgen Østergaard",
        "Version 1",
        "first draft, sent to the customer",
        "Version 2",
        "rollback first, agreed on the call",
        "502s again",
        "Stable since the rollback; agreed on the call",
        "The rotation had no canary",
        "No canary for certificate rotations",
        "PRB0040001 (ServiceNow PRB0040001)",
        "Start to a manager",
    ):
        assert expected in page, expected
    # Measured at known moments: its own 10 minutes beside the earlier one's 20.
    assert re.search(r"Start to a manager</td><td[^>]*>10 min</td><td[^>]*>20 min</td>", page)
    assert re.search(r"Incident to escalation</td><td[^>]*>30 min</td>", page)
    assert re.search(r"Start to closure</td><td[^>]*>9 h</td>", page)
    assert 'agreed by the customer: <span class="no">no</span>' in page
    assert 'agreed by the customer: <span class="yes">yes</span>' in page


async def test_the_html_report_is_a_page_without_scripts_under_a_strict_policy(
    setup: Setup,
) -> None:
    escalation_id = await manual_start(setup, HOUR)
    await act(setup, 2 * HOUR, escalation_id, "manager", {"manager": MANAGER})
    script = '<script>alert("x")</script>'
    await act(
        setup,
        3 * HOUR,
        escalation_id,
        "progress",
        {"note": script, "next_update_due": "2027-01-01T00:00Z"},
    )

    response = await get_report(setup, escalation_id, format="html")

    assert response.status_code == 200
    assert "<script" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert re.search(r"style-src 'sha256-[A-Za-z0-9+/=]+'$", policy.split(";")[1].strip())
    assert "script-src" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "@media print" in response.text


async def test_the_pdf_report_reads_back_and_looks_like_a_report(setup: Setup) -> None:
    escalation_id = await reviewed_escalation(setup)

    response = await get_report(setup, escalation_id, accept=PDF)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PDF
    assert response.content.startswith(b"%PDF")
    disposition = response.headers["content-disposition"]
    assert f'filename="escalation-{escalation_id}-review-report.pdf"' in disposition
    text = squeezed(" ".join(pdf_pages_text(response.content)))
    for expected in (
        "Zoë Ångström Logistik GmbH",
        "Jürgen Østergaard",
        "Version 1",
        "agreed by the customer: no",
        "Version 2",
        "agreed by the customer: yes",
        "Stable since the rollback; agreed on the call",
        "The rotation had no canary",
        "No canary for certificate rotations",
        "PRB0040001",
        "Start to a manager 10 min 20 min",
        "Incident to escalation 30 min",
    ):
        assert expected in text, expected
    pictures = pdf_pictures(response.content, (0, 1))
    assert pictures
    # Ink on every page looked at: text, not a blank page.
    assert all(inked_share(picture) > 0.01 for picture in pictures)


async def test_the_format_parameter_gives_the_pdf_too(setup: Setup) -> None:
    escalation_id = await manual_start(setup, HOUR)

    response = await get_report(setup, escalation_id, role="operator", format="pdf")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("kind", ["sqlite"])
async def test_a_long_escalation_runs_over_many_pages(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = [
        f"Update {n}: "
        + "Подключение восстановлено частично; ждём подтверждения клиента. " * 8
        + f"数据中心切换进行中 {n}. 복구 진행 중. Überprüfung läuft."
        for n in range(1, 301)
    ]
    # As long as a note may be: taller than a page in its column.
    notes[149] = ("Долгая заметка про ход работ; " * 400)[:10_000]
    async with reporting_app(kind, tmp_path, monkeypatch) as setup:
        escalation_id = await reviewed_escalation(setup, notes)

        response = await get_report(setup, escalation_id, format="pdf")

    assert response.status_code == 200
    pages = pdf_pages_text(response.content)
    assert len(pages) > 20
    text = squeezed(" ".join(pages))
    assert "Update 1:" in text
    assert "Update 300:" in text
    assert "Подключение восстановлено частично" in text
    assert "数据中心切换进行中 300" in text
    assert "복구 진행 중" in text
    # The timeline's heading row is repeated on the pages it continues on.
    assert sum("When Who What" in squeezed(page) for page in pages) > 5
    [last] = pdf_pictures(response.content, (-1,))
    assert inked_share(last) > 0.001


async def test_an_unknown_escalation_is_a_404_problem(setup: Setup) -> None:
    response = await get_report(setup, str(uuid.uuid4()))

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_format_neither_html_nor_pdf_is_refused_as_a_problem(setup: Setup) -> None:
    escalation_id = await manual_start(setup, HOUR)

    by_accept = await get_report(setup, escalation_id, accept="application/json")
    by_parameter = await get_report(setup, escalation_id, format="docx")

    assert by_accept.status_code == 406
    assert by_accept.headers["content-type"] == "application/problem+json"
    assert by_accept.json()["type"] == "/problems/not-acceptable"
    assert by_parameter.status_code == 422
    assert [e["field"] for e in by_parameter.json()["errors"]] == ["format"]


async def test_as_of_reports_the_escalation_as_it_was(setup: Setup) -> None:
    escalation_id = await reviewed_escalation(setup)

    response = await get_report(setup, escalation_id, as_of="2026-03-02T10:30:00Z")

    page = squeezed(response.text)
    assert "as it was at 2026-03-02 10:30" in page
    assert "Version 1" in page
    assert "Version 2" not in page
    assert "Not closed." in page


async def test_only_operators_and_auditors_read_the_report(setup: Setup) -> None:
    escalation_id = await manual_start(setup, HOUR)

    response = await get_report(setup, escalation_id, role="intake")

    assert response.status_code == 403
