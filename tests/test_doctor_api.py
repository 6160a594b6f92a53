"""The doctor's API: accept once, notes for doctors only, referral, appointments with 409."""

from datetime import timedelta

import pytest

from crm.cases import lifecycle, tier2
from crm.models import Facility, Slot
from crm.models.base import utcnow
from crm.platform.extensions import db
from tests import factories


@pytest.fixture
def escalated(app):
    operator = factories.make_staff("operator")
    case = lifecycle.open_case("sms", "+919810000001", status="queued", queue="tier1", queued_at=utcnow())
    db.session.commit()
    case = lifecycle.claim(case.id, operator)
    db.session.commit()
    tier2.escalate(case, operator, "cardiology", "urgent", "Chest tightness when climbing stairs")
    db.session.commit()
    return case.id




def test_two_doctors_accept_one_wins(app, escalated):
    first, _ = factories.logged_in(app, "doctor", specialty="cardiology")
    second, _ = factories.logged_in(app, "doctor", specialty="cardiology")
    won = first.post(f"/api/v1/cases/{escalated}/accept")
    lost = second.post(f"/api/v1/cases/{escalated}/accept")
    assert won.status_code == 200 and won.json["status"] == "with_doctor" and won.json["connection"] == "caller_gone"
    assert lost.status_code == 409 and lost.json["error"] == "accepted_by_other"


def test_queue_shows_the_summary_to_the_right_specialty(app, escalated):
    cardio, _ = factories.logged_in(app, "doctor", specialty="cardiology")
    paeds, _ = factories.logged_in(app, "doctor", specialty="paediatrics")
    waiting = cardio.get("/api/v1/queues/tier2").json["waiting"]
    assert [c["summary"] for c in waiting] == ["Chest tightness when climbing stairs"]
    assert paeds.get("/api/v1/queues/tier2").json["waiting"] == []


def test_clinical_notes_are_for_doctors_only(app, escalated):
    doctor, _ = factories.logged_in(app, "doctor", specialty="cardiology")
    doctor.post(f"/api/v1/cases/{escalated}/accept")
    assert doctor.post(f"/api/v1/cases/{escalated}/notes", json={"body": "Suspect angina; ECG today"}).status_code == 201
    assert doctor.get(f"/api/v1/cases/{escalated}/notes").json["notes"][0]["body"] == "Suspect angina; ECG today"
    assert "angina" in doctor.get(f"/doctor/cases/{escalated}/panel").get_data(as_text=True)
    operator, _ = factories.logged_in(app, "operator")
    assert operator.get(f"/api/v1/cases/{escalated}/notes").status_code == 403
    assert operator.get(f"/doctor/cases/{escalated}/panel").status_code == 403
    case = operator.get(f"/api/v1/cases/{escalated}").get_data(as_text=True)
    assert "angina" not in case and "clinical_note" in case  # they see that a note exists, not what it says


def test_only_the_accepting_doctor_writes_notes(app, escalated):
    doctor, _ = factories.logged_in(app, "doctor", specialty="cardiology")
    other, _ = factories.logged_in(app, "doctor", specialty="cardiology")
    doctor.post(f"/api/v1/cases/{escalated}/accept")
    assert other.post(f"/api/v1/cases/{escalated}/notes", json={"body": "x"}).status_code == 409


def test_referral_reaches_the_specialist_with_the_note(app, escalated):
    cardio, _ = factories.logged_in(app, "doctor", specialty="cardiology")
    cardio.post(f"/api/v1/cases/{escalated}/accept")
    referred = cardio.post(f"/api/v1/cases/{escalated}/refer", json={"specialty": "neurology", "note": "Syncope too"})
    assert referred.status_code == 200 and referred.json["queue"] == "tier2:neurology"
    neuro, _ = factories.logged_in(app, "doctor", specialty="neurology")
    assert [c["id"] for c in neuro.get("/api/v1/queues/tier2").json["waiting"]] == [escalated]
    assert "Syncope too" in neuro.get(f"/doctor/cases/{escalated}/panel").get_data(as_text=True)
    assert cardio.post(f"/api/v1/cases/{escalated}/refer", json={"specialty": "ent"}).status_code == 409


def test_booking_a_taken_slot_is_409(app, escalated):
    app.config["JOBS_HOLD"] = True
    from crm.platform.jobs import HeldRunner

    app.extensions["sampark_jobs"] = HeldRunner(app)
    doctor, staff = factories.logged_in(app, "doctor", specialty="cardiology")
    facility = Facility(code="PC-DWK-01", name="Polyclinic Dwarka", kind="polyclinic", district="South West")
    slot = Slot(doctor_id=staff.id, facility=facility, specialty="cardiology", starts_at=utcnow() + timedelta(days=2))
    db.session.add_all([facility, slot])
    db.session.commit()
    assert [s["id"] for s in doctor.get("/api/v1/slots?specialty=cardiology").json["slots"]] == [slot.id]
    assert doctor.post(f"/api/v1/cases/{escalated}/accept").status_code == 200  # book on a case you hold
    first = doctor.post("/api/v1/appointments", json={"slot_id": slot.id, "case_id": escalated})
    second = doctor.post("/api/v1/appointments", json={"slot_id": slot.id, "case_id": escalated})
    assert first.status_code == 201 and second.status_code == 409 and second.json["error"] == "slot_taken"
    assert doctor.get("/api/v1/slots?specialty=cardiology").json["slots"] == []
    assert doctor.post(f"/api/v1/appointments/{first.json['id']}/cancel").json["status"] == "cancelled"


def test_duty_toggle(app):
    doctor, staff = factories.logged_in(app, "doctor")
    assert doctor.put("/api/v1/me/duty", json={"on_duty": True}).json == {"on_duty": True}
    db.session.expire_all()
    assert db.session.get(type(staff), staff.id).on_duty is True


def test_citizen_and_operator_text_is_escaped_on_the_doctor_panel(app):
    operator = factories.make_staff("operator")
    case = lifecycle.open_case("sms", "+919810000009", status="queued", queue="tier1", queued_at=utcnow())
    db.session.commit()
    case = lifecycle.claim(case.id, operator)
    db.session.commit()
    tier2.escalate(case, operator, None, "soon", "<script>alert(1)</script> says <img src=x onerror=alert(2)>")
    db.session.commit()
    doctor, _ = factories.logged_in(app, "doctor")
    html = doctor.get(f"/doctor/cases/{case.id}/panel").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "&lt;script&gt;" in html
    queued = doctor.get("/api/v1/queues/tier2").json["waiting"][0]["summary"]
    assert queued.startswith("<script>")  # JSON carries the text as it is; the page sets it with textContent
