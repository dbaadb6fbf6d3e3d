"""The review report's PDF building blocks (reportlab's platypus): A4 page
measures, paragraph styles, and tables whose rows continue on the next page
under the same heading. Text goes through fonts.markup, escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table

from ec_escalation.reports.fonts import TEXT, markup, registered

INK, MUTED, LINE, BRAND, SOFT = (
    colors.HexColor(code) for code in ("#1d2330", "#5b6475", "#d5dae2", "#1f3a5f", "#f3f5f8")
)
MARGIN = 16 * mm
WIDTH = A4[0] - 2 * MARGIN
# Characters of a cell that surely fit on one page in any of its columns.
LONG_CELL = 800


@cache
def styles() -> dict[str, ParagraphStyle]:
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


def paragraph(text: str, style: str = "body", *, bold: bool = False) -> Paragraph:
    content = markup(text)
    return Paragraph(f"<b>{content}</b>" if bold else content, styles()[style])


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
        return Paragraph(f"<b>{markup(cell.lead)}</b><br/>{markup(cell.text)}", styles()[style])
    return paragraph(cell, style)


def table(
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
        return paragraph("None.", "small")
    data: list[list[Flowable]] = [[paragraph(h, "head") for h in head]]
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
    laid_out = Table(
        data, colWidths=[w * WIDTH for w in widths], repeatRows=1, hAlign="LEFT", spaceAfter=6
    )
    laid_out.setStyle(
        [
            ("BACKGROUND", (0, 0), (-1, 0), SOFT),
            ("LINEBELOW", (0, 0), (-1, 0), 0.4, LINE),
            *(("LINEBELOW", (0, end), (-1, end), 0.4, LINE) for end in ends),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
    )
    return laid_out


def facts(pairs: Sequence[tuple[str, str]]) -> Table:
    data = [[paragraph(label, "head"), paragraph(value, "cell")] for label, value in pairs]
    laid_out = Table(data, colWidths=[0.27 * WIDTH, 0.73 * WIDTH], splitInRow=1, hAlign="LEFT")
    laid_out.setStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
        ]
    )
    return laid_out
