"""The PDF's text: given text in any script, when made into paragraph markup,
then it is escaped and each run the text font lacks goes to a font that has it."""

from __future__ import annotations

from ec_escalation.reports.fonts import markup


def test_markup_is_escaped_and_keeps_line_breaks() -> None:
    assert markup('<b>"Zoë" & Łódź</b>\r\nnext') == ('&lt;b&gt;"Zoë" &amp; Łódź&lt;/b&gt;<br/>next')


def test_runs_the_text_font_lacks_go_to_the_chinese_and_korean_cuts() -> None:
    text = "Ωmega Жук שלום かな 中文 한국어."

    assert markup(text) == (
        "Ωmega Жук שלום かな "
        '<font face="ECReportSansSC">中文</font> '
        '<font face="ECReportSansKR">한국어</font>.'
    )


def test_control_characters_are_left_out() -> None:
    assert markup("a\x00b\x07c\td") == "abc\td"
