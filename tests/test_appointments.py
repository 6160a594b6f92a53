"""Appointments: slots, no double booking, SMS in the patient's language, reminders once."""

from datetime import timedelta

import pytest

from crm.cases import lifecycle
from crm.helpline import appointments
from crm.models import Facility, Message, Slot
from crm.models.base import local, utcnow
from crm.platform import sms_templates
from crm.platform.errors import Refused
from crm.platform.extensions import db
from tests import factories


@pytest.fixture
def setup(app):
    app.config["JOBS_EAGER"] = False
    from crm.platform.jobs import HeldRunner

    app.extensions["sampark_jobs"] = HeldRunner(app)  # sending is the telephony tests' business
    doctor = factories.make_staff("doctor", specialty="cardiology", name="Dr. Sandeep Bhatia")
    facility = Facility(code="HS-GTB", name="Guru Teg Bahadur Hospital", name_hi="गुरु तेग बहादुर अस्पताल",
                        kind="hospital", district="Shahdara")
    db.session.add(facility)
    tomorrow_10 = local(utcnow() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    slots = [Slot(doctor=doctor, facility=facility, specialty="cardiology", starts_at=tomorrow_10 + timedelta(minutes=15 * i))
             for i in range(3)]
    db.session.add_all(slots)
    patient = factories.make_patient(name="Geeta Rawat", preferred_language="hi", mobile="+919810000077")
    case = lifecycle.open_case("voice", "+919810000077", status="with_doctor", doctor_id=doctor.id)
    db.session.commit()
    return doctor, slots, case, patient


def test_booking_texts_the_patient_in_hindi(setup):
    doctor, slots, case, patient = setup
    appointment = appointments.book(slots[0].id, case, doctor)
    db.session.commit()
    assert appointment.patient_id == patient.id and appointment.status == "booked"
    (sms,) = Message.query.filter_by(kind="appointment_booked").all()
    assert "गुरु तेग बहादुर अस्पताल" in sms.body and "10:00" in sms.body and patient.name in sms.body
    assert sms_templates.match(sms.body).name == "appointment_booked"  # the registered text (DLT)
    assert sms.to_number == "+919810000077"


def test_a_caller_who_chose_english_gets_the_appointment_in_english(setup):
    doctor, slots, case, _patient = setup  # the patient's record says Hindi; on this call they chose English
    case.language = "en"
    appointments.book(slots[0].id, case, doctor)
    db.session.commit()
    (sms,) = Message.query.filter_by(kind="appointment_booked").all()
    assert "Guru Teg Bahadur Hospital" in sms.body and "अस्पताल" not in sms.body


def test_a_slot_is_booked_once(setup):
    doctor, slots, case, _ = setup
    appointments.book(slots[0].id, case, doctor)
    db.session.commit()
    other = lifecycle.open_case("sms", "+919810000078", status="in_progress")
    db.session.commit()
    with pytest.raises(Refused):
        appointments.book(slots[0].id, other, doctor)
    assert slots[0] not in appointments.open_slots("cardiology")


def test_a_disabled_doctors_slots_are_neither_offered_nor_bookable(setup):
    doctor, slots, _, _ = setup
    from crm.staff.admin import staff as staff_admin

    staff_admin.disable(factories.make_staff("admin"), doctor)  # the doctor has left
    db.session.commit()
    assert appointments.open_slots("cardiology") == []
    colleague = factories.make_staff("doctor", specialty="cardiology")
    theirs = lifecycle.open_case("voice", "+919810000079", status="with_doctor", doctor_id=colleague.id)
    with pytest.raises(Refused, match="no longer taking appointments"):
        appointments.book(slots[0].id, theirs, colleague)  # a slot id kept from before
    assert Message.query.count() == 0


def test_cancel_opens_the_slot_and_tells_the_patient(setup):
    doctor, slots, case, _ = setup
    appointment = appointments.book(slots[0].id, case, doctor)
    db.session.commit()
    appointments.cancel(appointment, doctor)
    db.session.commit()
    assert slots[0] in appointments.open_slots("cardiology")
    assert Message.query.filter_by(kind="appointment_cancelled").count() == 1
    with pytest.raises(Refused):
        appointments.cancel(appointment, doctor)


def test_reschedule_books_the_new_slot_then_frees_the_old(setup):
    doctor, slots, case, _ = setup
    first = appointments.book(slots[0].id, case, doctor)
    db.session.commit()
    moved = appointments.reschedule(first, slots[2].id, doctor)
    db.session.commit()
    assert (first.status, first.moved_to_id, moved.slot_id) == ("moved", moved.id, slots[2].id)
    assert slots[0] in appointments.open_slots("cardiology") and slots[2] not in appointments.open_slots("cardiology")


def test_reminders_go_the_day_before_and_once(setup):
    doctor, slots, case, _ = setup
    appointments.book(slots[0].id, case, doctor)
    db.session.commit()
    assert appointments.send_reminders() == 1
    assert appointments.send_reminders() == 0
    (reminder,) = Message.query.filter_by(kind="appointment_reminder").all()
    assert "कल" in reminder.body


def test_no_reminder_for_a_cancelled_appointment(setup):
    doctor, slots, case, _ = setup
    appointments.cancel(appointments.book(slots[1].id, case, doctor), doctor, notify=False)
    db.session.commit()
    assert appointments.send_reminders() == 0


def test_schedule_opens_slots_once(setup, app):
    doctor, _, _, _ = setup
    facility = Facility.query.one()
    day = (local(utcnow()) + timedelta(days=3)).date()
    assert appointments.add_schedule(doctor, facility, day, "09:00", "10:00", 15) == 4
    assert appointments.add_schedule(doctor, facility, day, "09:00", "10:00", 15) == 0
    first = min(s.starts_at for s in Slot.query.filter(Slot.starts_at >= utcnow() + timedelta(days=2)))
    assert local(first).strftime("%H:%M") == "09:00"
    with pytest.raises(Refused):
        appointments.add_schedule(doctor, facility, day, "10:00", "09:00")


def test_schedule_cli(app, setup):
    doctor, _, _, _ = setup
    result = app.test_cli_runner().invoke(args=["schedule", "add", doctor.username, "--facility", "HS-GTB", "--date",
                                                "2030-01-07", "--from", "14:00", "--to", "15:00", "--minutes", "20"])
    assert result.exit_code == 0 and "3 new slots" in result.output


@pytest.mark.parametrize(("language", "words"), [("pa", "ਕੱਲ੍ਹ"), ("ur", "کل"), ("en", "tomorrow")])
def test_the_reminder_is_in_the_patients_language(setup, language, words):
    doctor, slots, case, patient = setup
    patient.preferred_language = case.language = language  # the case remembers the caller's language
    appointments.book(slots[0].id, case, doctor)
    db.session.commit()
    assert appointments.send_reminders() == 1
    (reminder,) = Message.query.filter_by(kind="appointment_reminder").all()
    assert words in reminder.body and "Guru Teg Bahadur Hospital" in reminder.body
