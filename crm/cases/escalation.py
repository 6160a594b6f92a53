"""Tier 2: escalation from tier 1, a doctor's acceptance (exactly one wins), referral."""

from __future__ import annotations

from sqlalchemy import or_, select, update

from crm.cases import alarms, timeline
from crm.extensions import db
from crm.models import Case, StaffUser
from crm.models.base import utcnow

URGENCY = {"emergency": "P1", "urgent": "P2", "soon": "P3", "routine": "P4"}
EMERGENCY = "emergency"


class EscalationError(ValueError):
    """An escalation or referral that cannot be done; the message says why."""


def tier2_queue(specialty: str | None) -> str:
    """The queue of a specialty ('tier2' for general medicine or none)."""
    return f"tier2:{specialty}" if specialty and specialty != "general_medicine" else "tier2"


def queues_of(doctor: StaffUser) -> tuple[str, ...]:
    """The queues a doctor takes cases from: emergencies, general, their specialty."""
    return (EMERGENCY, "tier2", tier2_queue(doctor.specialty))


def escalate(case: Case, staff: StaffUser, specialty: str | None, urgency: str, summary: str) -> Case:
    """Hand the case to tier 2 with the operator's summary; an emergency raises the alarm."""
    if urgency not in URGENCY:
        raise EscalationError(f"Urgency must be one of {', '.join(URGENCY)}.")
    if not summary.strip():
        raise EscalationError("Write a summary for the doctor.")
    if case.status not in ("in_progress", "queued", "callback"):
        raise EscalationError(f"Case {case.reference} is {case.status}; it cannot be escalated now.")
    priority = URGENCY[urgency]
    case.priority = min(case.priority or "P4", priority)
    case.specialty = specialty or case.specialty
    case.queue = EMERGENCY if priority == "P1" else tier2_queue(specialty)
    case.status, case.outcome, case.escalated_at = "escalated", "escalated", utcnow()
    case.escalation_summary = summary.strip()[:4000]
    timeline.add_event(case, "escalated", staff_id=staff.id, specialty=specialty, urgency=urgency)
    if priority == "P1":
        alarms.raise_alarm(case)
    db.session.commit()
    return case


def accept(case_id: int, doctor: StaffUser) -> Case | None:
    """The doctor takes the case; None if another doctor already did (one conditional UPDATE)."""
    now = utcnow()
    statement = (
        update(Case)
        .where(Case.id == case_id, Case.doctor_id.is_(None), Case.queue.in_(queues_of(doctor)),
               or_(Case.status == "escalated", (Case.queue == EMERGENCY) & Case.status.in_(("queued", "callback"))))
        .values(doctor_id=doctor.id, accepted_at=now, status="with_doctor", alarm_level=0, updated_at=now)
        .returning(Case.id).execution_options(synchronize_session=False)
    )
    won = db.session.execute(statement).scalar_one_or_none()
    if won is None:
        db.session.rollback()
        return None
    case = db.session.get(Case, won, populate_existing=True)
    timeline.add_event(case, "accepted", staff_id=doctor.id, queue=case.queue)
    db.session.commit()
    return case


def refer(case: Case, doctor: StaffUser, specialty: str, note: str) -> Case:
    """Send the case to another specialty's queue with a note; the specialist sees its whole history."""
    if case.doctor_id != doctor.id:
        raise EscalationError("Only the doctor who has the case can refer it.")
    if not specialty or specialty == doctor.specialty:
        raise EscalationError("Choose another specialty to refer to.")
    case.queue, case.specialty, case.status = tier2_queue(specialty), specialty, "escalated"
    case.doctor_id, case.accepted_at = None, None
    timeline.add_event(case, "referred", staff_id=doctor.id, specialty=specialty, note=note.strip()[:2000],
                    from_specialty=doctor.specialty)
    db.session.commit()
    return case


def waiting_for(doctor: StaffUser) -> list[Case]:
    """Cases waiting for this doctor: emergencies first, then by priority and wait."""
    from crm.cases.queue import PRIORITY_ORDER

    query = (select(Case).where(Case.queue.in_(queues_of(doctor)), Case.doctor_id.is_(None),
                                Case.status.in_(("escalated", "queued", "callback")))
             .order_by((Case.queue != EMERGENCY), PRIORITY_ORDER, Case.queued_at, Case.id).limit(200))
    return list(db.session.scalars(query))
