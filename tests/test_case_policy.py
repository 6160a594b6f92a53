"""Who may act on a case: holders, supervisors acting for others (on the timeline), nobody else.

Appointments, clinical notes, replayed IVR requests and floor control all ask the one policy.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.cases import lifecycle, tier2
from crm.models import AuditLog, Case, CaseEvent, Facility, Message, Slot
from crm.models.base import utcnow
from crm.platform.extensions import db
from crm.platform.jobs import HeldRunner
from tests import factories


@pytest.fixture
def desk(app):
    """Two operators, a doctor, a supervisor; a tier-1 case claimed by the first operator; open slots."""
    app.extensions["sampark_jobs"] = HeldRunner(app)
    people = {name: factories.logged_in(app, role, **kw) for name, role, kw in (
        ("op1", "operator", {}), ("op2", "operator", {}), ("doc", "doctor", {"specialty": "cardiology"}),
        ("doc2", "doctor", {"specialty": "cardiology"}), ("sup", "supervisor", {}))}
    facility = Facility(code="PC-T1", name="Polyclinic Test", kind="polyclinic", district="East")
    slots = [Slot(doctor_id=people["doc"][1].id, facility=facility, specialty="cardiology",
                  starts_at=utcnow() + timedelta(days=2, minutes=15 * i)) for i in range(4)]
    db.session.add_all([facility, *slots])
    case = lifecycle.open_case("voice", "+919810000123", status="queued", queue="tier1", queued_at=utcnow())
    db.session.commit()
    lifecycle.claim(case.id, people["op1"][1])
    db.session.commit()
    return people, case, [s.id for s in slots]


def _timeline(case_id: int) -> list[tuple[str, int | None]]:
    return [(e.kind, e.staff_id) for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id))]


def test_an_operator_cannot_book_on_a_colleagues_case(desk):
    people, case, slots = desk
    refused = people["op2"][0].post("/api/v1/appointments", json={"case_id": case.id, "slot_id": slots[0]})
    assert refused.status_code == 409 and refused.json["error"] == "not_yours"
    assert db.session.scalar(select(Message.id)) is None  # no confirmation SMS went out
    mine = people["op1"][0].post("/api/v1/appointments", json={"case_id": case.id, "slot_id": slots[0]})
    assert mine.status_code == 201


def test_a_doctor_cannot_book_on_a_tier1_case_nobody_escalated(desk):
    people, case, slots = desk
    refused = people["doc"][0].post("/api/v1/appointments", json={"case_id": case.id, "slot_id": slots[0]})
    assert refused.status_code == 409 and refused.json["error"] == "not_yours"


def test_only_who_may_act_on_the_case_moves_or_cancels_its_appointment(desk):
    people, case, slots = desk
    booked = people["op1"][0].post("/api/v1/appointments", json={"case_id": case.id, "slot_id": slots[0]}).json
    other = people["op2"][0]
    assert other.post(f"/api/v1/appointments/{booked['id']}/cancel").status_code == 409
    assert other.post(f"/api/v1/appointments/{booked['id']}/reschedule", json={"slot_id": slots[1]}).status_code == 409
    moved = people["sup"][0].post(f"/api/v1/appointments/{booked['id']}/reschedule", json={"slot_id": slots[1]})
    assert moved.status_code == 201
    kinds = _timeline(case.id)
    assert ("appointment_booked", people["op1"][1].id) in kinds
    assert ("appointment_moved", people["sup"][1].id) in kinds  # the supervisor acted, by name


def test_notes_are_for_the_doctors_on_the_case_others_break_the_glass(app, desk):
    people, case, _slots = desk
    tier2.escalate(db.session.get(Case, case.id), people["op1"][1], "cardiology", "urgent", "Chest pain on exertion")
    db.session.commit()
    doc, doc2, sup = people["doc"][0], people["doc2"][0], people["sup"][0]
    assert doc.post(f"/api/v1/cases/{case.id}/accept").status_code == 200
    assert doc.post(f"/api/v1/cases/{case.id}/notes", json={"body": "Suspect angina"}).status_code == 201
    assert doc.get(f"/api/v1/cases/{case.id}/notes").json["notes"][0]["body"] == "Suspect angina"
    for outsider in (doc2, sup):
        refused = outsider.get(f"/api/v1/cases/{case.id}/notes")
        assert refused.status_code == 403 and refused.json["error"] == "notes_restricted"
        assert "Suspect angina" not in outsider.get(f"/doctor/cases/{case.id}/panel").get_data(as_text=True)
    assert doc2.post(f"/api/v1/cases/{case.id}/notes/break-glass", json={"reason": "x"}).status_code == 403
    glass = doc2.post(f"/api/v1/cases/{case.id}/notes/break-glass", json={"reason": "Covering for Dr on leave"})
    assert glass.status_code == 200 and glass.json["notes"][0]["body"] == "Suspect angina"
    audited = {(a.action, a.staff_id): a.detail for a in db.session.scalars(select(AuditLog))}
    assert ("read_notes", people["doc"][1].id) in audited
    assert audited[("break_glass", people["doc2"][1].id)]["reason"] == "Covering for Dr on leave"
    assert ("break_glass", people["doc2"][1].id) in _timeline(case.id)


def test_floor_control_is_for_supervisors_and_says_who_and_why(desk):
    people, case, _slots = desk
    op1, op2, sup = people["op1"], people["op2"], people["sup"]
    assert op2[0].post(f"/api/v1/cases/{case.id}/reassign", json={"staff_id": op2[1].id, "reason": "x y z"}
                       ).status_code == 403
    assert sup[0].post(f"/api/v1/cases/{case.id}/reassign", json={"staff_id": op2[1].id}).status_code == 422
    moved = sup[0].post(f"/api/v1/cases/{case.id}/reassign", json={"staff_id": op2[1].id, "reason": "op1 at shift end"})
    assert moved.status_code == 200 and moved.json["assigned_to"] == op2[1].id
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "reassigned")).one()
    assert (event.staff_id, event.detail["reason"], event.detail["previous"]) == (sup[1].id, "op1 at shift end", op1[1].id)
    taken = sup[0].post(f"/api/v1/cases/{case.id}/take-over", json={"reason": "difficult caller"})
    assert taken.status_code == 200 and taken.json["assigned_to"] == sup[1].id


def test_a_waiting_case_is_moved_and_raised_and_a_p1_rings_the_doctors(desk):
    people, _, _ = desk
    sup = people["sup"][0]
    waiting = lifecycle.open_case("sms", "+919810000456", status="queued", queue="tier1", queued_at=utcnow())
    db.session.commit()
    assert sup.post(f"/api/v1/cases/{waiting.id}/move", json={"queue": "nowhere", "reason": "test"}).status_code == 422
    assert sup.post(f"/api/v1/cases/{waiting.id}/move", json={"queue": "tier2:cardiology", "reason": "chest pain"}
                    ).json["queue"] == "tier2:cardiology"
    assert sup.post(f"/api/v1/cases/{waiting.id}/priority", json={"priority": "P4", "reason": "calm"}).status_code == 409
    raised = sup.post(f"/api/v1/cases/{waiting.id}/priority", json={"priority": "P1", "reason": "breathless now"})
    assert raised.status_code == 200 and (raised.json["priority"], raised.json["queue"]) == ("P1", "emergency")
    db.session.expire_all()
    assert db.session.get(Case, waiting.id).alarm_level == 1


def test_a_replayed_ivr_request_does_not_revive_a_finished_call(app, client):
    from tests.telephony.test_voice import start, step

    call_sid, case, _ = start(client, "+919800000077")
    step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="2")
    step(client, f"/telephony/voice/card?case={case.id}", call_sid, Digits="")
    step(client, "/telephony/voice/status", call_sid, CallStatus="completed", CallDuration="20", SequenceNumber="3")
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "abandoned"
    for path, digits in (("menu", "9"), ("menu", "2"), ("card", "")):  # a signed request replayed later
        twiml = step(client, f"/telephony/voice/{path}?case={case.id}", call_sid, Digits=digits)
        assert "<Enqueue" not in twiml
    db.session.expire_all()
    revived = db.session.get(Case, case.id)
    assert (revived.status, revived.priority, revived.alarm_level) == ("abandoned", "P4", 0)


def test_a_referral_opens_its_notes_to_the_specialty_only_while_it_waits_for_them(desk):
    from crm.cases import notes, policy

    people, case, _slots = desk
    cardio, neuro = people["doc"][1], factories.make_staff("doctor", specialty="neurology")
    tier2.escalate(db.session.get(Case, case.id), people["op1"][1], "cardiology", "urgent", "Chest pain, fainted")
    tier2.accept(case.id, cardio)
    notes.write(db.session.get(Case, case.id), cardio, "Syncope with exertion")
    tier2.refer(db.session.get(Case, case.id), cardio, "neurology", "Please see")
    db.session.commit()
    referred = db.session.get(Case, case.id)
    assert policy.may_read_notes(referred, neuro) and policy.may_read_notes(referred, cardio)
    referred.status = "closed"  # ended while still waiting: nobody in neurology had it
    assert not policy.may_read_notes(referred, neuro) and policy.may_read_notes(referred, cardio)
