"""Call controls, the doctor's caller lookup and the alarm-sound state: who may, and what is refused."""

import pytest

from crm.cases import lifecycle, tier2
from crm.models import AuditLog, Case
from crm.models.base import utcnow
from crm.platform.extensions import db
from tests import factories
from tests.test_doctor_api import escalated  # noqa: F401  (fixture)


@pytest.fixture
def accepted(app, escalated):  # noqa: F811
    doctor, staff = factories.logged_in(app, "doctor", specialty="cardiology")
    assert doctor.post(f"/api/v1/cases/{escalated}/accept").status_code == 200
    return doctor, staff, escalated


@pytest.mark.parametrize("action", ["hold", "mute", "end-call"])
def test_no_call_controls_on_an_sms_case(accepted, action):
    doctor, _, case_id = accepted
    response = doctor.post(f"/api/v1/cases/{case_id}/{action}", json={"on": True})
    assert response.status_code == 409 and response.json["error"] == "not_a_call"


def test_call_controls_are_for_whoever_holds_the_case(app):
    operator, staff = factories.logged_in(app, "operator")
    other, _ = factories.logged_in(app, "operator")
    case = lifecycle.open_case("voice", "+919810000005", status="queued", queue="tier1", queued_at=utcnow())
    db.session.commit()
    lifecycle.claim(case.id, staff)
    db.session.commit()
    assert other.post(f"/api/v1/cases/{case.id}/hold", json={"on": True}).json["error"] == "not_yours"
    assert operator.post(f"/api/v1/cases/{case.id}/hold", json={"on": "yes"}).status_code == 422
    assert operator.post(f"/api/v1/cases/{case.id}/hold", json={"on": True}).json["error"] == "no_call"


def test_doctor_identifies_the_caller_by_phone_audited(app, accepted):
    doctor, staff, case_id = accepted
    patient = factories.make_patient(name="Kiran Bala", mobile="+919812399999")
    db.session.commit()
    found = doctor.post(f"/api/v1/cases/{case_id}/identify", json={"phone": "9812399999"})
    assert found.status_code == 200 and found.json["name"] == "Kiran Bala"
    assert db.session.get(Case, case_id).patient_id == patient.id
    assert AuditLog.query.filter_by(staff_id=staff.id, patient_id=patient.id).count() >= 1


def test_only_the_doctor_on_the_case_identifies_the_caller(app, accepted):
    _, _, case_id = accepted
    stranger, _ = factories.logged_in(app, "doctor", specialty="cardiology")
    assert stranger.post(f"/api/v1/cases/{case_id}/identify", json={"phone": "9812399999"}).status_code == 409
    doctor = accepted[0]
    assert doctor.post(f"/api/v1/cases/{case_id}/identify", json={"patient_id": 10**20}).status_code == 422


def test_supervisor_sees_who_has_sound_off(app):
    doctor, staff = factories.logged_in(app, "doctor")
    staff.on_duty = True
    db.session.commit()
    supervisor, _ = factories.logged_in(app, "supervisor")
    assert doctor.get("/api/v1/doctors/sound").status_code == 403
    listed = supervisor.get("/api/v1/doctors/sound").json
    assert listed["sound_off"] == 1 and listed["doctors"][0]["sound_on"] is False
    assert doctor.put("/api/v1/me/sound", json={"on": True}).json == {"sound_on": True}
    assert supervisor.get("/api/v1/doctors/sound").json["sound_off"] == 0
    assert doctor.put("/api/v1/me/sound", json={"on": 1}).status_code == 422


def test_referral_of_an_sms_case_does_not_ring(app, accepted):
    _, staff, case_id = accepted
    case = tier2.refer(db.session.get(Case, case_id), staff, "neurology", "second opinion")
    db.session.commit()
    assert case.alarm_level == 0
