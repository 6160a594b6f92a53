"""Floor control: what a supervisor does to cases others hold or that wait, each with who and why.

Take over a call, reassign a case to another operator or doctor, move a waiting case to another queue,
raise its priority. Every step is a lifecycle transition (so a finished case cannot be moved) and a
timeline entry naming the supervisor and the reason.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from crm.cases import lifecycle, timeline
from crm.cases.lifecycle import EMERGENCY, PRIORITIES, TIER1
from crm.cases.queue import tier2_queue
from crm.cases.status import Status
from crm.models import Case, StaffUser
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.staff.auth.capabilities import can
from triage import specialties

MIN_REASON = 3


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise Refused("reason_required", "Say why (it goes on the case timeline).", 422)
    return text[:300]


def _supervisor(staff: StaffUser) -> None:
    if not can(staff, "act_for_others"):
        raise Refused("forbidden", "Only a supervisor can do this.", 403)


def queues() -> tuple[str, ...]:
    """Every queue a case can wait in."""
    return (TIER1, EMERGENCY, "tier2", *(tier2_queue(s) for s in specialties.CODES if s != specialties.GENERAL))


def take_over(case: Case, supervisor: StaffUser, reason: str) -> Case:
    """The supervisor takes a case an operator is working (the operator is freed)."""
    _supervisor(supervisor)
    why = _reason(reason)
    lifecycle.refuse_unless(case, "take_over")
    if case.status != Status.IN_PROGRESS:
        raise Refused("wrong_state", f"Case {case.reference} is with a doctor: reassign it to another doctor.", 409)
    previous = case.assigned_to_id
    _hand(case, "assigned_to_id", supervisor.id)
    return lifecycle.move(case, "take_over", "taken_over", supervisor, reason=why, previous=previous)


def reassign(case: Case, supervisor: StaffUser, to: StaffUser, reason: str) -> Case:
    """Give a case being worked to another operator (tier 1) or doctor (tier 2)."""
    _supervisor(supervisor)
    why = _reason(reason)
    lifecycle.refuse_unless(case, "reassign")
    field, role = ("doctor_id", "doctor") if case.status == Status.WITH_DOCTOR else ("assigned_to_id", "operator")
    if not to.active or to.role not in (role, "supervisor" if role == "operator" else role):
        raise Refused("bad_assignee", f"{to.name} cannot take this case: choose an active {role}.", 422)
    previous = getattr(case, field)
    _hand(case, field, to.id)
    return lifecycle.move(case, "reassign", "reassigned", supervisor, reason=why, previous=previous, to=to.id)


def move_queue(case: Case, supervisor: StaffUser, queue: str, reason: str) -> Case:
    """Move a waiting case to another queue (into the emergency queue it becomes P1 and rings the doctors)."""
    _supervisor(supervisor)
    why = _reason(reason)
    if queue not in queues():
        raise Refused("unknown_queue", f"Unknown queue {queue!r}.", 422)
    lifecycle.refuse_unless(case, "move_queue")
    if queue == EMERGENCY:
        lifecycle.declare_emergency(case, via="supervisor")
        timeline.add_event(case, "moved", staff_id=supervisor.id, queue=queue, reason=why)
        return case
    previous, case.queue = case.queue, queue
    return lifecycle.move(case, "move_queue", "moved", supervisor, queue=queue, previous=previous, reason=why)


def raise_priority(case: Case, supervisor: StaffUser, priority: str, reason: str) -> Case:
    """Make a case more urgent (never less: triage errs high); P1 sends it to the emergency queue."""
    _supervisor(supervisor)
    why = _reason(reason)
    if priority not in PRIORITIES:
        raise Refused("bad_priority", "Priority is P1, P2, P3 or P4.", 422)
    lifecycle.refuse_unless(case, "raise_priority")
    if priority >= (case.priority or "P4"):
        raise Refused("not_higher", f"Case {case.reference} is already {case.priority}; priority only goes up.", 409)
    previous = case.priority
    if priority == "P1" and case.status in (Status.QUEUED, Status.CALLBACK, Status.ESCALATED, Status.IN_PROGRESS):
        lifecycle.declare_emergency(case, via="supervisor")
    case.priority = priority
    return lifecycle.move(case, "raise_priority", "priority_raised", supervisor, priority=priority,
                          previous=previous, reason=why)


def _hand(case: Case, field: str, staff_id: int) -> None:
    setattr(case, field, staff_id)
    try:
        db.session.flush()  # the partial unique index: nobody holds two live calls
    except IntegrityError as exc:
        db.session.rollback()
        raise Refused("already_on_call", "That person already holds a live call.", 409) from exc
