"""FHIR date search values: every prefix (eq ne gt lt ge le sa eb ap) and every precision, date or dateTime.

A value stands for a range: 2026 is the whole year, 2026-11-20 that Delhi day, 2026-11-20T10:30+05:30 that minute,
2026-11-20T10:30:15Z that second. The prefix says how a stored moment must relate to the range.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, or_

from crm.models.base import DELHI
from crm.platform.errors import Refused

PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?")


def date_range(value: str) -> tuple[str, datetime, datetime]:
    """(prefix, start, end) of a FHIR date search value; Refused 400 for anything else."""
    prefix, text = (value[:2], value[2:]) if value[:2] in PREFIXES else ("eq", value)
    try:
        if "T" in text:
            if not _DATETIME.fullmatch(text):
                raise ValueError
            start = datetime.fromisoformat(text)  # Python 3.11 reads a trailing Z as UTC
            start = start if start.tzinfo else start.replace(tzinfo=DELHI)
            clock = re.match(r"[\d:]+", text.split("T")[1]).group()  # hh:mm or hh:mm:ss, before any fraction or zone
            step = timedelta(minutes=1) if len(clock) == 5 else timedelta(seconds=1)
            return prefix, start.astimezone(UTC), (start + step).astimezone(UTC)
        if len(text) == 4 and text.isdigit():
            first, last = date(int(text), 1, 1), date(int(text) + 1, 1, 1)
        elif len(text) == 7 and text[4] == "-":
            first = date(int(text[:4]), int(text[5:7]), 1)
            last = (first + timedelta(days=32)).replace(day=1)
        elif len(text) == 10:
            first = date.fromisoformat(text)
            last = first + timedelta(days=1)
        else:
            raise ValueError
    except (ValueError, OverflowError):
        raise Refused("invalid", f"{value[:40]} is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime, optionally "
                      f"after {', '.join(PREFIXES)}).", 400) from None
    return prefix, _moment(first), _moment(last)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), DELHI).astimezone(UTC)


def condition(column, value: str):
    """The SQL condition for `column` (a moment) against a date search value."""
    prefix, start, end = date_range(value)
    if prefix == "ap":  # approximately: within a tenth of the time between now and the value, at least a day
        margin = max(timedelta(days=1), abs(datetime.now(UTC) - start) / 10)
        return and_(column >= start - margin, column < end + margin)
    if prefix == "ne":
        return or_(column < start, column >= end)
    return {"eq": and_(column >= start, column < end), "ge": column >= start, "gt": column >= end, "sa": column >= end,
            "le": column < end, "lt": column < start, "eb": column < start}[prefix]
