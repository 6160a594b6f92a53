"""The tier-2 doctor dashboard and its case panel."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from crm import lookup
from crm.auth.access import roles
from crm.cases import escalation
from crm.extensions import db
from crm.models import Appointment, Case, ClinicalNote, StaffUser

bp = Blueprint("doctor", __name__, url_prefix="/doctor")
SPECIALTIES = ("general_medicine", "cardiology", "neurology", "paediatrics", "obstetrics", "psychiatry",
               "pulmonology", "orthopaedics", "dermatology", "ent", "ophthalmology", "general_surgery")


@bp.get("/")
@roles("doctor", "supervisor")
def dashboard():
    """Emergencies on top, then escalations; the doctor's accepted cases beside them."""
    return render_template("doctor/dashboard.html", specialties=SPECIALTIES)


@bp.get("/cases/<int:case_id>/panel")
@roles("doctor", "supervisor")
def case_panel(case_id: int):
    """One case for the doctor: operator's summary, triage, timeline, patient (audited), notes, bookings."""
    case = db.session.get(Case, case_id)
    if case is None:
        return render_template("_lookup_error.html", code="not_found", message="No such case."), 404
    patient = lookup.view_patient(case.patient_id, case_id=case.id, via="case") if case.patient_id else None
    notes = list(db.session.scalars(select(ClinicalNote).where(
        (ClinicalNote.case_id == case.id) | ((ClinicalNote.patient_id == case.patient_id) if case.patient_id else False)
    ).order_by(ClinicalNote.id)))
    staff = {s.id: s.name for s in db.session.scalars(select(StaffUser))}
    bookings = list(db.session.scalars(select(Appointment).where(Appointment.case_id == case.id)))
    rules = next((e.detail.get("rules") for e in reversed(case.events) if e.kind == "sms_in"), None) or []
    return render_template("doctor/_case.html", case=case, view=patient, notes=notes, staff=staff,
                           bookings=bookings, rules=rules, specialties=SPECIALTIES,
                           queues=escalation.queues_of)
