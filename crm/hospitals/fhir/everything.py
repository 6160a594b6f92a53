"""Patient/$everything: the patient, their household, contacts with the helpline, appointments and hospital history."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from crm.hospitals.fhir import contacts, resources
from crm.models import Appointment, Case, HospitalRecord, Message, Patient
from crm.platform.errors import Refused
from crm.platform.extensions import db

LIMIT = 200  # of each kind: the newest first; a search pages through more


def of_patient(patient_id: int, may_read: Callable[[str], bool]) -> list[dict]:
    """Every resource about the patient of a type `may_read` allows, newest contacts first."""
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        raise Refused("not_found", f"There is no Patient/{patient_id} here.", 404)
    out = [resources.patient(patient)]
    if patient.household and may_read("Group"):
        out.append(resources.group(patient.household))
    cases = list(db.session.scalars(select(Case).where(Case.patient_id == patient_id).order_by(Case.id.desc()).limit(LIMIT)))
    if may_read("Encounter"):
        out += [contacts.encounter(c) for c in cases]
    if may_read("Communication") and cases:
        messages = db.session.scalars(select(Message).where(Message.case_id.in_([c.id for c in cases]))
                                      .order_by(Message.id.desc()).limit(LIMIT))
        out += [contacts.communication(m, patient_id) for m in messages]
    if may_read("Appointment"):
        out += [contacts.appointment(a) for a in db.session.scalars(
            select(Appointment).where(Appointment.patient_id == patient_id).order_by(Appointment.id.desc()).limit(LIMIT))]
    records = db.session.scalars(select(HospitalRecord).where(HospitalRecord.patient_id == patient_id)
                                 .order_by(HospitalRecord.id.desc()).limit(LIMIT * 3))
    out += [contacts.hospital_resource(r) for r in records if may_read(r.resource_type)]
    return out
