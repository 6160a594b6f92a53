"""Tier 2: the doctor's queue, acceptance, warm transfer, call-back, text, notes, referral, appointments."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import select
from twilio.base.exceptions import TwilioRestException

from crm import appointments, cases, outbox
from crm.api import body, bp, error
from crm.api.cases import case_json
from crm.auth.access import roles
from crm.extensions import db
from crm.models import Appointment, Case, ClinicalNote
from crm.models.base import iso, utcnow
from crm.security.bounds import optional_id
from telephony import transfer
from triage import escalation, events

DOCTOR = ("doctor",)


def _case(case_id: int) -> Case | None:
    return db.session.get(Case, case_id)


def _mine(case: Case | None):
    if case is None:
        return error("not_found", "No such case.", 404)
    if case.doctor_id != current_user.id:
        return error("not_yours", "Accept the case first.", 409)
    return None


@bp.get("/queues/tier2")
@roles(*DOCTOR, "supervisor")
def tier2_queue():
    """What waits for this doctor: emergencies first, then escalations of their specialty and general."""
    if current_user.role == "doctor":
        waiting = escalation.waiting_for(current_user)
    else:
        waiting = list(db.session.scalars(select(Case).where(Case.doctor_id.is_(None), Case.status.in_(
            ("escalated", "queued", "callback")), Case.queue.like("tier2%") | (Case.queue == "emergency"))))
    mine = db.session.scalars(select(Case).where(Case.doctor_id == current_user.id, Case.status == "with_doctor"))
    return jsonify(waiting=[_with_triage(c) for c in waiting], mine=[_with_triage(c) for c in mine])


def _with_triage(case: Case) -> dict:
    data = case_json(case) | {"summary": case.escalation_summary, "alarm_level": case.alarm_level,
                              "escalated_at": iso(case.escalated_at), "accepted_at": iso(case.accepted_at)}
    matched = next((e.detail.get("rules") for e in reversed(case.events) if e.kind == "sms_in"), None)
    data["triage_rules"] = matched or []
    return data


@bp.post("/cases/<int:case_id>/accept")
@roles(*DOCTOR)
def accept(case_id: int):
    """Accept an escalation or emergency: 200 for the one doctor who wins, 409 for the others."""
    case = escalation.accept(case_id, current_user)
    if case is None:
        return error("accepted_by_other", "Another doctor accepted this case first.", 409)
    events.case_changed(case, "case.accepted")
    try:
        how = transfer.bring_in_doctor(case, current_user)
    except TwilioRestException as exc:
        how = "failed"
        cases.add_event(case, "connect_failed", staff_id=current_user.id, error=str(exc.msg)[:200])
        db.session.commit()
    return jsonify(_with_triage(case) | {"connection": how})


@bp.post("/cases/<int:case_id>/leave")
@roles("operator", "doctor", "supervisor")
def leave(case_id: int):
    """Leave the case's call after introducing it (warm transfer); the others stay connected."""
    case = _case(case_id)
    if case is None:
        return error("not_found", "No such case.", 404)
    if not transfer.leave(case, current_user):
        return error("not_on_call", "You are not on this case's call.", 409)
    events.case_changed(case)
    return jsonify(case_json(case))


@bp.post("/cases/<int:case_id>/call-back")
@roles(*DOCTOR)
def call_back(case_id: int):
    """Call the citizen back into the case's conference."""
    case = _case(case_id)
    refusal = _mine(case)
    if refusal:
        return refusal
    if not case.caller_phone or not case.caller_phone.startswith("+"):
        return error("no_number", "This caller's number is unknown.", 409)
    transfer.call_back(case, current_user)
    return jsonify(case_json(case) | {"connection": "calling_back"})


@bp.post("/cases/<int:case_id>/text")
@roles(*DOCTOR)
def text(case_id: int):
    """Text the citizen (sent once, opt-outs respected)."""
    case = _case(case_id)
    refusal = _mine(case)
    if refusal:
        return refusal
    message_body = str(body().get("body", "")).strip()
    if not message_body:
        return error("empty", "Write the message.", 422)
    message = outbox.queue_sms(case.caller_phone, message_body[:600], case=case, kind="doctor", staff_id=current_user.id)
    db.session.commit()
    outbox.flush()
    return jsonify(id=message.id, status=message.status), 201


@bp.get("/cases/<int:case_id>/notes")
@roles(*DOCTOR)
def notes(case_id: int):
    """Clinical notes of the case and of the patient's earlier cases (doctors only)."""
    case = _case(case_id)
    if case is None:
        return error("not_found", "No such case.", 404)
    query = select(ClinicalNote).order_by(ClinicalNote.id)
    query = query.where((ClinicalNote.case_id == case.id) | (
        (ClinicalNote.patient_id == case.patient_id) if case.patient_id else False))
    return jsonify(notes=[{"id": n.id, "case_id": n.case_id, "doctor_id": n.doctor_id, "body": n.body,
                           "created_at": iso(n.created_at)} for n in db.session.scalars(query)])


