"""Files staff open in a spreadsheet (every CSV and TSV export): written by one writer, so that no cell that
came from a caller's SMS, a registrar's form or a registry file runs as a formula when the file is opened.

The rule is OWASP's for CSV injection: a cell starting with =, +, -, @, a tab or a carriage return is written
with a leading apostrophe, which a spreadsheet reads as "the rest is text" (and hides). Two decisions:

- A negative number written plainly ("-5", "-0.25", the int -5) is left as it is: a spreadsheet reads it as
  the number it is, which is what a report's figure should be, and nothing else matches that shape.
- A leading "+" always gets the apostrophe, numbers included: in these files it starts a phone number
  (+91...), which a spreadsheet would otherwise turn into 919810011111 or 9.2E+11; with it, the number shows
  as typed.

A TSV cell cannot hold a tab or a line break (the triage corpus reader takes one row per line, unquoted):
they become spaces there before the rule is applied.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NEGATIVE_NUMBER = re.compile(r"-\d+(?:\.\d+)?")
_TSV_BREAKS = re.compile(r"[\t\r\n]")


def cell(value: object, tabs: bool = False) -> str:
    """`value` as a cell's text that a spreadsheet shows and never evaluates (None is empty)."""
    text = "" if value is None else str(value)
    if tabs:
        text = _TSV_BREAKS.sub(" ", text)
    if text.startswith(FORMULA_START) and not NEGATIVE_NUMBER.fullmatch(text):
        return "'" + text
    return text


class SheetWriter:
    """A csv.writer whose every cell goes through `cell`; for TSV, cells joined by tabs, one row a line."""

    def __init__(self, out: TextIO, tabs: bool = False) -> None:
        self.out, self.tabs = out, tabs
        self._rows = None if tabs else csv.writer(out, lineterminator="\r\n")

    def writerow(self, values: Iterable[object]) -> None:
        """Write one row."""
        cells = [cell(v, self.tabs) for v in values]
        if self._rows is None:
            self.out.write("\t".join(cells) + "\n")  # no cell holds a tab or a line break: nothing to quote
        else:
            self._rows.writerow(cells)

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write several rows."""
        for values in rows:
            self.writerow(values)


def writer(out: TextIO, tabs: bool = False) -> SheetWriter:
    """A writer of CSV (or, with `tabs`, TSV) rows to `out`, safe to open in a spreadsheet."""
    return SheetWriter(out, tabs)
