"""Clinical notes: written by the doctor on the case, read by the doctors on it, anyone else only by
breaking the glass with a stated reason (audited, shown to supervisors for review)."""

from __future__ import annotations

from sqlalchemy import select

from crm import audit
from crm.cases import policy, timeline
from crm.errors import Refused
from crm.extensions import db
from crm.models import Case, ClinicalNote, StaffUser

MAX_NOTES = 200
MIN_REASON = 10


def write(case: Case, doctor: StaffUser, body: str) -> ClinicalNote:
    """Add a note; the timeline records that a note was written, not what it says."""
    if case.doctor_id != doctor.id:
        raise Refused("not_yours", "Accept the case first.", 409)
    text = (body or "").strip()
    if not text:
        raise Refused("empty", "Write the note.", 422)
    note = ClinicalNote(case_id=case.id, patient_id=case.patient_id, doctor_id=doctor.id, body=text[:8000])
    db.session.add(note)
    db.session.flush()
    timeline.add_event(case, "clinical_note", staff_id=doctor.id)
    return note


def read(case: Case, staff: StaffUser, reason: str | None = None) -> list[ClinicalNote]:
    """The case's notes and the patient's earlier ones, for a doctor on the case (or with a reason); audited."""
    if policy.may_read_notes(case, staff):
        audit.record("read_notes", patient_id=case.patient_id, case_id=case.id, via="case", staff_id=staff.id)
    else:
        reason = (reason or "").strip()
        if len(reason) < MIN_REASON:
            raise Refused("notes_restricted", "Clinical notes are for the doctors on this case. To read them anyway, "
                                              "state why (break the glass); it is recorded and reviewed.", 403)
        audit.record("break_glass", patient_id=case.patient_id, case_id=case.id, via="notes", staff_id=staff.id,
                     reason=reason[:500])
        timeline.add_event(case, "break_glass", staff_id=staff.id)
    query = select(ClinicalNote).where((ClinicalNote.case_id == case.id) | (
        (ClinicalNote.patient_id == case.patient_id) if case.patient_id else False))
    return list(db.session.scalars(query.order_by(ClinicalNote.id).limit(MAX_NOTES)))


def may_read(case: Case, staff: StaffUser) -> bool:
    """Whether the notes can be shown without breaking the glass."""
    return policy.may_read_notes(case, staff)
