"""Opening hours: read from the import file's text, asked "open now?" in Delhi time, and told back.

The text is what a facility's board says, in a form a clerk can type: groups separated by ";", each a
day or range of days and either "closed" or one or more "HH:MM-HH:MM" ranges separated by ",":
"Mon-Sat 08:00-14:00, 16:00-20:00; Sun closed", "Daily 00:00-24:00". Stored as
{"mon": [["08:00", "14:00"], ...], ...}; a day not named is closed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import NamedTuple

from crm.models.base import DELHI

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_HI = {"mon": "सोम", "tue": "मंगल", "wed": "बुध", "thu": "गुरु", "fri": "शुक्र", "sat": "शनि", "sun": "रवि"}
RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-(([01]\d|2[0-3]):([0-5]\d)|24:00)$")


class Opening(NamedTuple):
    """When a closed facility opens next: the weekday, the time, and how many days ahead (0 today, 1 tomorrow)."""

    day: str
    time: str
    ahead: int


class TimingsError(ValueError):
    """The opening hours text cannot be read; the message says where."""


def _days(spec: str) -> list[str]:
    spec = spec.lower()
    if spec in ("daily", "all", "everyday"):
        return list(DAYS)
    found = []
    for part in spec.split(","):
        ends = part.split("-")
        if len(ends) > 2 or any(e[:3] not in DAYS for e in ends):
            raise TimingsError(f"{part!r} is not a day or a range of days (Mon-Sat).")
        first, last = DAYS.index(ends[0][:3]), DAYS.index(ends[-1][:3])
        if last < first:
            raise TimingsError(f"{part!r}: a range of days runs forward, Mon to Sun.")
        found += DAYS[first:last + 1]
    return found


def parse(text: str) -> dict[str, list[list[str]]]:
    """The opening hours in `text`, per weekday; raises TimingsError."""
    week: dict[str, list[list[str]]] = {day: [] for day in DAYS}
    for group in filter(None, (g.strip() for g in (text or "").split(";"))):
        spec, _, hours = group.partition(" ")
        days, hours = _days(spec), hours.strip().replace(" ", "")
        if hours.lower() == "closed":
            for day in days:
                week[day] = []
            continue
        ranges = []
        for item in hours.split(","):
            match = RANGE.match(item)
            if not match or item[6:] <= item[:5]:
                raise TimingsError(f"{item!r} is not a range of hours like 08:00-14:00.")
            ranges.append([item[:5], item[6:]])
        for day in days:
            week[day] = sorted(week[day] + ranges)
    return week


def _local(moment: datetime) -> datetime:
    return moment.astimezone(DELHI) if moment.tzinfo else moment.replace(tzinfo=DELHI)


def is_open(week: dict, moment: datetime) -> bool:
    """Whether a facility with these hours is open at `moment` (Delhi wall clock)."""
    local = _local(moment)
    clock = local.strftime("%H:%M")
    return any(start <= clock < end for start, end in week.get(DAYS[local.weekday()], []))


def closes_at(week: dict, moment: datetime) -> str | None:
    """When the range it is open in ends ("14:00"; "24:00" for round the clock); None if closed."""
    local = _local(moment)
    clock = local.strftime("%H:%M")
    return next((end for start, end in week.get(DAYS[local.weekday()], []) if start <= clock < end), None)


def next_opening(week: dict, moment: datetime) -> Opening | None:
    """The next opening after `moment` within a week (Delhi days: ahead 0 is today); None if never open."""
    local = _local(moment)
    for ahead in range(8):
        day = DAYS[(local.weekday() + ahead) % 7]
        for start, _end in week.get(day, []):
            if ahead or start > local.strftime("%H:%M"):
                return Opening(day, start, ahead)
    return None


def always_open(week: dict) -> bool:
    """Round the clock every day (hospitals' emergency)."""
    return all(week.get(day) == [["00:00", "24:00"]] for day in DAYS)


def today(week: dict, moment: datetime) -> list[list[str]]:
    """The ranges of the day of `moment`."""
    return week.get(DAYS[_local(moment).weekday()], [])

