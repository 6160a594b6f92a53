"""Appointments (view, cancel, move within the rules) and past contacts (outcome and advice only)."""

from __future__ import annotations

from datetime import timedelta

from crm.cases import lifecycle
from crm.cases.status import Status
from crm.helpline import appointments as rules
from crm.models import Appointment, ClinicalNote, Facility
from crm.models.base import utcnow
from crm.platform.extensions import db
from tests import factories
from tests.portal.conftest import sign_in


def _booked(patient, hours_ahead: int = 48):
    doctor = factories.make_staff("doctor", specialty="cardiology")
    facility = Facility(code=f"HS-{doctor.id}", name="GTB Hospital", kind="hospital", district="Shahdara")
    db.session.add(facility)
    db.session.flush()
    start = (utcnow() + timedelta(hours=hours_ahead)).date()
    rules.add_schedule(doctor, facility, start, "09:00", "10:00", 15)
    rules.add_schedule(doctor, facility, start + timedelta(days=1), "09:00", "10:00", 15)
    case = lifecycle.open_case("voice", patient.mobile, status=Status.QUEUED, patient_id=patient.id)
    case.doctor_id = doctor.id
    slot = rules.open_slots("cardiology")[0]
    appointment = rules.book(slot.id, case, doctor)
    db.session.add(ClinicalNote(case_id=case.id, patient_id=patient.id, doctor_id=doctor.id, body="SECRET-NOTE angina"))
    case.disposition, case.advice = "appointment", "Take the ECG report along"
    db.session.commit()
    return appointment, case

def test_appointments_are_shown_cancelled_and_moved(app, family):
    appointment, _ = _booked(family["mother"])
    citizen = app.test_client()
    sign_in(citizen, "+919810011111")
    page = citizen.get("/portal/appointments").get_data(as_text=True)
    assert "GTB Hospital" in page
    choices = citizen.get(f"/portal/appointments/{appointment.id}/move").get_data(as_text=True)
    other = rules.citizen_choices(appointment)[0]
    assert f'value="{other.id}"' in choices
    assert citizen.post(f"/portal/appointments/{appointment.id}/move", data={"slot_id": other.id}).status_code == 302
    db.session.expire_all()
    moved = db.session.get(Appointment, appointment.id)
    assert moved.status == "moved"
    new = db.session.get(Appointment, moved.moved_to_id)
    assert new.slot_id == other.id and new.status == "booked"
    assert citizen.post(f"/portal/appointments/{new.id}/cancel").status_code == 302
    db.session.expire_all()
    assert db.session.get(Appointment, new.id).status == "cancelled"

def test_an_appointment_too_close_cannot_be_changed_online(app, family):
    appointment, _ = _booked(family["mother"])
    db.session.refresh(appointment)
    assert appointment.status == "booked"
    import pytest

    from crm.platform.errors import Refused

    with pytest.raises(Refused):
        rules.ensure_citizen_may_change(appointment, now=appointment.slot.starts_at - timedelta(minutes=30))

def test_another_households_appointment_is_not_found(app, family):
    stranger = factories.make_patient(mobile="+919810099999")
    appointment, _ = _booked(stranger)
    citizen = app.test_client()
    sign_in(citizen, "+919810011111")
    assert citizen.post(f"/portal/appointments/{appointment.id}/cancel").status_code == 404
    assert citizen.get(f"/portal/appointments/{appointment.id}/move").status_code == 404
    db.session.refresh(appointment)
    assert appointment.status == "booked"

def test_past_contacts_show_outcome_and_advice_never_clinical_notes(app, family):
    _, case = _booked(family["mother"])
    _, husbands = _booked(family["husband"])
    citizen = app.test_client()
    sign_in(citizen, "+919810011111")
    citizen.get("/portal/lang/en?next=/portal/")
    page = citizen.get("/portal/contacts").get_data(as_text=True)
    assert case.reference in page and "Take the ECG report along" in page
    assert "Appointment booked or explained" in page
    assert "SECRET-NOTE" not in page and "angina" not in page
    assert husbands.reference not in page  # another adult's contact is his own
