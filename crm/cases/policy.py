"""Who may act on a case: the one decision every case and appointment write asks.

The holder may: the operator working it, the doctor who accepted it. A role allowed to act for others
(a supervisor) may too, and what they do is on the case timeline under their name. Holding a case is
not the same as having a role: an operator cannot book on a colleague's case, a doctor cannot book on a
tier-1 case nobody escalated to them. Clinical notes are for the doctors on the case; anyone else reads
them only by breaking the glass with a stated reason, which is audited and reviewed.
"""

from __future__ import annotations

from sqlalchemy import select

from crm.cases.queue import queues_of
from crm.cases.status import WAITING_FOR_DOCTOR
from crm.models import Appointment, Case, CaseEvent, StaffUser
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.staff.auth import patient_view
from crm.staff.auth.capabilities import can


def holds(case: Case, staff: StaffUser) -> bool:
    """Whether `staff` is working this case now (the operator on it, or the doctor who accepted it)."""
    return staff.id in (case.assigned_to_id, case.doctor_id)


def may_act(case: Case, staff: StaffUser) -> bool:
    """The holder, or a role that acts for others."""
    return holds(case, staff) or can(staff, "act_for_others")


def ensure_may_act(case: Case, staff: StaffUser) -> None:
    """Refuse (409 not_yours) unless `staff` may change this case."""
    if not may_act(case, staff):
        raise Refused("not_yours", f"Case {case.reference} is being worked by someone else.", 409)


def ensure_may_change_appointment(appointment: Appointment, staff: StaffUser) -> None:
    """An appointment is changed by whoever may act on its case (or, without a case, who booked it)."""
    case = db.session.get(Case, appointment.case_id) if appointment.case_id else None
    if case is not None:
        ensure_may_act(case, staff)
    elif appointment.booked_by_id != staff.id and not can(staff, "act_for_others"):
        raise Refused("not_yours", "Only who booked this appointment, or a supervisor, may change it.", 409)


def readable_notes(cases: list[Case], staff: StaffUser) -> set[int]:
    """Of `cases`, those whose clinical notes `staff` reads without breaking the glass.

    Decided by the doctor's own relation to each case, never by another case: they had it (accepted it, or
    referred it on), hold it now, or it waits in their queue now (referred to them). Identifying a caller on a case
    of one's own makes the patient's earlier cases no more readable."""
    if not patient_view.sees(staff, "notes") or not cases:
        return set()
    had = set(db.session.scalars(select(CaseEvent.case_id).where(
        CaseEvent.case_id.in_([c.id for c in cases]), CaseEvent.kind.in_(("accepted", "referred")),
        CaseEvent.staff_id == staff.id)))
    mine = queues_of(staff)
    waiting = {c.id for c in cases if c.doctor_id is None and c.queue in mine and c.status in WAITING_FOR_DOCTOR}
    return {c.id for c in cases if c.id in had or c.doctor_id == staff.id} | waiting


def may_read_notes(case: Case, staff: StaffUser) -> bool:
    """Whether `staff` reads this case's notes without breaking the glass (see `readable_notes`)."""
    return case.id in readable_notes([case], staff)
