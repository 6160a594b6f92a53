"""The alarm burden: emergencies rung per shift and per cause, and the share a doctor closed as not an emergency.

Alarm fatigue is a hazard of every clinical alarm (docs/clinical-safety/hazard-log.md, H2): a doctor rung
twice an hour for nothing stops running. The floor, the daily report and the triage review read these
figures, all from the case timeline: an "alarm" event of level 1 is an emergency rung; the case's first
P1 triage (a text or the caller's speech) names the rule that rang it, or else the key that did (the IVR's
9, the operator's emergency key, a supervisor); a doctor's "resolved" event with `not_an_emergency` is
the verdict.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from crm.cases.assessment import EMERGENCY_SUMMARY
from crm.helpline.supervisor import kpis
from crm.models import Case, CaseEvent
from crm.models.base import local
from crm.platform.extensions import db

MAX_ALARMS = 5000  # alarms read per question: a quarter of a busy helpline's emergencies
SHIFTS = (("night", 0), ("morning", 8), ("evening", 14), ("night", 20))  # (name, first Delhi hour)
SHIFT_HOURS = {"morning": "08:00-14:00", "evening": "14:00-20:00", "night": "20:00-08:00"}
_READ = ("sms_in", "speech", "emergency", "resolved")


def shift_of(at) -> str:
    """The shift an instant falls in, by Delhi time."""
    hour = local(at).hour
    return next(name for name, first in reversed(SHIFTS) if hour >= first)


def burden(first: date, last: date) -> dict:
    """Emergencies rung between the start of `first` and the end of `last` (Delhi days), per shift and per cause."""
    start, end = kpis.delhi_day(first)[0], kpis.delhi_day(last)[1]
    rung = db.session.execute(
        select(CaseEvent.case_id, CaseEvent.at, CaseEvent.detail)
        .where(CaseEvent.kind == "alarm", CaseEvent.at >= start, CaseEvent.at < end)
        .order_by(CaseEvent.at).limit(MAX_ALARMS)
    ).all()
    first_ring = {}
    for case_id, at, detail in rung:
        if (detail or {}).get("level") == 1:
            first_ring.setdefault(case_id, at)
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    summaries: dict[int, str] = {}
    if first_ring:
        for event in db.session.scalars(select(CaseEvent).where(
                CaseEvent.case_id.in_(first_ring), CaseEvent.kind.in_(_READ)).order_by(CaseEvent.at, CaseEvent.id)):
            events[event.case_id].append(event)
        summaries = dict(db.session.execute(select(Case.id, Case.escalation_summary).where(Case.id.in_(first_ring))).all())
    shifts: dict[str, dict] = {name: _row(name) for name in SHIFT_HOURS}
    causes: dict[str, dict] = {}
    for case_id, at in first_ring.items():
        verdict = _verdict(events[case_id])
        cause = _cause(events[case_id], summaries.get(case_id) or "")
        for row in (shifts[shift_of(at)], causes.setdefault(cause, _row(cause))):
            row["rung"] += 1
            row["closed_by_doctor"] += verdict is not None
            row["not_emergency"] += verdict is True
    for row in (*shifts.values(), *causes.values()):
        row["share_not_emergency"] = round(row["not_emergency"] / row["rung"], 3) if row["rung"] else None
    ranked = sorted(causes.values(), key=lambda r: (-r["not_emergency"], -(r["share_not_emergency"] or 0), r["name"]))
    return {"from": first.isoformat(), "to": last.isoformat(), "rung": len(first_ring),
            "not_emergency": sum(r["not_emergency"] for r in shifts.values()),
            "closed_by_doctor": sum(r["closed_by_doctor"] for r in shifts.values()),
            "shifts": [shifts[name] | {"hours": SHIFT_HOURS[name]} for name in SHIFT_HOURS], "causes": ranked}


def _row(name: str) -> dict:
    return {"name": name, "rung": 0, "closed_by_doctor": 0, "not_emergency": 0}


def _verdict(events: list[CaseEvent]) -> bool | None:
    """True if a doctor closed the case as not an emergency, False if a doctor closed it otherwise, None if open."""
    closed = [e for e in events if e.kind == "resolved" and (e.detail or {}).get("by") == "doctor"]
    return bool(closed[-1].detail.get("not_an_emergency")) if closed else None


def _cause(events: list[CaseEvent], summary: str) -> str:
    """What rang the alarm: the first rule of the first P1 triage, else the key or the person that did."""
    for event in events:
        detail = event.detail or {}
        if event.kind in ("sms_in", "speech") and detail.get("priority") == "P1" and detail.get("rules"):
            return detail["rules"][0]
    if summary.startswith(EMERGENCY_SUMMARY):
        return "operator emergency key"
    via = next(((e.detail or {}).get("via") for e in events if e.kind == "emergency"), None)
    return {"ivr": "IVR emergency key (9)", "supervisor": "supervisor"}.get(via, f"via {via}" if via else "operator escalation")
