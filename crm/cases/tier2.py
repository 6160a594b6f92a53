"""Tier 2: escalation from tier 1, a doctor's acceptance (exactly one wins), referral, completion."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Integer, bindparam, or_, select

from crm.cases import alarms, legs, lifecycle
from crm.cases.queue import EMERGENCY, queues_of, tier2_queue
from crm.cases.status import WAITING, Status
from crm.models import Case, StaffUser
from crm.models.base import utcnow
from crm.models.telephony import CALL_ENDED
from crm.platform.errors import Refused
from triage import specialties

URGENCY = {"emergency": "P1", "urgent": "P2", "soon": "P3", "routine": "P4"}


def escalate(case: Case, staff: StaffUser, specialty: str | None, urgency: str, summary: str) -> Case:
    """Hand the case to tier 2 with the operator's summary; an emergency raises the alarm."""
    if urgency not in URGENCY:
        raise Refused("cannot_escalate", f"Urgency must be one of {', '.join(URGENCY)}.", 422)
    if specialty and not specialties.is_specialty(specialty):
        raise Refused("unknown_specialty", f"Unknown specialty {specialty!r}.", 422)
    if not (summary or "").strip():
        raise Refused("cannot_escalate", "Write a summary for the doctor.", 422)
    lifecycle.refuse_unless(case, "escalate")
    priority = URGENCY[urgency]
    case.priority = min(case.priority or "P4", priority)
    case.specialty = specialty or case.specialty
    case.queue = EMERGENCY if priority == "P1" else tier2_queue(specialty)
    case.outcome, case.escalated_at = "escalated", utcnow()
    case.escalation_summary = summary.strip()[:4000]
    lifecycle.move(case, "escalate", "escalated", staff, specialty=specialty, urgency=urgency)
    if priority == "P1":
        alarms.raise_alarm(case)
    return case


def accept(case_id: int, doctor: StaffUser) -> Case | None:
    """The doctor takes the case; None if another doctor already did (one conditional UPDATE). Refused while a leg of
    the doctor's is still up on another case (crm.cases.legs): one call at a time."""
    if any(leg.case_id != case_id for leg in legs.live_legs(doctor.id)):
        legs.ensure_free(doctor)
    return lifecycle.take(_accept_statement(queues_of(doctor)), doctor, "accepted", accept_case=case_id)


@lru_cache(maxsize=64)
def _accept_statement(queues: tuple[str, ...]):
    """Take this case if it waits for a doctor of these queues and no doctor has it (built once per queue set)."""
    waiting_here = or_(Case.status == Status.ESCALATED, (Case.queue == EMERGENCY) & Case.status.in_(WAITING))
    pick = (select(Case.id, Case.queue)
            .where(Case.id == bindparam("accept_case", type_=Integer()), Case.doctor_id.is_(None),
                   Case.queue.in_(queues), waiting_here)
            .with_for_update())
    return lifecycle.taking(pick, "accept", "accepted", doctor_id=lifecycle.STAFF, accepted_at=lifecycle.NOW,
                            alarm_level=0)


def caller_on_line(case: Case) -> bool:
    """Whether the citizen's leg of the case's call is still up (a live call, not a finished one)."""
    return case.channel == "voice" and any(
        c.purpose in ("citizen", "callback") and c.ended_at is None and c.status not in CALL_ENDED for c in case.calls)


def refer(case: Case, doctor: StaffUser, specialty: str, note: str) -> Case:
    """Send the case to another specialty's queue with a note; the specialist sees its whole history.

    A live call is a warm transfer: the specialty's doctors are rung like an emergency (widened after
    the threshold as emergencies are), the specialist joins the same conference, and the referring
    doctor stays on the line until they hand over and leave.
    """
    if case.doctor_id != doctor.id:
        raise Refused("cannot_refer", "Only the doctor who has the case can refer it.", 409)
    if not specialties.is_specialty(specialty) or specialty == doctor.specialty:
        raise Refused("cannot_refer", "Choose another specialty to refer to.", 409)
    lifecycle.refuse_unless(case, "refer")
    note = note.strip()[:2000]
    live = caller_on_line(case)
    case.queue, case.specialty = tier2_queue(specialty), specialty
    case.doctor_id, case.accepted_at, case.escalated_at = None, None, utcnow()
    handover = f"Referred by {doctor.name} ({(doctor.specialty or 'general').replace('_', ' ')}): {note or 'no note'}"
    case.escalation_summary = "\n\n".join(p for p in (case.escalation_summary, handover) if p)[:4000]
    lifecycle.move(case, "refer", "referred", doctor, specialty=specialty, note=note,
                   from_specialty=doctor.specialty, live=live)
    if live:
        case.alarm_level = 0
        alarms.raise_alarm(case, to=f"{specialty.replace('_', ' ')} doctors on duty (live referral)")
    return case


def complete(case: Case, doctor: StaffUser, advice: str, not_an_emergency: bool = False, call: str | None = None) -> Case:
    """The doctor is done: the case is resolved with the advice given; the call ends unless `call` is 'keep'. For an
    alarm that rang, the doctor's verdict on it (`not_an_emergency`: the alarm was not needed; the alarm burden counts
    it per rule)."""
    if case.doctor_id != doctor.id:
        raise Refused("not_yours", "Accept the case first.", 409)
    lifecycle.refuse_unless(case, "complete")
    call = legs.choice(call, ("end", "keep"), "end")
    case.outcome, case.closed_at = "resolved", utcnow()
    case.advice = (advice or "").strip()[:4000] or case.advice
    verdict = {"not_an_emergency": bool(not_an_emergency)} if case.alarm_raised_at is not None else {}
    lifecycle.move(case, "complete", "resolved", doctor, by="doctor", **verdict)
    legs.settle(case, doctor, call, "completed")
    return case
