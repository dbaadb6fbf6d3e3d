"""The review report as one printable HTML page: every value escaped by Jinja2,
its style sheet inline (so a saved copy reads the same) and admitted by its hash,
no scripts, and a Content-Security-Policy that allows nothing else."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined

from ec_escalation.reports import words
from ec_escalation.reports.review import COUNT_LABELS, ReviewReport


@cache
def _stylesheet() -> str:
    return (
        resources.files("ec_escalation.reports") / "templates" / "review_report.css"
    ).read_text()


@cache
def _templates() -> Environment:
    env = Environment(
        loader=PackageLoader("ec_escalation.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        in_words=words.in_words,
        moment=words.moment,
        measure_label=words.measure_label,
        record_label=words.record_label,
        contact_label=words.contact_label,
        yes_no=words.yes_no,
        state_label=lambda status: words.STATE_LABELS.get(status, status),
        input_label=lambda kind: words.INPUT_LABELS.get(kind, kind),
        count_label=lambda name: COUNT_LABELS.get(name, name),
    )
    return env


def content_security_policy() -> str:
    digest = hashlib.sha256(_stylesheet().encode()).digest()
    style = f"'sha256-{base64.b64encode(digest).decode()}'"
    return "; ".join(
        (
            "default-src 'none'",
            f"style-src {style}",
            "img-src 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


def render_html(report: ReviewReport) -> str:
    template = _templates().get_template("review_report.html")
    return template.render(report=report, css=_stylesheet())
