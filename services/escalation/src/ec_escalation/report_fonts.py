"""The PDF's fonts and text: Kurinto Sans from the weblate-fonts package (SIL
Open Font License; Latin, Greek, Cyrillic and many more scripts) for the text,
and its Simplified Chinese cut for the characters the first one lacks (Chinese,
Japanese kana). Nothing of a font is kept in this repository: the files are read
from the installed package, and reportlab embeds the subset each PDF uses.

Registered with reportlab (a process-wide registry) once, at the first PDF."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

TEXT, TEXT_BOLD = "ECReportSans", "ECReportSans-Bold"
WIDE, WIDE_BOLD = "ECReportSansSC", "ECReportSansSC-Bold"
_FILES = {
    TEXT: "KurintoSans-Rg.ttf",
    TEXT_BOLD: "KurintoSans-Bd.ttf",
    WIDE: "KurintoSansSC-Rg.ttf",
    WIDE_BOLD: "KurintoSansSC-Bd.ttf",
}


@dataclass(frozen=True)
class Coverage:
    text: frozenset[int]
    wide: frozenset[int]


@cache
def registered() -> Coverage:
    """Registers the fonts (once) and answers which characters each one has."""
    folder = resources.files("weblate_fonts") / "static" / "weblate_fonts" / "kurinto" / "ttf"
    fonts = {name: TTFont(name, str(folder / file)) for name, file in _FILES.items()}
    for font in fonts.values():
        pdfmetrics.registerFont(font)
    # <b> in a paragraph finds the bold face through the family.
    pdfmetrics.registerFontFamily(
        TEXT, normal=TEXT, bold=TEXT_BOLD, italic=TEXT, boldItalic=TEXT_BOLD
    )
    pdfmetrics.registerFontFamily(
        WIDE, normal=WIDE, bold=WIDE_BOLD, italic=WIDE, boldItalic=WIDE_BOLD
    )
    return Coverage(
        text=frozenset(fonts[TEXT].face.charWidths),
        wide=frozenset(fonts[WIDE].face.charWidths),
    )


def markup(text: str) -> str:
    """Plain text as paragraph markup: escaped, its line breaks kept, and each
    run of characters the text font lacks set in the wide font (where that
    has them; otherwise the text font shows its missing-glyph box)."""
    coverage = registered()
    text = "".join(c for c in text.replace("\r\n", "\n") if c >= " " or c in "\n\t")
    parts: list[str] = []
    run: list[str] = []
    wide = False
    for char in text:
        needs_wide = ord(char) not in coverage.text and ord(char) in coverage.wide
        if needs_wide != wide and run:
            parts.append(_run("".join(run), wide=wide))
            run = []
        wide = needs_wide
        run.append(char)
    if run:
        parts.append(_run("".join(run), wide=wide))
    return "".join(parts)


def _run(text: str, *, wide: bool) -> str:
    escaped = escape(text).replace("\n", "<br/>")
    return f'<font face="{WIDE}">{escaped}</font>' if wide else escaped
