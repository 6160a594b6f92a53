"""Tier 2: the doctor's queue, acceptance, warm transfer, call-back, text, notes, referral, appointments."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import select

from crm.cases import identify, queue, replies, tier2, timeline
from crm.cases import notes as clinical_notes
from crm.cases.status import Status
from crm.helpline import appointments, case_record, doctor_languages, presence
from crm.helpline.api.cases import case_json
from crm.helpline.live import events
from crm.models import Appointment, Case, StaffUser
from crm.models.base import iso, utcnow
from crm.platform import audit, outbox, phone
from crm.platform.api import body, bounded_int, bp
from crm.platform.errors import Refused, load
from crm.platform.extensions import db
from crm.staff.auth.capabilities import allow

MAX_SLOTS_LISTED = 200  # a week of a specialty's slots across facilities; grouped by day and facility on the page


def _mine(case_id: int) -> Case:
    case = load(Case, case_id, "case")
    if case.doctor_id != current_user.id:
        raise Refused("not_yours", "Accept the case first.", 409)
    return case


@bp.get("/queues/tier2")
@allow("watch_tier2")
def tier2_queue():
    """What waits for this doctor: emergencies first, then escalations of their specialty and general (a case in a
    language they do not speak waits a while for a doctor on duty who does: crm.helpline.doctor_languages)."""
    if current_user.role == "doctor":
        waiting = doctor_languages.for_doctor(current_user, queue.waiting_for(current_user), utcnow())
    else:
        waiting = queue.waiting_for_any_doctor()
    mine = db.session.scalars(select(Case).where(Case.doctor_id == current_user.id, Case.status == Status.WITH_DOCTOR)
                              .limit(queue.MAX_LISTED))
    mine = list(mine)
    audit.record_cases("list_tier2", [*waiting, *mine], via="api")
    me = presence.summary(current_user) | {"on_duty": bool(current_user.on_duty)}
    return jsonify(waiting=[_with_triage(c) for c in waiting], mine=[_with_triage(c) for c in mine], me=me)


def _with_triage(case: Case) -> dict:
    data = case_json(case) | {"summary": case.escalation_summary, "alarm_level": case.alarm_level,
                              "escalated_at": iso(case.escalated_at), "accepted_at": iso(case.accepted_at)}
    data["triage_rules"] = timeline.triage_tags(case)
    why = case_record.reason(case)
    data["reason"] = {"words": why.words, "via": why.via, "rules": why.rules}
    return data


@bp.post("/cases/<int:case_id>/accept")
@allow("work_tier2")
def accept(case_id: int):
    """Accept an escalation or emergency: 200 for the one doctor who wins, 409 for the others."""
    case = tier2.accept(case_id, current_user)
    if case is None:
        raise Refused("accepted_by_other", "Another doctor accepted this case first.", 409)
    try:
        how = phone.system().bring_in_doctor(case, current_user)
    except phone.PhoneFailed:
        how = "failed"  # on the timeline already; the acceptance stands, the doctor calls back
    return jsonify(_with_triage(case) | {"connection": how})


@bp.post("/cases/<int:case_id>/leave")
@allow("take_calls")
def leave(case_id: int):
    """Leave the case's call after introducing it (warm transfer); the others stay connected."""
    case = load(Case, case_id, "case")
    if not phone.system().leave(case, current_user):
        raise Refused("not_on_call", "You are not on this case's call.", 409)
    return jsonify(case_json(case))


@bp.post("/cases/<int:case_id>/identify")
@allow("work_tier2")
def identify_caller(case_id: int):
    """Identify the caller by a scanned QR, a typed card number, a phone, or a pick (patient_id); audited."""
    data = body()
    query = {k: str(data[k]) for k in ("qr", "card_number", "phone") if data.get(k)}
    if data.get("patient_id") is not None:
        query = {"patient_id": str(bounded_int(data["patient_id"], "patient_id"))}
    view = identify.identify(load(Case, case_id, "case"), current_user, query)
    return jsonify(patient_id=view["patient"]["id"], name=view["patient"]["name"])


@bp.post("/cases/<int:case_id>/join")
@allow("work_tier2")
def join(case_id: int):
    """Ring the case's doctor back into the live call (after leaving it, or a dropped browser phone)."""
    how = phone.system().join(_mine(case_id), current_user)
    if how == "caller_gone":
        raise Refused("caller_gone", "The caller has hung up: call back or text.", 409)
    return jsonify(connection=how)


@bp.post("/cases/<int:case_id>/call-back")
@allow("work_tier2")
def call_back(case_id: int):
    """Call the citizen back into the case's conference."""
    case = _mine(case_id)
    if not case.caller_phone or not case.caller_phone.startswith("+"):
        raise Refused("no_number", "This caller's number is unknown.", 409)
    phone.system().call_back(case, current_user)
    return jsonify(case_json(case) | {"connection": "calling_back"})


@bp.post("/cases/<int:case_id>/text")
@allow("work_tier2")
def text(case_id: int):
    """Text the citizen (sent once, opt-outs respected)."""
    case = _mine(case_id)
    message_body = str(body().get("body", "")).strip()
    if not message_body:
        raise Refused("empty", "Write the message.", 422)
    replies.ensure_sms_registered(case, message_body[:600])  # under DLT: a canned reply word for word, or refused
    message = outbox.queue_sms(case.caller_phone, message_body[:600], case=case, kind="doctor", staff_id=current_user.id)
    events.case_changed(case, "case.message")
    return jsonify(id=message.id, status=message.status), 201


