"""The CSV report keeps what people typed as text and figures as numbers."""

from __future__ import annotations

import csv
import io

import pytest

from ec_escalation.reports.period import COUNTS, as_csv, text_cell


@pytest.mark.parametrize("typed", ['=HYPERLINK("x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_take_for_a_formula_is_prefixed(typed: str) -> None:
    assert text_cell(typed) == "'" + typed


@pytest.mark.parametrize("typed", ["Northwind", "cust-042", "", "a=b"])
def test_other_text_is_written_as_it_is(typed: str) -> None:
    assert text_cell(typed) == typed


def test_only_the_group_is_prefixed_and_a_negative_figure_stays_a_number() -> None:
    # Given a group named like a formula, with a negative count
    counts = {name: 0 for name in COUNTS} | {"open": -1}
    answer = {
        "group_by": "customer",
        "groups": [{"group": "=cmd|' /C calc'!A0", "counts": counts, "durations": {}}],
        "totals": {"counts": counts, "durations": {}},
    }

    # When it is written as CSV
    rows = list(csv.DictReader(io.StringIO(as_csv(answer))))

    # Then the group is text and the figure is the number
    assert rows[0]["customer"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["open"] == "-1"
    assert rows[1]["customer"] == "total"
