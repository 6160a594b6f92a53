"""The screen-pop: who is on the line, before the operator says hello.

The patient record comes through crm.residents.lookup with the case id, so every view leaves an audit row that
names the case. Prior cases and appointments of the same person (or the same phone) come with it.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from crm.models import Appointment, Case, Patient, Slot
from crm.models.base import iso
from crm.platform.extensions import db
from crm.residents import lookup as lookups
from crm.staff.auth.patient_view import role_of, sections_of

PRIOR_CASES = 10
APPOINTMENTS = 10


def masked_patient(patient: Patient) -> str:
    """'R.K. M 45 Seelampur': enough to recognise the right person, not to identify them."""
    initials = ".".join(part[0].upper() for part in patient.name.split()[:3] if part) + "."
    years = lookups.age(patient)
    return " ".join(p for p in (initials, patient.sex + (f" {years}" if years is not None else ""), patient.ward) if p)


def screen_pop(case: Case, view: dict | None = None) -> dict:
    """The patient view (audited, for this case), their prior cases and appointments, as far as the signed-in
    staff member's role sees them (crm.staff.auth.patient_view)."""
    if view is None and case.patient_id:
        view = lookups.view_patient(case.patient_id, case_id=case.id, via="screen_pop")
    past = "past_contacts" in sections_of(role_of())
    return {"case_id": case.id, "patient": view, "prior_cases": [prior_json(c) for c in prior_cases(case)] if past else [],
            "appointments": [appointment_json(a) for a in appointments_of(case.patient_id)] if past else []}


def prior_cases(case: Case, limit: int = PRIOR_CASES) -> list[Case]:
    """Earlier cases of the same patient, or from the same phone number, newest first."""
    same = []
    if case.patient_id:
        same.append(Case.patient_id == case.patient_id)
    if (case.caller_phone or "").startswith("+"):
        same.append(Case.caller_phone == case.caller_phone)
    if not same:
        return []
    query = select(Case).where(or_(*same), Case.id != case.id).order_by(Case.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def appointments_of(patient_id: int | None, limit: int = APPOINTMENTS) -> list[Appointment]:
    """A patient's appointments, latest slot first."""
    if not patient_id:
        return []
    query = (select(Appointment).join(Slot).where(Appointment.patient_id == patient_id)
             .order_by(Slot.starts_at.desc()).limit(limit))
    return list(db.session.scalars(query))


def prior_json(case: Case) -> dict:
    """A prior case as the screen-pop lists it."""
    return {"id": case.id, "reference": case.reference, "created_at": iso(case.created_at), "channel": case.channel,
            "status": case.status, "priority": case.priority, "outcome": case.outcome,
            "disposition": case.disposition, "reason": case.reason}


def appointment_json(appointment: Appointment) -> dict:
    """An appointment as the screen-pop lists it."""
    slot = appointment.slot
    return {"id": appointment.id, "status": appointment.status, "starts_at": iso(slot.starts_at),
            "facility": slot.facility.name, "doctor": slot.doctor.name, "specialty": slot.specialty}
