"""Historical reports: the KPI figures of a period grouped by hour, day, week, queue, agent, channel,
language, priority or outcome; and the daily report a programme officer reads. Figures come from kpis."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime

from sqlalchemy import select

from crm.helpline.supervisor import kept, kpis
from crm.helpline.supervisor import offers as timeline
from crm.models import StaffUser
from crm.platform import replica, spreadsheets
from crm.platform.errors import Refused
from crm.platform.extensions import db

MAX_DAYS = 92  # a quarter: what a programme review asks for
GROUPINGS = kpis.GROUPINGS
COLUMNS = ("group", "queue", "offered", "answered", "abandoned", "short_abandoned", "service_level",
           "threshold_seconds", "target_percent", "average_speed_of_answer", "abandon_rate", "average_handle_time")


def ReportError(message: str) -> Refused:
    """A report request that cannot be answered (bad dates or grouping): 422 naming why."""
    return Refused("bad_report", message, 422)


def parse_period(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """The first and last Delhi day of a report (inclusive), checked: at most MAX_DAYS, not in the future."""
    try:
        first = date.fromisoformat(start) if start else today
        last = date.fromisoformat(end) if end else first
    except ValueError as exc:
        raise ReportError("Dates are YYYY-MM-DD.") from exc
    if last < first:
        raise ReportError("The period ends before it starts.")
    if last > today:
        raise ReportError("The period ends after today.")
    if (last - first).days + 1 > MAX_DAYS:
        raise ReportError(f"A report covers at most {MAX_DAYS} days.")
    return first, last


def period_offers(first: date, last: date) -> tuple[list[timeline.CaseRow], list[timeline.Offer], datetime, datetime]:
    """The case rows and queue offers that entered between the start of `first` and the end of `last`."""
    start, end = kpis.delhi_day(first)[0], kpis.delhi_day(last)[1]
    rows = timeline.case_rows(start, end)
    return rows, [o for o in timeline.offers(rows) if start <= o.entered < end], start, end


@replica.reads()
def grouped(first: date, last: date, by: str) -> list[dict]:
    """One row per group and queue, with the queue's figures over that group's contacts (from the kept sums: no
    contact of the period is left out, however many)."""
    if by not in GROUPINGS:
        raise ReportError(f"Group by one of {', '.join(GROUPINGS)}.")
    rows = kept.grouped(first, last, by)
    names = _agent_names({row["group"]: 1 for row in rows}) if by == "agent" else {}
    return [row | {"group": names.get(row["group"], row["group"])} for row in rows]


def _agent_names(groups: dict) -> dict[str, str]:
    ids = [int(g) for g in groups if g.isdigit()]
    return {str(i): n for i, n in db.session.execute(select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids)))}


def as_csv(rows: list[dict]) -> str:
    """The grouped rows as CSV (one line per group and queue)."""
    out = io.StringIO()
    writer = spreadsheets.writer(out)  # a name or a reason typed by someone starts no formula
    writer.writerow(COLUMNS)
    writer.writerows([row.get(k) for k in COLUMNS] for row in rows)
    return out.getvalue()


@replica.reads()
def daily(day: date, now: datetime) -> dict:
    """The day's report: volumes and figures per queue, top reasons, emergencies, referrals, appointments."""
    rows, offers, start, end = period_offers(day, day)
    figures = kpis.figures_for(rows, start, end, now)
    reasons = Counter((r.reason or "").strip().lower() for r in rows if (r.reason or "").strip())
    dispositions = Counter(r.disposition for r in rows if r.disposition)
    emergencies = sorted((o for o in offers if o.queue == "emergency"), key=lambda o: o.entered)
    doctors = _agent_names({str(o.answered_by): 1 for o in emergencies if o.answered_by})
    return {
        "day": day, "generated_at": now, "queues": list(figures["queues"].values()),
        "first_contact_resolution": figures["first_contact_resolution"],
        "callbacks_requested": figures["callbacks_requested"],
        "contacts": len(rows), "by_channel": dict(Counter(r.channel for r in rows)),
        "top_reasons": reasons.most_common(10), "top_dispositions": dispositions.most_common(10),
        "emergencies": [{"reference": o.case.reference, "entered": o.entered, "channel": o.case.channel,
                         "time_to_doctor": o.wait if o.answered else None,
                         "doctor": doctors.get(str(o.answered_by)), "abandoned": o.abandoned is not None}
                        for o in emergencies],
        "referrals": sum(r.referrals for r in rows), "appointments": sum(r.appointments for r in rows),
        "short_abandon_seconds": figures["short_abandon_seconds"],
    }

