"""The review report as a PDF (reportlab's platypus): A4, the same sections as
the HTML page, long text wrapped, tables continued over pages with their
headings repeated, a page number on every page. The building blocks are in
pdf_layout.py."""

from __future__ import annotations

import io
from collections.abc import Callable

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, SimpleDocTemplate, Spacer
from reportlab.platypus.doctemplate import BaseDocTemplate

from ec_escalation.reports import words
from ec_escalation.reports.fonts import TEXT
from ec_escalation.reports.pdf_layout import MARGIN, MUTED, Cell, Lead, facts, paragraph, table
from ec_escalation.reports.review import COUNT_LABELS, ReviewReport


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
    story: list[Flowable] = [paragraph("Summary", "h2"), facts(pairs)]
    if s.assessment:
        a = s.assessment
        assessed = [("Summary", a.summary), ("Impact", a.impact), ("Risk", a.risk)]
        assessed += [(k, v) for k, v in (("Known", a.known), ("Not known", a.unknown)) if v]
        if a.affected_services:
            assessed.append(("Affected services", ", ".join(a.affected_services)))
        if a.affected_customers:
            assessed.append(("Affected customers", ", ".join(a.affected_customers)))
        story += [paragraph("Assessment", "h3"), facts(assessed)]
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
        paragraph("Levels", "h2"),
        table(
            ("Level", "From", "To", "Time", "Raised by", "Why"),
            levels,
            (0.07, 0.16, 0.16, 0.1, 0.21, 0.3),
            numbers=(3,),
        ),
        paragraph("Who was told when", "h3"),
        table(
            ("When", "What", "Customer's contacts", "Provider's contacts"),
            told,
            (0.16, 0.44, 0.2, 0.2),
        ),
        paragraph(
            "The contacts on record when each update was recorded. Whether each message "
            "reached them is in the notifier's delivery log.",
            "small",
        ),
    ]


def _plans(report: ReviewReport) -> list[Flowable]:
    story: list[Flowable] = [paragraph("Action plan versions", "h2")]
    for plan in report.plans:
        agreed = "yes" if plan.customer_agreed else "no"
        actions = [[a.title, a.owner, words.moment(a.due)] for a in plan.actions]
        version: list[Flowable] = [
            paragraph(
                f"Version {plan.version} · {words.moment(plan.at)} · "
                f"agreed by the customer: {agreed}",
                "h3",
                bold=True,
            ),
            paragraph(f"Why: {plan.reason}"),
            paragraph(f"By {plan.actor}; review by {words.moment(plan.review_by)}", "small"),
            table(("Action", "Owner", "Due"), actions, (0.6, 0.2, 0.2)),
        ]
        if plan.resources:
            version.append(paragraph(f"Resources: {'; '.join(plan.resources)}"))
        # A version too long for one page is split all the same.
        story.append(KeepTogether(version))
    if not report.plans:
        story.append(paragraph("No plan was recorded.", "small"))
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
        paragraph("Monitoring periods and recurrences", "h2"),
        table(
            ("Round", "Started", "Period", "Ends", "Outcome"),
            rounds,
            (0.08, 0.17, 0.1, 0.17, 0.48),
            numbers=(2,),
        ),
        paragraph("Closure", "h2"),
        *(
            [
                paragraph(
                    f"Closed {words.moment(closure.at)} by {closure.actor}, "
                    f"agreed by {closure.agreed_by}."
                ),
                paragraph(closure.note),
            ]
            if closure
            else [paragraph("Not closed.", "small")]
        ),
    ]


def _review(report: ReviewReport) -> list[Flowable]:
    story: list[Flowable] = [paragraph("Review and problem management", "h2")]
    review = report.review
    if review is None:
        story.append(paragraph("Not reviewed yet.", "small"))
    else:
        inputs = [
            [words.INPUT_LABELS.get(i.kind, i.kind), i.description, i.ref or "—", i.owner or "—"]
            for i in review.inputs
        ]
        story += [
            paragraph(f"Reviewed {words.moment(review.at)} by {review.actor}", "small"),
            paragraph("Findings", "h3"),
            paragraph(review.findings),
            paragraph("Inputs to problem management", "h3"),
            table(("Kind", "What", "Record", "Owner"), inputs, (0.22, 0.5, 0.14, 0.14)),
        ]
    if report.problem_records:
        story.append(paragraph("Problem records linked", "h3"))
        story += [
            paragraph(
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
        paragraph("Measures", "h2"),
        table(
            ("Measure", "This escalation", "Median, period"),
            lines,
            (0.56, 0.22, 0.22),
            numbers=(1, 2),
        ),
        paragraph(
            f"Period: the {period.escalations} escalation(s) started in the {days} days "
            f"before this one ({words.moment(period.since)} to {words.moment(period.until)}), "
            "withdrawn ones left out; — where none got there.",
            "small",
        ),
        Spacer(1, 4),
        KeepTogether([table(("Count", "This escalation"), counts, (0.56, 0.22), numbers=(1,))]),
    ]


def _timeline(report: ReviewReport) -> list[Flowable]:
    rows = [[words.moment(t.at), t.actor, t.text] for t in report.timeline]
    return [paragraph("Timeline", "h2"), table(("When", "Who", "What"), rows, (0.16, 0.2, 0.64))]


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
        paragraph("ESCALATION REVIEW REPORT", "kicker"),
        paragraph(s.title, "title", bold=True),
        paragraph(meta, "small"),
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
