"""The review report as a PDF (reportlab's platypus): A4, the same sections as
the HTML page, long text wrapped, tables continued over pages with their
headings repeated, a page number on every page."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table
from reportlab.platypus.doctemplate import BaseDocTemplate

from ec_escalation import report_words as words
from ec_escalation.report_fonts import TEXT, markup, registered
from ec_escalation.review_report import COUNT_LABELS, ReviewReport

INK, MUTED, LINE, BRAND, SOFT = (
    colors.HexColor(code) for code in ("#1d2330", "#5b6475", "#d5dae2", "#1f3a5f", "#f3f5f8")
)
MARGIN = 16 * mm
WIDTH = A4[0] - 2 * MARGIN
# Characters of a cell that surely fit on one page in any of its columns.
LONG_CELL = 800


@cache
def _styles() -> dict[str, ParagraphStyle]:
    registered()
    body = ParagraphStyle("body", fontName=TEXT, fontSize=9.5, leading=12.5, textColor=INK)
    return {
        "body": body,
        "small": ParagraphStyle("small", body, fontSize=8, leading=10.5, textColor=MUTED),
        "kicker": ParagraphStyle("kicker", body, fontSize=8, textColor=MUTED),
        "title": ParagraphStyle(
            "title", body, fontSize=17, leading=21, textColor=BRAND, spaceBefore=2, spaceAfter=3
        ),
        "h2": ParagraphStyle(
            "h2",
            body,
            fontSize=12,
            leading=15,
            textColor=BRAND,
            spaceBefore=12,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "h3": ParagraphStyle(
            "h3", body, fontSize=10, leading=13, spaceBefore=7, spaceAfter=2, keepWithNext=1
        ),
        "cell": ParagraphStyle("cell", body, fontSize=8.5, leading=11),
        "number": ParagraphStyle("number", body, fontSize=8.5, leading=11, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", body, fontSize=8.5, leading=11, textColor=MUTED),
    }


def _p(text: str, style: str = "body", *, bold: bool = False) -> Paragraph:
    content = markup(text)
    return Paragraph(f"<b>{content}</b>" if bold else content, _styles()[style])


@dataclass(frozen=True)
class Lead:
    """A cell whose text follows a bold lead line."""

    lead: str
    text: str


Cell = str | Lead


def _pieces(cell: Cell) -> list[Cell]:
    """A cell's text in pieces that each fit on a page (split at spaces), so that
    a row never needs splitting: reportlab would repeat the table's heading
    above the first part of a split row too."""
    text = cell.text if isinstance(cell, Lead) else cell
    pieces: list[str] = []
    while len(text) > LONG_CELL:
        cut = text.rfind(" ", 0, LONG_CELL)
        cut = cut if cut > LONG_CELL // 2 else LONG_CELL
        pieces.append(text[:cut])
        text = text[cut:].lstrip()
    pieces.append(text)
    if isinstance(cell, Lead):
        return [Lead(cell.lead, pieces[0]), *pieces[1:]]
    return list(pieces)


def _cell(cell: Cell, style: str) -> Paragraph:
    if isinstance(cell, Lead):
        return Paragraph(f"<b>{markup(cell.lead)}</b><br/>{markup(cell.text)}", _styles()[style])
    return _p(cell, style)


def _table(
    head: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    widths: Sequence[float],
    *,
    numbers: Sequence[int] = (),
) -> Table | Paragraph:
    """A table whose rows continue on the next page under the same heading,
    a long text running on in rows of its own; the columns `numbers`
    right-aligned."""
    if not rows:
        return _p("None.", "small")
    data: list[list[Flowable]] = [[_p(h, "head") for h in head]]
    ends: list[int] = []
    for row in rows:
        pieces = [_pieces(cell) for cell in row]
        for k in range(max(map(len, pieces))):
            data.append(
                [
                    _cell(p[k] if k < len(p) else "", "number" if i in numbers else "cell")
                    for i, p in enumerate(pieces)
                ]
            )
        ends.append(len(data) - 1)
    table = Table(
        data, colWidths=[w * WIDTH for w in widths], repeatRows=1, hAlign="LEFT", spaceAfter=6
    )
    table.setStyle(
        [
            ("BACKGROUND", (0, 0), (-1, 0), SOFT),
            ("LINEBELOW", (0, 0), (-1, 0), 0.4, LINE),
            *(("LINEBELOW", (0, end), (-1, end), 0.4, LINE) for end in ends),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
    )
    return table


def _facts(pairs: Sequence[tuple[str, str]]) -> Table:
    data = [[_p(label, "head"), _p(value, "cell")] for label, value in pairs]
    table = Table(data, colWidths=[0.27 * WIDTH, 0.73 * WIDTH], splitInRow=1, hAlign="LEFT")
    table.setStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
        ]
    )
    return table


def _summary(report: ReviewReport) -> list[Flowable]:
    s = report.escalation
    customer = f"{s.customer.name} ({s.customer.id}, {s.customer.tier})" if s.customer else "—"
    criteria = ", ".join(s.criteria) or "none (started by hand)"
    if s.criteria and s.criteria_version:
        criteria += f" (rules {s.criteria_version})"
    incidents = ", ".join(words.record_label(r.record) for r in s.incident_records)
    links = ", ".join(
        f"{link.kind} {link.ref}"
        + (f" ({words.record_label(link.platform_record)})" if link.platform_record else "")
        for link in s.links
    )
    pairs = [
        ("State", f"{words.STATE_LABELS.get(s.status, s.status)}, level {s.level}"),
        ("Customer", customer),
        ("Service", s.service or "—"),
        ("Priority", s.priority or "—"),
        ("Started", f"{words.moment(s.started_at)}, {s.trigger}: {s.reason}"),
        ("Criteria", criteria),
        ("Manager", f"{s.manager.name} ({s.manager.email})" if s.manager else "—"),
        ("Team", ", ".join(f"{m.name} ({m.role})" for m in s.team) or "—"),
        ("Incidents", incidents or ", ".join(map(str, s.incident_ids)) or "—"),
        ("Linked records", links or "—"),
        ("Closed with the customer's agreement", words.yes_no(report.closed_with_agreement)),
        ("Customer's contacts", "\n".join(map(words.contact_label, s.customer_contacts)) or "—"),
        ("Provider's contacts", "\n".join(map(words.contact_label, s.provider_contacts)) or "—"),
    ]
    story: list[Flowable] = [_p("Summary", "h2"), _facts(pairs)]
    if s.assessment:
        a = s.assessment
        assessed = [("Summary", a.summary), ("Impact", a.impact), ("Risk", a.risk)]
        assessed += [(k, v) for k, v in (("Known", a.known), ("Not known", a.unknown)) if v]
        if a.affected_services:
            assessed.append(("Affected services", ", ".join(a.affected_services)))
        if a.affected_customers:
            assessed.append(("Affected customers", ", ".join(a.affected_customers)))
        story += [_p("Assessment", "h3"), _facts(assessed)]
    return story


def _levels(report: ReviewReport) -> list[Flowable]:
    levels = [
        [
            str(span.level),
            words.moment(span.since),
            words.moment(span.until) if span.until else "still at it",
            words.in_words(span.seconds),
            (span.raised_by + (" (automatically)" if span.automatic else ""))
            if span.raised_by
            else "started here",
            span.reason or "",
        ]
        for span in report.levels
    ]
    told: list[list[Cell]] = [
        [
            words.moment(t.at),
            Lead(t.what, t.detail),
            ", ".join(c.name for c in t.customer) or "none on record",
            ", ".join(c.name for c in t.provider) or "none on record",
        ]
        for t in report.told
    ]
    return [
        _p("Levels", "h2"),
        _table(
            ("Level", "From", "To", "Time", "Raised by", "Why"),
            levels,
            (0.07, 0.16, 0.16, 0.1, 0.21, 0.3),
            numbers=(3,),
        ),
        _p("Who was told when", "h3"),
        _table(
            ("When", "What", "Customer's contacts", "Provider's contacts"),
            told,
            (0.16, 0.44, 0.2, 0.2),
        ),
        _p(
            "The contacts on record when each update was recorded. Whether each message "
            "reached them is in the notifier's delivery log.",
            "small",
        ),
    ]


def _plans(report: ReviewReport) -> list[Flowable]:
    story: list[Flowable] = [_p("Action plan versions", "h2")]
    for plan in report.plans:
        agreed = "yes" if plan.customer_agreed else "no"
        actions = [[a.title, a.owner, words.moment(a.due)] for a in plan.actions]
        version: list[Flowable] = [
            _p(
                f"Version {plan.version} · {words.moment(plan.at)} · "
                f"agreed by the customer: {agreed}",
                "h3",
                bold=True,
            ),
            _p(f"Why: {plan.reason}"),
            _p(f"By {plan.actor}; review by {words.moment(plan.review_by)}", "small"),
            _table(("Action", "Owner", "Due"), actions, (0.6, 0.2, 0.2)),
        ]
        if plan.resources:
            version.append(_p(f"Resources: {'; '.join(plan.resources)}"))
        # A version too long for one page is split all the same.
        story.append(KeepTogether(version))
    if not report.plans:
        story.append(_p("No plan was recorded.", "small"))
    return story


def _monitoring_and_closure(report: ReviewReport) -> list[Flowable]:
    rounds = []
    for m in report.monitoring:
        outcome = "running"
        if m.outcome == "passed":
            outcome = f"passed {words.moment(m.outcome_at)}"
        elif m.outcome == "recurred":
            outcome = f"came back {words.moment(m.outcome_at)}: {m.note}"
        rounds.append(
            [
                str(m.round),
                words.moment(m.started_at),
                words.in_words(m.seconds),
                words.moment(m.ends_at),
                outcome,
            ]
        )
    closure = report.closure
    return [
        _p("Monitoring periods and recurrences", "h2"),
        _table(
            ("Round", "Started", "Period", "Ends", "Outcome"),
            rounds,
            (0.08, 0.17, 0.1, 0.17, 0.48),
            numbers=(2,),
        ),
        _p("Closure", "h2"),
        *(
            [
                _p(
                    f"Closed {words.moment(closure.at)} by {closure.actor}, "
                    f"agreed by {closure.agreed_by}."
                ),
                _p(closure.note),
            ]
            if closure
            else [_p("Not closed.", "small")]
        ),
    ]


def _review(report: ReviewReport) -> list[Flowable]:
    story: list[Flowable] = [_p("Review and problem management", "h2")]
    review = report.review
    if review is None:
        story.append(_p("Not reviewed yet.", "small"))
    else:
        inputs = [
            [words.INPUT_LABELS.get(i.kind, i.kind), i.description, i.ref or "—", i.owner or "—"]
            for i in review.inputs
        ]
        story += [
            _p(f"Reviewed {words.moment(review.at)} by {review.actor}", "small"),
            _p("Findings", "h3"),
            _p(review.findings),
            _p("Inputs to problem management", "h3"),
            _table(("Kind", "What", "Record", "Owner"), inputs, (0.22, 0.5, 0.14, 0.14)),
        ]
    if report.problem_records:
        story.append(_p("Problem records linked", "h3"))
        story += [
            _p(
                f"• {r.ref}"
                + (f" ({words.record_label(r.platform_record)})" if r.platform_record else "")
                + f", linked {words.moment(r.at)}"
            )
            for r in report.problem_records
        ]
    return story


def _measures(report: ReviewReport) -> list[Flowable]:
    period = report.period
    days = (period.until - period.since).days
    lines = [
        [words.measure_label(m.name), words.in_words(m.seconds), words.in_words(m.period_median)]
        for m in report.measures
    ]
    counts = [[COUNT_LABELS[name], str(value)] for name, value in report.counts]
    return [
        _p("Measures", "h2"),
        _table(
            ("Measure", "This escalation", "Median, period"),
            lines,
            (0.56, 0.22, 0.22),
            numbers=(1, 2),
        ),
        _p(
            f"Period: the {period.escalations} escalation(s) started in the {days} days "
            f"before this one ({words.moment(period.since)} to {words.moment(period.until)}), "
            "withdrawn ones left out; — where none got there.",
            "small",
        ),
        Spacer(1, 4),
        KeepTogether([_table(("Count", "This escalation"), counts, (0.56, 0.22), numbers=(1,))]),
    ]


def _timeline(report: ReviewReport) -> list[Flowable]:
    rows = [[words.moment(t.at), t.actor, t.text] for t in report.timeline]
    return [_p("Timeline", "h2"), _table(("When", "Who", "What"), rows, (0.16, 0.2, 0.64))]


def _page_furniture(report: ReviewReport) -> Callable[[Canvas, BaseDocTemplate], None]:
    footer = f"Escalation {report.escalation.id} · review report · times in UTC"

    def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(TEXT, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 9 * mm, footer)
        canvas.drawRightString(A4[0] - MARGIN, 9 * mm, f"page {doc.page}")
        canvas.restoreState()

    return draw


def render_pdf(report: ReviewReport) -> bytes:
    s = report.escalation
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=f"Review report: {s.title}",
        author="Escalation Center",
        subject=f"Escalation {s.id}",
    )
    meta = f"Escalation {s.id} · generated {words.moment(report.generated_at)} · times in UTC"
    if report.as_of:
        meta += f" · as it was at {words.moment(report.as_of)}"
    story: list[Flowable] = [
        _p("ESCALATION REVIEW REPORT", "kicker"),
        _p(s.title, "title", bold=True),
        _p(meta, "small"),
        *_summary(report),
        *_levels(report),
        *_plans(report),
        *_monitoring_and_closure(report),
        *_review(report),
        *_measures(report),
        *_timeline(report),
    ]
    furniture = _page_furniture(report)
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return out.getvalue()
