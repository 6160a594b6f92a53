"""The tier-2 doctor dashboard and its case panel."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from crm import audit, lookup
from crm.auth.capabilities import allow
from crm.cases import notes as clinical_notes
from crm.cases import queue
from crm.errors import load
from crm.extensions import db
from crm.models import Appointment, Case, StaffUser
from triage import specialties

bp = Blueprint("doctor", __name__, url_prefix="/doctor")


@bp.get("/")
@allow("watch_tier2")
def dashboard():
    """Emergencies on top, then escalations; the doctor's accepted cases beside them."""
    return render_template("doctor/dashboard.html", specialties=specialties.REGISTRY)


@bp.get("/cases/<int:case_id>/panel")
@allow("watch_tier2")
def case_panel(case_id: int):
    """One case for the doctor: operator's summary, triage, timeline, patient (audited), notes, bookings."""
    case = load(Case, case_id, "case")
    audit.record("view_case", case_id=case.id, patient_id=case.patient_id, via="doctor_panel")
    patient = lookup.view_patient(case.patient_id, case_id=case.id, via="case") if case.patient_id else None
    notes = clinical_notes.read(case, current_user) if clinical_notes.may_read(case, current_user) else None
    named = {e.staff_id for e in case.events} | {n.doctor_id for n in notes or []}
    staff = {s.id: s.name for s in db.session.scalars(select(StaffUser).where(StaffUser.id.in_(named - {None})))}
    bookings = list(db.session.scalars(select(Appointment).where(Appointment.case_id == case.id)))
    rules = next((e.detail.get("rules") for e in reversed(case.events) if e.kind == "sms_in"), None) or []
    return render_template("doctor/_case.html", case=case, view=patient, notes=notes, staff=staff,
                           bookings=bookings, rules=rules, specialties=specialties.REGISTRY,
                           queues=queue.queues_of)
