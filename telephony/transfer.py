"""Warm transfer and the doctor's ways to reach a caller."""

from __future__ import annotations

from crm.cases import timeline
from crm.extensions import db
from crm.models import Call, Case, StaffUser
from telephony import gateway


def live_caller_leg(case: Case) -> Call | None:
    """The citizen's leg that is still connected (in a queue or in the conference)."""
    for call in reversed(case.calls):
        if call.purpose in ("citizen", "callback") and call.ended_at is None and call.status != "completed":
            return call
    return None


def bring_in_doctor(case: Case, doctor: StaffUser) -> str:
    """After acceptance: 'joining' (warm transfer into the live call), 'connecting' (caller was
    waiting in the emergency queue) or 'caller_gone' (call back or text instead)."""
    caller = live_caller_leg(case)
    if caller is None or case.channel != "voice":
        timeline.add_event(case, "doctor_needs_contact", staff_id=doctor.id)
        db.session.commit()
        return "caller_gone"
    how = "connecting" if caller.queue_result is None else "joining"
    if how == "connecting":
        gateway.dequeue_to_conference(case)
    gateway.ring_staff(case, doctor)
    timeline.add_event(case, "doctor_joining", staff_id=doctor.id, how=how)
    db.session.commit()
    return how


def leave(case: Case, staff: StaffUser) -> bool:
    """Hang up this staff member's leg; the caller and the doctor stay in the conference."""
    legs = [c for c in case.calls if c.purpose == "staff" and c.staff_id == staff.id and c.ended_at is None]
    for leg in legs:
        gateway.client().calls(leg.sid).update(status="completed")
    if legs:
        timeline.add_event(case, "left_call", staff_id=staff.id)
        if case.assigned_to_id == staff.id:
            case.assigned_to_id = None  # free to take the next call; the case stays with the doctor
        db.session.commit()
    return bool(legs)


def call_back(case: Case, doctor: StaffUser) -> None:
    """The doctor calls the citizen back: the citizen's phone and the doctor's both join the conference."""
    gateway.call_back(case)
    gateway.ring_staff(case, doctor)
    timeline.add_event(case, "doctor_call_back", staff_id=doctor.id)
    db.session.commit()
