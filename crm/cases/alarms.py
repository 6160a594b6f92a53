"""The emergency alarm: every on-duty doctor at once, then supervisors and every doctor.

Each step is a conditional UPDATE over the database, run by `sweep()` every few seconds from any
process. If Redis is down or a worker restarts, the next sweep still finds what is due.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from crm.cases import timeline
from crm.cases.status import WAITING_FOR_DOCTOR
from crm.helpline.live import events
from crm.models import Case
from crm.models.base import utcnow
from crm.platform.extensions import db


def raise_alarm(case: Case, to: str = "doctors on duty") -> None:
    """Level 1: ring every doctor on duty (of the case's queue: all for an emergency, a specialty's for a referral)."""
    if case.alarm_level == 0 and case.doctor_id is None:
        case.alarm_level, case.alarm_raised_at = 1, utcnow()
        timeline.add_event(case, "alarm", level=1, to=to)


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Raise missed alarms and widen unanswered ones; safe to run anywhere, any number of times."""
    now = now or utcnow()
    sla = timedelta(seconds=current_app.config["QUEUE_SLA_SECONDS"])
    referrals = _widen_referrals(now, sla)
    raised = _step(now, (Case.alarm_level == 0), 1, "doctors on duty")
    widened = _step(now, (Case.alarm_level == 1) & (Case.alarm_raised_at <= now - sla), 2,
                    "supervisors and all doctors")
    return {"raised": raised, "widened": widened + referrals}


def _widen_referrals(now: datetime, sla: timedelta) -> int:
    """A live referral nobody of that specialty accepted in time rings every doctor, as an emergency does."""
    due = list(db.session.scalars(select(Case).where(
        Case.queue.like("tier2:%"), Case.alarm_level >= 1, Case.alarm_raised_at <= now - sla,
        Case.doctor_id.is_(None), Case.status.in_(WAITING_FOR_DOCTOR)).limit(100)))
    for case in due:
        case.queue, case.alarm_level, case.alarm_raised_at = "emergency", 2, now  # lifecycle.EMERGENCY
        timeline.add_event(case, "alarm", level=2, to="supervisors and all doctors (referral not answered in time)")
        events.case_changed(case, "case.alarm")
    return len(due)


def _step(now: datetime, condition, level: int, to: str) -> int:
    due = select(Case.id).where(Case.priority == "P1", Case.doctor_id.is_(None), Case.status.in_(WAITING_FOR_DOCTOR),
                                condition)
    ids = list(db.session.scalars(due))
    done = 0
    for case_id in ids:
        # Conditional per case: two sweepers racing write each step once.
        changed = db.session.execute(
            update(Case).where(Case.id == case_id, Case.doctor_id.is_(None), condition)
            .values(alarm_level=level, alarm_raised_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if changed:
            case = db.session.get(Case, case_id, populate_existing=True)
            timeline.add_event(case, "alarm", level=level, to=to)
            events.case_changed(case, "case.alarm")
            done += 1
    return done
