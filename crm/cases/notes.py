"""Clinical notes: written by the doctor on the case. A doctor reads the notes of each case they had (accepted,
referred on, or referred to them), on that case's own relation to them; the patient's other cases, and anyone else,
only by breaking the glass with a stated reason (audited per case, shown to supervisors for review)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from crm.cases import policy, timeline
from crm.models import Case, ClinicalNote, StaffUser
from crm.platform import audit
from crm.platform.errors import Refused
from crm.platform.extensions import db

MAX_NOTES = 200
MIN_REASON = 10


@dataclass(frozen=True)
class NotesRead:
    """What a read shows: the notes, and how many of the patient's other cases hold notes it did not show."""

    notes: list[ClinicalNote]
    withheld_cases: int = 0


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


def read(case: Case, staff: StaffUser, reason: str | None = None) -> NotesRead:
    """The case's notes and those of the patient's earlier cases that `staff` had; with a reason (breaking the glass)
    all of them. Audited: a read_notes row for what their own relation allowed, a break_glass row per other case."""
    query = select(ClinicalNote).where((ClinicalNote.case_id == case.id) | (
        (ClinicalNote.patient_id == case.patient_id) if case.patient_id else False))
    found = list(db.session.scalars(query.order_by(ClinicalNote.id).limit(MAX_NOTES)))
    with_notes = {n.case_id for n in found}
    cases = [case, *(db.session.get(Case, i) for i in sorted(with_notes - {case.id}))]
    readable = policy.readable_notes(cases, staff)
    # This case (breaking the glass on it is recorded even before it has notes) and the others that hold notes.
    closed = [c for c in cases if c.id not in readable and (c is case or c.id in with_notes)]
    reason = (reason or "").strip()
    if case.id not in readable and len(reason) < MIN_REASON:
        raise Refused("notes_restricted", "Clinical notes are for the doctors on this case. To read them anyway, "
                                          "state why (break the glass); it is recorded and reviewed.", 403)
    glass = closed if len(reason) >= MIN_REASON else []
    if readable:
        audit.record("read_notes", patient_id=case.patient_id, case_id=case.id, via="case", staff_id=staff.id,
                     cases=sorted(readable & with_notes))
    for other in glass:  # each case opened without a relation to it is its own row for a supervisor to judge
        audit.record("break_glass", patient_id=other.patient_id, case_id=other.id, via="notes", staff_id=staff.id,
                     reason=reason[:500], from_case=case.id)
        timeline.add_event(other, "break_glass", staff_id=staff.id)
    shown = readable | {c.id for c in glass}
    return NotesRead([n for n in found if n.case_id in shown], len(closed) - len(glass))


def may_read(case: Case, staff: StaffUser) -> bool:
    """Whether this case's notes can be shown to `staff` without breaking the glass."""
    return policy.may_read_notes(case, staff)
