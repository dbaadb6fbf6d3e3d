"""Which format the review report answers in: given an Accept header, when
negotiated, then HTML, PDF, or nothing acceptable (406)."""

from __future__ import annotations

import pytest

from ec_escalation.http.review_report import negotiated


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "html"),
        ("", "html"),
        ("*/*", "html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
        ("application/pdf", "pdf"),
        ("Application/PDF", "pdf"),
        ("application/*", "pdf"),
        ("application/pdf, */*", "pdf"),
        ("application/pdf;q=0.5, text/html;q=0.9", "html"),
        ("text/html;q=0.2, application/pdf", "pdf"),
        ("application/json", None),
        ("text/html;q=0, application/json", None),
        ("application/pdf;q=nonsense, text/csv", None),
    ],
)
def test_the_accept_header_chooses_html_or_pdf(accept: str | None, chosen: str | None) -> None:
    assert negotiated(accept) == chosen
