"""The tier-2 doctor dashboard and its case panel."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from crm.cases import notes as clinical_notes
from crm.cases import queue, replies, tier2, timeline
from crm.helpline import case_record, presence
from crm.helpline.supervisor import monitor
from crm.models import Appointment, Case, StaffUser
from crm.models.base import utcnow
from crm.platform import audit
from crm.platform.errors import load
from crm.platform.extensions import db
from crm.residents import lookup
from crm.staff.auth.capabilities import allow
from triage import checklist, specialties

FLAG_LABELS = {item["id"]: item["label"] for item in checklist("en")}

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
    named = {e.staff_id for e in case.events} | {n.doctor_id for n in (notes.notes if notes else [])}
    bookings = list(db.session.scalars(select(Appointment).where(Appointment.case_id == case.id)))
    thread = replies.thread(case)
    named |= {m.staff_id for m in thread}
    staff = {s.id: s.name for s in db.session.scalars(select(StaffUser).where(StaffUser.id.in_(named - {None})))}
    flags = [FLAG_LABELS.get(f, f) for f in case.red_flags or []]
    live_call = tier2.caller_on_line(case)
    on_call = live_call and any(c.purpose == "staff" and c.staff_id == current_user.id and c.ended_at is None
                                for c in case.calls)
    held = _last(case, ("caller_held", "caller_resumed")) == "caller_held"
    muted = _last(case, ("staff_muted", "staff_unmuted"), current_user.id) == "staff_muted"
    return render_template("doctor/_case.html", case=case, view=patient, notes=notes, staff=staff,
                           bookings=bookings, rules=timeline.triage_tags(case), why=case_record.reason(case), watching=monitor.listeners(case),
                           on_duty=presence.specialties_on_duty(utcnow()), flags=flags, thread=thread,
                           live_call=live_call, on_call=on_call, held=held, muted=muted, specialties=specialties.REGISTRY, queues=queue.queues_of)


def _last(case: Case, kinds: tuple[str, ...], staff_id: int | None = None) -> str | None:
    """The latest of these timeline kinds (by this staff member, if given)."""
    return next((e.kind for e in reversed(case.events)
                 if e.kind in kinds and (staff_id is None or e.staff_id == staff_id)), None)