@bp.post("/cases/<int:case_id>/notes")
@roles(*DOCTOR)
def add_note(case_id: int):
    """Add a clinical note; the timeline records that a note was written, not what it says."""
    case = _case(case_id)
    refusal = _mine(case)
    if refusal:
        return refusal
    note_body = str(body().get("body", "")).strip()
    if not note_body:
        return error("empty", "Write the note.", 422)
    note = ClinicalNote(case_id=case.id, patient_id=case.patient_id, doctor_id=current_user.id, body=note_body[:8000])
    db.session.add(note)
    cases.add_event(case, "clinical_note", staff_id=current_user.id)
    db.session.commit()
    return jsonify(id=note.id), 201


@bp.post("/cases/<int:case_id>/refer")
@roles(*DOCTOR)
def refer(case_id: int):
    """Refer the case to another specialty with a note."""
    case = _case(case_id)
    if case is None:
        return error("not_found", "No such case.", 404)
    data = body()
    try:
        escalation.refer(case, current_user, str(data.get("specialty", "")), str(data.get("note", "")))
    except escalation.EscalationError as exc:
        return error("cannot_refer", str(exc), 409)
    events.case_changed(case, "case.referred")
    return jsonify(case_json(case))


@bp.post("/cases/<int:case_id>/complete")
@roles(*DOCTOR)
def complete(case_id: int):
    """The doctor is done: the case is resolved with the advice given."""
    case = _case(case_id)
    refusal = _mine(case)
    if refusal:
        return refusal
    case.status, case.outcome, case.closed_at = "resolved", "resolved", utcnow()
    case.advice = str(body().get("advice", "")).strip()[:4000] or case.advice
    cases.add_event(case, "resolved", staff_id=current_user.id, by="doctor")
    db.session.commit()
    events.case_changed(case)
    return jsonify(case_json(case))


@bp.put("/me/duty")
@roles(*DOCTOR)
def duty():
    """Go on or off duty (on-duty doctors are rung first in an emergency)."""
    current_user.on_duty = bool(body().get("on_duty"))
    current_user.presence = "available" if current_user.on_duty else "offline"
    current_user.presence_since = utcnow()
    db.session.commit()
    return jsonify(on_duty=current_user.on_duty)


@bp.get("/slots")
@roles(*DOCTOR, "operator", "supervisor")
def slots():
    """Open slots, optionally of one specialty."""
    found = appointments.open_slots(request.args.get("specialty") or None)
    return jsonify(slots=[{"id": s.id, "starts_at": iso(s.starts_at), "minutes": s.minutes, "specialty": s.specialty,
                           "doctor": s.doctor.name, "facility": s.facility.name} for s in found])


@bp.post("/appointments")
@roles(*DOCTOR, "operator")
def book():
    """Book a slot for a case's patient: 201, or 409 when the slot is taken."""
    data = body()
    case = _case(optional_id(data.get("case_id")) or 0)
    if case is None:
        return error("not_found", "No such case.", 404)
    try:
        appointment = appointments.book(optional_id(data.get("slot_id")) or 0, case, current_user)
    except appointments.SlotTaken as exc:
        return error("slot_taken", str(exc), 409)
    except appointments.AppointmentError as exc:
        return error("cannot_book", str(exc), 422)
    return jsonify(_appointment(appointment)), 201


@bp.post("/appointments/<int:appointment_id>/cancel")
@roles(*DOCTOR, "operator")
def cancel(appointment_id: int):
    """Cancel an appointment (the patient is told)."""
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None:
        return error("not_found", "No such appointment.", 404)
    try:
        appointments.cancel(appointment, current_user)
    except appointments.AppointmentError as exc:
        return error("cannot_cancel", str(exc), 409)
    return jsonify(_appointment(appointment))


@bp.post("/appointments/<int:appointment_id>/reschedule")
@roles(*DOCTOR, "operator")
def reschedule(appointment_id: int):
    """Move an appointment to another slot (the patient is told)."""
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None:
        return error("not_found", "No such appointment.", 404)
    try:
        new = appointments.reschedule(appointment, optional_id(body().get("slot_id")) or 0, current_user)
    except appointments.SlotTaken as exc:
        return error("slot_taken", str(exc), 409)
    except appointments.AppointmentError as exc:
        return error("cannot_book", str(exc), 409)
    return jsonify(_appointment(new)), 201


def _appointment(appointment: Appointment) -> dict:
    slot = appointment.slot
    return {"id": appointment.id, "status": appointment.status, "slot_id": slot.id, "starts_at": iso(slot.starts_at),
            "facility": slot.facility.name, "doctor": slot.doctor.name, "case_id": appointment.case_id}
