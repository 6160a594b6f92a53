"""Opening cases and writing their timeline."""

from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db
from crm.models import Case, CaseEvent, Patient
from crm.models.base import utcnow


def open_case(channel: str, caller_phone: str | None, status: str, language: str = "hi", **fields) -> Case:
    """Create a case and log 'opened' (flushed, so it has its id and reference; committed by the caller)."""
    case = Case(channel=channel, caller_phone=caller_phone, status=status, language=language, **fields)
    if caller_phone and case.patient_id is None:
        patient = match_caller(caller_phone)
        if patient is not None:
            case.patient_id = patient.id
            case.language = patient.preferred_language or language
    db.session.add(case)
    db.session.flush()
    add_event(case, "opened", channel=channel)
    return case


def add_event(case: Case, kind: str, staff_id: int | None = None, **detail) -> CaseEvent:
    """Append to the case timeline."""
    event = CaseEvent(case=case, kind=kind, staff_id=staff_id, detail=detail, at=utcnow())
    db.session.add(event)
    return event


def match_caller(e164: str) -> Patient | None:
    """The resident registered with this phone (the registered person before family sharing it)."""
    rows = db.session.scalars(select(Patient).where(Patient.mobile == e164).order_by(Patient.id).limit(10)).all()
    for patient in rows:
        if patient.relation == "self":
            return patient
    return rows[0] if rows else None