@bp.get("/cases/<int:case_id>/notes")
@allow("watch_tier2")
def notes(case_id: int):
    """Clinical notes of the case and of the patient's earlier cases this doctor had (audited); others withheld."""
    return _notes(clinical_notes.read(load(Case, case_id, "case"), current_user))


@bp.post("/cases/<int:case_id>/notes/break-glass")
@allow("watch_tier2")
def break_glass(case_id: int):
    """Read the notes of a case that is not yours, or the patient's other cases', with a stated reason (audited per
    case, reviewed by supervisors)."""
    return _notes(clinical_notes.read(load(Case, case_id, "case"), current_user, str(body().get("reason", ""))))


def _notes(found: clinical_notes.NotesRead):
    return jsonify(notes=[{"id": n.id, "case_id": n.case_id, "doctor_id": n.doctor_id, "body": n.body,
                           "created_at": iso(n.created_at)} for n in found.notes],
                   withheld_cases=found.withheld_cases)


@bp.post("/cases/<int:case_id>/notes")
@allow("work_tier2")
def add_note(case_id: int):
    """Add a clinical note; the timeline records that a note was written, not what it says."""
    note = clinical_notes.write(load(Case, case_id, "case"), current_user, str(body().get("body", "")))
    return jsonify(id=note.id), 201


@bp.post("/cases/<int:case_id>/refer")
@allow("work_tier2")
def refer(case_id: int):
    """Refer the case to another specialty with a note."""
    data = body()
    case = tier2.refer(load(Case, case_id, "case"), current_user, str(data.get("specialty", "")),
                       str(data.get("note", "")))
    return jsonify(case_json(case))


@bp.post("/cases/<int:case_id>/complete")
@allow("work_tier2")
def complete(case_id: int):
    """The doctor is done: the case is resolved with the advice given (and, for an alarm, whether it was needed); the
    call ends unless `call` is "keep"."""
    data = body()
    case = tier2.complete(load(Case, case_id, "case"), current_user, str(data.get("advice", "")),
                          data.get("not_an_emergency") in (True, "1", "on", "true"), data.get("call"))
    return jsonify(case_json(case))


@bp.put("/me/duty")
@allow("work_tier2")
def duty():
    """Go on or off duty (on-duty doctors are rung first in an emergency)."""
    current_user.on_duty = bool(body().get("on_duty"))
    current_user.presence = "available" if current_user.on_duty else "offline"
    current_user.presence_since = utcnow()
    return jsonify(on_duty=current_user.on_duty)


@bp.put("/me/sound")
@allow("work_tier2")
def sound():
    """The Tier 2 page reports whether its alarm can sound (after the doctor's "sound on" click)."""
    on = body().get("on")
    if not isinstance(on, bool):
        raise Refused("bad_sound", "Say on: true or false.", 422)
    if current_user.sound_on != on:
        current_user.sound_on, current_user.sound_since = on, utcnow()
        events.publish("doctor.sound", lambda: {"id": current_user.id, "sound_on": on}, lambda: ["supervisors"])
    return jsonify(sound_on=on)


@bp.get("/doctors/sound")
@allow("supervise")
def doctors_sound():
    """On-duty doctors and whether their alarm can sound: the supervisor chases those with sound off."""
    found = db.session.scalars(select(StaffUser).where(StaffUser.role == "doctor", StaffUser.on_duty.is_(True),
                                                       StaffUser.active.is_(True)).order_by(StaffUser.name)
                               .limit(queue.MAX_LISTED))
    doctors = [{"id": d.id, "name": d.name, "specialty": d.specialty, "sound_on": d.sound_on,
                "since": iso(d.sound_since)} for d in found]
    return jsonify(doctors=doctors, sound_off=sum(not d["sound_on"] for d in doctors))


@bp.get("/slots")
@allow("see_slots")
def slots():
    """Open slots, optionally of one specialty."""
    found = appointments.open_slots(request.args.get("specialty") or None, limit=MAX_SLOTS_LISTED)
    return jsonify(slots=[{"id": s.id, "starts_at": iso(s.starts_at), "minutes": s.minutes, "specialty": s.specialty,
                           "doctor": s.doctor.name, "facility": s.facility.name} for s in found])


@bp.post("/appointments")
@allow("book_appointments")
def book():
    """Book a slot for a case's patient: 201, or 409 when the slot is taken."""
    data = body()
    case = load(Case, bounded_int(data.get("case_id"), "case_id"), "case")
    appointment = appointments.book(bounded_int(data.get("slot_id"), "slot_id"), case, current_user)
    return jsonify(_appointment(appointment)), 201


@bp.post("/appointments/<int:appointment_id>/cancel")
@allow("book_appointments")
def cancel(appointment_id: int):
    """Cancel an appointment (the patient is told)."""
    appointment = appointments.cancel(load(Appointment, appointment_id, "appointment"), current_user)
    return jsonify(_appointment(appointment))


@bp.post("/appointments/<int:appointment_id>/reschedule")
@allow("book_appointments")
def reschedule(appointment_id: int):
    """Move an appointment to another slot (the patient is told)."""
    new = appointments.reschedule(load(Appointment, appointment_id, "appointment"),
                                  bounded_int(body().get("slot_id"), "slot_id"), current_user)
    return jsonify(_appointment(new)), 201


def _appointment(appointment: Appointment) -> dict:
    slot = appointment.slot
    return {"id": appointment.id, "status": appointment.status, "slot_id": slot.id, "starts_at": iso(slot.starts_at),
            "facility": slot.facility.name, "doctor": slot.doctor.name, "case_id": appointment.case_id}
