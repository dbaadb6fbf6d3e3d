"""The PDF's fonts and text: Kurinto Sans from the weblate-fonts package (SIL
Open Font License; Latin, Greek, Cyrillic, kana and many more scripts) for the
text, and its Simplified Chinese and Korean cuts for the characters it lacks
(Chinese characters, Hangul). No font is kept in this repository: the files
are read from the installed package, and each PDF embeds the glyphs it uses.

Registered with reportlab (a process-wide registry) once, at the first PDF."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

TEXT = "ECReportSans"
# Cuts for the characters the text font lacks, tried in order: Chinese, then Korean.
FALLBACKS = {
    "ECReportSansSC": ("KurintoSansSC-Rg.ttf", "KurintoSansSC-Bd.ttf"),
    "ECReportSansKR": ("KurintoSansKR-Rg.ttf", "KurintoSansKR-Bd.ttf"),
}


@dataclass(frozen=True)
class Coverage:
    """The characters of the text font, and of each fallback in order."""

    text: frozenset[int]
    fallbacks: tuple[tuple[str, frozenset[int]], ...]

    def font_for(self, char: str) -> str | None:
        """The fallback that shows `char`, or None for the text font (which
        shows its missing-glyph box for what no font has)."""
        code = ord(char)
        if code in self.text:
            return None
        return next((name for name, chars in self.fallbacks if code in chars), None)


@cache
def registered() -> Coverage:
    """Registers the fonts (once) and answers which characters each one has."""
    folder = resources.files("weblate_fonts") / "static" / "weblate_fonts" / "kurinto" / "ttf"
    families = {TEXT: ("KurintoSans-Rg.ttf", "KurintoSans-Bd.ttf"), **FALLBACKS}
    charsets: dict[str, frozenset[int]] = {}
    for family, (regular, bold) in families.items():
        normal = TTFont(family, str(folder / regular))
        pdfmetrics.registerFont(normal)
        pdfmetrics.registerFont(TTFont(f"{family}-Bold", str(folder / bold)))
        # <b> in a paragraph finds the bold face through the family.
        pdfmetrics.registerFontFamily(
            family,
            normal=family,
            bold=f"{family}-Bold",
            italic=family,
            boldItalic=f"{family}-Bold",
        )
        charsets[family] = frozenset(normal.face.charWidths)
    return Coverage(
        text=charsets[TEXT],
        fallbacks=tuple((family, charsets[family]) for family in FALLBACKS),
    )


def markup(text: str) -> str:
    """Plain text as paragraph markup: escaped, its line breaks kept, and each
    run of characters the text font lacks set in the first fallback that has them."""
    coverage = registered()
    text = "".join(c for c in text.replace("\r\n", "\n") if c >= " " or c in "\n\t")
    parts: list[str] = []
    run: list[str] = []
    font: str | None = None
    for char in text:
        wanted = coverage.font_for(char)
        if wanted != font and run:
            parts.append(_run("".join(run), font))
            run = []
        font = wanted
        run.append(char)
    if run:
        parts.append(_run("".join(run), font))
    return "".join(parts)


def _run(text: str, font: str | None) -> str:
    escaped = escape(text).replace("\n", "<br/>")
    return f'<font face="{font}">{escaped}</font>' if font else escaped
