"""Warm transfer and the doctor's ways to reach a caller."""

from __future__ import annotations

from crm.cases import timeline
from crm.cases.status import Status
from crm.helpline.live import events
from crm.models import Case, StaffUser
from telephony import calls, gateway


def bring_in_doctor(case: Case, doctor: StaffUser) -> str:
    """After acceptance: 'joining' (warm transfer into the live call), 'connecting' (caller was
    waiting in the emergency queue) or 'caller_gone' (call back or text instead)."""
    caller = calls.citizen_leg(case)
    if caller is None or case.channel != "voice":
        timeline.add_event(case, "doctor_needs_contact", staff_id=doctor.id)
        return "caller_gone"
    how = "connecting" if caller.queue_result is None else "joining"
    if how == "connecting":
        gateway.dequeue_to_conference(case)
    gateway.ring_staff(case, doctor)
    timeline.add_event(case, "doctor_joining", staff_id=doctor.id, how=how)
    return how


def leave(case: Case, staff: StaffUser) -> bool:
    """Hang up this staff member's leg; the caller and the doctor stay in the conference."""
    legs = [c for c in case.calls if c.purpose == "staff" and c.staff_id == staff.id and c.ended_at is None]
    for leg in legs:
        gateway.client().calls(leg.sid).update(status="completed")
    if legs:
        timeline.add_event(case, "left_call", staff_id=staff.id)
        if case.assigned_to_id == staff.id and case.status in (Status.ESCALATED, Status.WITH_DOCTOR):
            case.assigned_to_id = None  # free to take the next call; the case stays with the doctor
        events.case_changed(case)
    return bool(legs)


def join(case: Case, staff: StaffUser) -> str:
    """Ring a staff member into the live call (a supervisor taking over, a reassignment)."""
    if calls.citizen_leg(case) is None:
        return "caller_gone"
    gateway.ring_staff(case, staff)
    timeline.add_event(case, "staff_joining", staff_id=staff.id)
    return "joining"


def call_back(case: Case, staff: StaffUser) -> None:
    """Call the citizen back: the citizen's phone and the staff member's both join the conference."""
    gateway.call_back(case)
    gateway.ring_staff(case, staff)
    timeline.add_event(case, "doctor_call_back", staff_id=staff.id)


def return_to_queue(case: Case) -> bool:
    """The caller leaves the conference for the case's queue (telephony.voice.requeue answers their Enqueue again);
    the leg counts as waiting again, so the next claim or acceptance dequeues it as it did the first time."""
    caller = calls.citizen_leg(case)
    if caller is None or case.channel != "voice":
        return False
    gateway.client().calls(caller.sid).update(url=gateway.public_url("telephony.requeue", case=case.id),
                                              method="POST")
    caller.queue_result = caller.queue_sid = caller.queue_position = None
    events.case_changed(case)
    return True
