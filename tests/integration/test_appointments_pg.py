"""No double booking under concurrency, on PostgreSQL."""

import threading
from datetime import timedelta

import pytest

from crm.cases import lifecycle
from crm.helpline import appointments
from crm.models import Appointment, Facility, Slot, StaffUser
from crm.models.base import utcnow
from crm.platform.errors import Refused
from crm.platform.extensions import db
from tests import factories

pytestmark = pytest.mark.pg


def test_ten_concurrent_bookings_of_one_slot_make_one_appointment(pg_app):
    from crm.platform.jobs import HeldRunner

    pg_app.extensions["sampark_jobs"] = HeldRunner(pg_app)
    doctor = factories.make_staff("doctor", specialty="cardiology")
    facility = Facility(code="HS-LNJ", name="Lok Nayak Hospital", kind="hospital", district="Central")
    slot = Slot(doctor_id=doctor.id, facility=facility, specialty="cardiology", starts_at=utcnow() + timedelta(days=3))
    db.session.add_all([facility, slot])
    case_ids = []
    for i in range(10):
        case_ids.append(lifecycle.open_case("voice", f"+91981{i:07d}", status="with_doctor", doctor_id=doctor.id).id)
    db.session.commit()
    slot_id, doctor_id = slot.id, doctor.id
    results: list[str] = []
    barrier = threading.Barrier(10, timeout=30)

    def attempt(case_id: int) -> None:
        with pg_app.app_context():
            staff = db.session.get(StaffUser, doctor_id)
            from crm.models import Case

            case = db.session.get(Case, case_id)
            barrier.wait()
            try:
                appointments.book(slot_id, case, staff)
                db.session.commit()
                results.append("booked")
            except Refused:
                results.append("taken")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(c,)) for c in case_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["booked"] + ["taken"] * 9
    assert db.session.query(Appointment).filter_by(slot_id=slot_id, status="booked").count() == 1
